/**
 * The emscripten path to WebAssembly, for comparison with the backend's Binaryen path: the C
 * backend's file (`compileToC`) built by `emcc -O3 -sSTANDALONE_WASM --no-entry` into a module
 * that exports `NAME_ws` and `malloc`, instantiated in Node with its own memory. libm is
 * compiled into the module (emscripten's musl), so sin/cos/tanh are not V8's.
 *
 * Only the .wasm is used: the JS wrapper of Debian's emscripten 3.1.6 does not run on Node 20.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedLibraryFlags } from '@adjoint/backend-c';

// The WebAssembly members used here (the bench compiles without DOM or WebAssembly types).
interface WasmImportDescriptor { readonly module: string; readonly name: string; readonly kind: string }
interface WasmModule { readonly __wasmModule?: never }
interface WasmInstance { readonly exports: Readonly<Record<string, unknown>> }
interface WasmMemory { readonly buffer: ArrayBuffer }
interface WasmApi {
  readonly Module: {
    new (bytes: Uint8Array): WasmModule;
    imports(m: WasmModule): WasmImportDescriptor[];
  };
  readonly Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The command: $EMCC (an emsdk's emcc), else `emcc` on the PATH. */
export function emccCommand(): string {
  const env = process.env.EMCC ?? '';
  return env !== '' ? env : 'emcc';
}

let probed: { version: string } | { skipped: string } | undefined;

/** emscripten's version (e.g. "emscripten 3.1.6"), or why it cannot run; asked once per process (emcc starts slowly). */
export function emccProbe(): { version: string } | { skipped: string } {
  if (probed !== undefined) return probed;
  const cmd = emccCommand();
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error !== undefined) {
    probed = { skipped: `${cmd} not found (${r.error.message}); install Debian's emscripten (apt-get install emscripten) or point $EMCC at an emsdk's emcc` };
  } else if (r.status !== 0) {
    probed = { skipped: `${cmd} --version failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}` };
  } else {
    // "emcc (Emscripten gcc/clang-like replacement + linker emulating GNU ld) 3.1.6 ()": keep the number.
    const line = r.stdout.split('\n')[0].trim();
    const v = /\b(\d+\.\d+\.\d+)\b/.exec(line);
    probed = { version: v === null ? line : `emscripten ${v[1]}` };
  }
  return probed;
}

/** Why emcc cannot run here, or null when it can. */
export function emccUnavailable(): string | null {
  const p = emccProbe();
  return 'skipped' in p ? p.skipped : null;
}

/**
 * The C backend's own flags (no FMA contraction, no libm folding at compile time) at -O3,
 * minus the shared-library ones, plus what a standalone reactor module needs.
 */
export function emccFlags(exports: readonly string[]): string[] {
  const c = sharedLibraryFlags('clang', 3).filter((f) => f !== '-fPIC' && f !== '-shared');
  return [...c, '-sSTANDALONE_WASM', '--no-entry', `-sEXPORTED_FUNCTIONS=${[...exports.map((e) => `_${e}`), '_malloc'].join(',')}`];
}

export interface EmccBuild {
  bytes: Uint8Array;
  /** emcc wall time, process start included (that is what a user waits for). */
  ms: number;
  command: string;
}

/**
 * Builds C files (one translation unit each) into one module exporting `exports` and malloc.
 * Throws with emcc's first error lines when it fails.
 */
export function buildWithEmcc(sources: readonly string[], exports: readonly string[]): EmccBuild {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-emcc-'));
  try {
    const files = sources.map((s, k) => {
      const f = join(dir, `unit${k}.c`);
      writeFileSync(f, s);
      return f;
    });
    const out = join(dir, 'module.wasm');
    const args = [...emccFlags(exports), ...files, '-o', out];
    const t0 = performance.now();
    const r = spawnSync(emccCommand(), args, { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
    const ms = performance.now() - t0;
    const command = `${emccCommand()} ${args.map((a) => (a.startsWith(dir) ? a.slice(dir.length + 1) : a)).join(' ')}`;
    if (r.error !== undefined) throw new Error(`${command}: ${r.error.message}`);
    if (r.status !== 0) {
      const said = `${r.stderr}\n${r.stdout}`.trim().split('\n').slice(0, 12).join('\n');
      throw new Error(`${command} failed (exit ${r.status}):\n${said}`);
    }
    return { bytes: new Uint8Array(readFileSync(out)), ms, command };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** N_INPUTS, N_PARAMS and WORKSPACE_SIZE of a file made by compileToC, read from its #defines. */
export function cLayout(source: string, name: string): { nInputs: number; nParams: number; workspace: number } {
  const read = (what: string): number => {
    const m = new RegExp(`^#define ${name}_${what} (\\d+)`, 'm').exec(source);
    if (m === null) throw new Error(`the C file has no #define ${name}_${what}`);
    return Number(m[1]);
  };
  return { nInputs: read('N_INPUTS'), nParams: read('N_PARAMS'), workspace: read('WORKSPACE_SIZE') };
}

export type EmccKernel = (x: Float64Array, g: Float64Array) => number;

export interface EmccInstance {
  /** The module's own memory and malloc; one per instance. */
  kernel(name: string, layout: { nInputs: number; nParams: number; workspace: number }): EmccKernel;
}

/**
 * Instantiates a module built by buildWithEmcc. A standalone module may import a few WASI
 * functions (fd_write, proc_exit, ...) that a gradient never calls: each is stubbed with a
 * function that throws, so a call would not go unnoticed.
 */
export function instantiateEmcc(bytes: Uint8Array): EmccInstance {
  const mod = new wasm.Module(bytes);
  const imports: Record<string, Record<string, unknown>> = {};
  for (const d of wasm.Module.imports(mod)) {
    if (d.kind !== 'function') throw new Error(`the emcc module imports a ${d.kind} (${d.module}.${d.name}); only function imports are stubbed`);
    (imports[d.module] ??= {})[d.name] = () => { throw new Error(`the emcc module called ${d.module}.${d.name}`); };
  }
  const ex = new wasm.Instance(mod, imports).exports;
  if (typeof ex._initialize === 'function') (ex._initialize as () => void)();
  const malloc = ex.malloc as (bytes: number) => number;
  const memory = ex.memory as WasmMemory;
  return {
    kernel(name, layout) {
      const fn = ex[`${name}_ws`];
      if (typeof fn !== 'function') throw new Error(`the emcc module exports no ${name}_ws`);
      const ws = fn as (inputs: number, grad: number, workspace: number) => number;
      const alloc = (doubles: number): number => {
        const p = malloc(8 * Math.max(1, doubles));
        if (p === 0 || p % 8 !== 0) throw new Error(`malloc(${8 * doubles}) in the emcc module returned ${p}`);
        return p;
      };
      const pIn = alloc(layout.nInputs);
      const pGrad = alloc(layout.nParams);
      const pWork = alloc(layout.workspace);
      // Views made after every allocation: nothing below allocates, so the memory never grows again.
      const xs = new Float64Array(memory.buffer, pIn, layout.nInputs);
      const gs = new Float64Array(memory.buffer, pGrad, layout.nParams);
      const { nInputs, nParams } = layout;
      return (x, g) => {
        if (x.length !== nInputs || g.length < nParams) throw new Error(`the ${name} kernel takes ${nInputs} inputs and ${nParams} gradient slots`);
        xs.set(x);
        const f = ws(pIn, pGrad, pWork);
        g.set(gs);
        return f;
      };
    },
  };
}
