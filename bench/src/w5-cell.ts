/**
 * Child process for one W5 measurement: `node w5-cell.js <n> <iterations>` prints
 * {eagerMs, compiledMs, compileMs} as JSON. See runCell in w5.ts for why it is a process.
 */
import { runCell } from './w5.js';

const [n, iterations] = process.argv.slice(2).map(Number);
if (!(Number.isInteger(n) && n >= 2 && Number.isInteger(iterations) && iterations >= 1)) {
  process.stderr.write('usage: node w5-cell.js <n >= 2> <iterations >= 1>\n');
  process.exit(2);
}
process.stdout.write(JSON.stringify(runCell(n, iterations)) + '\n');
