/**
 * The two roads from a gradient to WebAssembly agree: the C backend's file (`compileToC`)
 * built by emscripten (`emcc -O3 -sSTANDALONE_WASM --no-entry`, libm compiled in: musl) gives
 * the gradients of this backend's Binaryen module and of the JS backend. Arithmetic only
 * (+ - * /): bit for bit; with sin/cos/tanh (musl's, not V8's): within 1e-12, norm-wise relative.
 * Skipped, saying why, when emcc (or $EMCC) is missing. All cases go through one emcc run
 * (emcc takes about a second to start).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { sharedLibraryFlags } from '@adjoint/backend-c';
import { corpus, makeLeaves, opsUsed, type Case } from '@adjoint/conformance';
import { compileGradientFunction, compileToC, compileToWasm, loadWasmBackend } from '@adjoint/jit';

const EMCC = process.env.EMCC !== undefined && process.env.EMCC !== '' ? process.env.EMCC : 'emcc';
const LIBM_TOLERANCE = 1e-12;

function emccMissing(): string | null {
  const r = spawnSync(EMCC, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error !== undefined) return `${EMCC} not found (${r.error.message}); apt-get install emscripten, or set $EMCC`;
  if (r.status !== 0) return `${EMCC} --version failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`;
  return null;
}

const why = emccMissing();
if (why !== null) console.info(`skipping the emscripten cross-check: ${why}`);

function corpusCase(name: string): Case {
  const c = corpus.find((k) => k.name === name);
  if (c === undefined) throw new Error(`no corpus case "${name}"`);
  return c;
}

/** [case, bit for bit?]: arithmetic only must give the same bits; libm ops are musl's. */
const CASES: readonly (readonly [Case, boolean])[] = [
  [corpusCase('runtime inputs (linear regression)'), true],
  [corpusCase('rosenbrock n=5'), true],
  [corpusCase('planar IK chain'), false],
  [corpusCase('tiny MLP (tanh)'), false],
];

const cName = (k: number): string => `case${k}`;

type Kernel = (x: Float64Array, g: Float64Array) => number;
interface Run { f: number; g: Float64Array }

function call(kernel: Kernel, nParams: number, point: readonly number[]): Run {
  const g = new Float64Array(nParams).fill(NaN);   // every entry must be written
  const f = kernel(Float64Array.from(point), g);
  return { f, g };
}

