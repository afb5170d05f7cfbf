/**
 * Child process for one W5 measurement: `node w5-cell.js <n> <iterations> [c,wasm]` prints a
 * CellResult (eager, JS and the listed backends; c brings C, background along) as JSON. See
 * runCell in w5.ts for why it is a process, and runW5 for its fresh ADJOINT_CACHE_DIR.
 */
import { W5_BACKENDS, runCell, type W5Backend } from './w5.js';

const [ns, its, list = ''] = process.argv.slice(2);
const n = Number(ns);
const iterations = Number(its);
const backends = list.split(',').filter(Boolean);
const bad = backends.filter((b) => !(W5_BACKENDS as readonly string[]).includes(b));
if (!(Number.isInteger(n) && n >= 2 && Number.isInteger(iterations) && iterations >= 1) || bad.length > 0) {
  process.stderr.write(`usage: node w5-cell.js <n >= 2> <iterations >= 1> [${W5_BACKENDS.join(',')}]${bad.length ? ` (unknown: ${bad.join(', ')})` : ''}\n`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(await runCell(n, iterations, backends as W5Backend[])) + '\n');
