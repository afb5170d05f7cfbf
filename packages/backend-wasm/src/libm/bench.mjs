// Embedded libm vs imported Math, inside wasm: ns per call in a loop that sums f(x) over a
// sweep of arguments (what a compiled gradient does). Not a test; numbers go in the report.
//   node packages/backend-wasm/src/libm/bench.mjs [op...]   (default: tanh exp sin log pow)
// The libm sources are TypeScript: they are transpiled (types stripped) into a temp directory.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ts = require('typescript');
const binaryen = (await import('binaryen')).default;

const out = mkdtempSync(join(tmpdir(), 'libm-bench-'));
for (const file of readdirSync(here).filter((f) => f.endsWith('.ts'))) {
  const js = ts.transpileModule(readFileSync(join(here, file), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  }).outputText;
  writeFileSync(join(out, file.replace(/\.ts$/, '.js')), js);
}
const { addLibm } = await import(pathToFileURL(join(out, 'index.js')).href);
rmSync(out, { recursive: true });

// Per op: the argument sweep start and step (a range where the function is finite and busy).
const SWEEP = { tanh: [-3, 6e-6], exp: [-20, 4e-5], expm1: [-2, 4e-6], log: [1e-3, 1e-4], log1p: [-0.5, 3e-6],
  sin: [-10, 2e-5], cos: [-10, 2e-5], tan: [-1.5, 3e-6], asin: [-1, 2e-6], acos: [-1, 2e-6], atan: [-10, 2e-5],
  sinh: [-10, 2e-5], cosh: [-10, 2e-5], atan2: [-10, 2e-5], pow: [0.1, 4e-6] };
const ops = process.argv.length > 2 ? process.argv.slice(2) : ['tanh', 'exp', 'sin', 'log', 'pow'];
const N = 1_000_000;

function build(op, embedded) {
  const m = new binaryen.Module();
  const f64 = binaryen.f64;
  const binary = op === 'atan2' || op === 'pow';
  const params = binaryen.createType(binary ? [f64, f64] : [f64]);
  let fn;
  if (embedded) fn = addLibm(binaryen, m, [op]).get(op);
  else { fn = 'math.' + op; m.addFunctionImport(fn, 'Math', op, params, f64); }
  // sum(i = 0..n-1) f(x0 + i dx [, 1.5])
  const [n, x0, dx, i, acc] = [0, 1, 2, 3, 4];
  const get = (k, t = f64) => m.local.get(k, t);
  const x = m.f64.add(get(x0), m.f64.mul(m.f64.convert_s.i32(get(i, binaryen.i32)), get(dx)));
  const call = m.call(fn, binary ? [x, m.f64.const(1.5)] : [x], f64);
  const body = m.block(null, [
    m.local.set(acc, m.f64.add(get(acc), call)),
    m.local.set(i, m.i32.add(get(i, binaryen.i32), m.i32.const(1))),
    m.br('loop', m.i32.lt_s(get(i, binaryen.i32), get(n, binaryen.i32))),
  ]);
  m.addFunction('run', binaryen.createType([binaryen.i32, f64, f64]), f64, [binaryen.i32, f64],
    m.block(null, [m.loop('loop', body), get(acc)], f64));
  m.addFunctionExport('run', 'run');
  binaryen.setOptimizeLevel(2);
  m.optimize();
  const bytes = m.emitBinary();
  m.dispose();
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { Math }).exports.run;
}

for (const op of ops) {
  const [x0, dx] = SWEEP[op];
  const row = [];
  for (const embedded of [false, true]) {
    const run = build(op, embedded);
    // V8 starts wasm in its baseline tier and moves hot code to TurboFan in the background,
    // which can take a dozen runs here: warm up, then keep the best of many runs
    for (let rep = 0; rep < 15; rep++) run(N, x0, dx);
    let best = Infinity;
    for (let rep = 0; rep < 25; rep++) {
      const t = performance.now();
      run(N, x0, dx);
      best = Math.min(best, performance.now() - t);
    }
    row.push((best * 1e6) / N);
  }
  console.log(`${op.padEnd(6)} imported Math ${row[0].toFixed(1)} ns/call, embedded ${row[1].toFixed(1)} ns/call (${(row[0] / row[1]).toFixed(1)}x)`);
}