/** One module built by emcc from one C file per case; each file's NAME_ws exported. */
function buildEmcc(sources: readonly string[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-emcc-test-'));
  try {
    const files = sources.map((s, k) => {
      const f = join(dir, `${cName(k)}.c`);
      writeFileSync(f, s);
      return f;
    });
    const flags = sharedLibraryFlags('clang', 3).filter((f) => f !== '-fPIC' && f !== '-shared');
    const exported = [...sources.map((_, k) => `_${cName(k)}_ws`), '_malloc'].join(',');
    const out = join(dir, 'cases.wasm');
    const args = [...flags, '-sSTANDALONE_WASM', '--no-entry', `-sEXPORTED_FUNCTIONS=${exported}`, ...files, '-o', out];
    const r = spawnSync(EMCC, args, { encoding: 'utf8', timeout: 120_000 });
    if (r.error !== undefined || r.status !== 0) {
      throw new Error(`${EMCC} ${args.join(' ')} failed:\n${r.error?.message ?? `${r.stderr}\n${r.stdout}`.trim().split('\n').slice(0, 12).join('\n')}`);
    }
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The emcc module's NAME_ws as a kernel, with inputs, gradient and workspace from its malloc. */
async function emccKernels(bytes: Uint8Array, sources: readonly string[]): Promise<Kernel[]> {
  const mod = new WebAssembly.Module(bytes);
  const imports: Record<string, Record<string, () => never>> = {};
  for (const d of WebAssembly.Module.imports(mod)) {
    (imports[d.module] ??= {})[d.name] = () => { throw new Error(`the emcc module called ${d.module}.${d.name}`); };
  }
  const ex = (await WebAssembly.instantiate(mod, imports)).exports;
  if (typeof ex._initialize === 'function') (ex._initialize as () => void)();
  const malloc = ex.malloc as (n: number) => number;
  const memory = ex.memory as WebAssembly.Memory;
  return sources.map((source, k) => {
    const size = (what: string): number => Number(new RegExp(`^#define ${cName(k)}_${what} (\\d+)`, 'm').exec(source)![1]);
    const [nIn, nPar, nWork] = [size('N_INPUTS'), size('N_PARAMS'), size('WORKSPACE_SIZE')];
    const [pIn, pGrad, pWork] = [nIn, nPar, nWork].map((n) => malloc(8 * Math.max(1, n)));
    const ws = ex[`${cName(k)}_ws`] as (a: number, b: number, c: number) => number;
    return (x, g) => {
      new Float64Array(memory.buffer, pIn, nIn).set(x);
      const f = ws(pIn, pGrad, pWork);
      g.set(new Float64Array(memory.buffer, pGrad, nPar));
      return f;
    };
  });
}

/** A module from compileToWasm through its documented ABI (memory, input, grad, run). */
async function binaryenKernel(bytes: Uint8Array, nInputs: number, nParams: number): Promise<Kernel> {
  const { instance } = await WebAssembly.instantiate(bytes, { Math });
  const ex = instance.exports;
  const memory = ex.memory as WebAssembly.Memory;
  const input = (ex.input as WebAssembly.Global).value as number;
  const grad = (ex.grad as WebAssembly.Global).value as number;
  const run = ex.run as () => number;
  return (x, g) => {
    new Float64Array(memory.buffer, input, nInputs).set(x);
    const f = run();
    g.set(new Float64Array(memory.buffer, grad, nParams));
    return f;
  };
}

function relError(a: Float64Array, b: Float64Array): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return scale === 0 ? err : err / scale;
}

/** Outputs whose bits differ (Object.is: -0 is not +0). */
function differences(what: string, got: Run, want: Run, point: readonly number[]): string[] {
  const out: string[] = [];
  const at = `at ${JSON.stringify(point)}`;
  if (!Object.is(got.f, want.f)) out.push(`${what} f ${got.f} vs JS ${want.f} ${at}`);
  got.g.forEach((v, i) => { if (!Object.is(v, want.g[i])) out.push(`${what} gradient[${i}] ${v} vs JS ${want.g[i]} ${at}`); });
  return out;
}

describe.skipIf(why !== null)('emcc builds of the C backend agree with the Binaryen module and the JS backend', () => {
  const emcc: Kernel[] = [];
  const binaryen: Kernel[] = [];
  const js: Kernel[] = [];

  beforeAll(async () => {
    await loadWasmBackend();
    const sources: string[] = [];
    for (const [k, [c]] of CASES.entries()) {
      const leaves = (): ReturnType<typeof makeLeaves> => makeLeaves(c, c.points[0]);
      let l = leaves();
      sources.push(compileToC(c.build(l.xs), l.params, { inputs: l.inputs, name: cName(k) }));
      l = leaves();
      binaryen.push(await binaryenKernel(compileToWasm(c.build(l.xs), l.params, { inputs: l.inputs }), c.nInputs, c.nParams));
      l = leaves();
      const fn = compileGradientFunction(c.build(l.xs), l.params, { inputs: l.inputs, cache: false });
      js.push((x, g) => fn.valueAndGradient(x, g).value);
    }
    emcc.push(...await emccKernels(buildEmcc(sources), sources));
  });

  test('the arithmetic cases use only + - * /', () => {
    const exact = new Set(['input', 'const', 'add', 'sub', 'mul', 'div', 'neg']);
    for (const [c, bitForBit] of CASES) {
      const ops = [...opsUsed(c)];
      if (bitForBit) expect(ops.filter((op) => !exact.has(op)), c.name).toEqual([]);
      else expect(ops.some((op) => !exact.has(op)), c.name).toBe(true);
    }
  });

  test.each(CASES.map(([c, exact], k) => [c.name, k, exact] as const))('%s', (_, k, exact) => {
    const c = CASES[k][0];
    for (const point of c.points) {
      const ref = call(js[k], c.nParams, point);
      const bin = call(binaryen[k], c.nParams, point);
      const em = call(emcc[k], c.nParams, point);
      // The Binaryen module with the host's Math is the JS backend, bit for bit.
      expect(differences('Binaryen', bin, ref, point)).toEqual([]);
      if (exact) {
        expect(differences('emcc', em, ref, point)).toEqual([]);
      } else {
        expect(Math.abs(em.f - ref.f)).toBeLessThanOrEqual(LIBM_TOLERANCE * Math.abs(ref.f));
        expect(relError(em.g, ref.g)).toBeLessThanOrEqual(LIBM_TOLERANCE);
        expect(em.g.every(Number.isFinite)).toBe(true);
      }
    }
  });
});
