/**
 * Instructions per gradient, generated C vs hand-written C, counted by valgrind's callgrind:
 * the same count run to run, whatever else the machine is doing, so small differences are
 * real. `node bench/dist/callgrind.js [--iterations N] [--keep]`.
 *
 * For W1 n=1000 and W4 it writes a driver (main.c) that calls either the generated gradient
 * (`compileToC`, entry `adjoint_grad_ws`, the one the C backend calls) or bench/hand/<id>.c
 * N times on the benchmark point, builds the three files as separate translation units (no
 * inlining across them) with gcc -O2 and the backend's flags, and counts only instructions
 * executed inside the gradient (--toggle-collect), libm calls included.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findCompiler, sharedLibraryFlags } from '@adjoint/backend-c';
import { compileToC } from '@adjoint/jit';
import { handCSource, handWorkspace } from './native.js';
import { mlp, rosenbrock, type Workload } from './workloads.js';

export type Kernel = 'gen' | 'hand';

export interface Driver {
  dir: string;
  exe: string;
  /** The function callgrind counts for each kernel. */
  symbols: Record<Kernel, string>;
  buildMs: number;
}

const GEN_NAME = 'adjoint_grad';

function driverSource(w: Workload, handSymbol: string): string {
  const xs = Array.from(w.x, (v) => String(v));   // shortest round-trip form: exact for strtod
  const ws = handWorkspace(w);
  return `/* Calls one gradient of ${w.label} N times: driver gen|hand N. Prints f, then the gradient. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gen.h"

double ${handSymbol}(const double *x, double *g, double *t);

#define WS (${GEN_NAME}_WORKSPACE_SIZE > ${ws} ? ${GEN_NAME}_WORKSPACE_SIZE : ${ws})
static const double X[${xs.length}] = {${xs.join(', ')}};
static double x[${xs.length}], g[${w.nParams}], t[WS];

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "gen") != 0 && strcmp(argv[1], "hand") != 0) || atol(argv[2]) < 1) {
    fprintf(stderr, "usage: %s gen|hand iterations\\n", argv[0]);
    return 2;
  }
  const int hand = strcmp(argv[1], "hand") == 0;
  const long n = atol(argv[2]);
  memcpy(x, X, sizeof X);
  double f = 0.0;
  for (long i = 0; i < n; i++) f = hand ? ${handSymbol}(x, g, t) : ${GEN_NAME}_ws(x, g, t);
  printf("%.17g\\n", f);
  for (int i = 0; i < ${w.nParams}; i++) printf("%.17g\\n", g[i]);
  return 0;
}
`;
}

/** Writes gen.c/gen.h (compileToC), hand.c and main.c into a fresh directory and links them. */
export function buildDriver(w: Workload): Driver {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-callgrind-'));
  const built = w.build(w.x);
  const gen = compileToC(built.output, built.params, { inputs: built.inputs, name: GEN_NAME, header: true });
  const handSymbol = `hand_${w.id.toLowerCase()}`;
  writeFileSync(join(dir, 'gen.c'), gen.source);
  writeFileSync(join(dir, 'gen.h'), gen.header);
  writeFileSync(join(dir, 'hand.c'), handCSource(w));
  writeFileSync(join(dir, 'main.c'), driverSource(w, handSymbol));
  const gcc = findCompiler('gcc');
  // The backend's flags, as an executable. -z now binds libm at start-up, so the first call's
  // lazy symbol resolution is not counted as the gradient's.
  const flags = sharedLibraryFlags(gcc.kind, 2).filter((f) => f !== '-shared');
  const exe = join(dir, 'driver');
  const t0 = performance.now();
  const r = spawnSync(gcc.path, [...flags, '-Wl,-z,now', '-o', exe, 'gen.c', 'hand.c', 'main.c', '-lm'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the callgrind driver in ${dir} failed:\n${r.stderr}${r.error?.message ?? ''}`);
  return { dir, exe, symbols: { gen: `${GEN_NAME}_ws`, hand: handSymbol }, buildMs: performance.now() - t0 };
}

/** Runs the driver natively: f and the gradient it printed. */
export function runDriver(d: Driver, kernel: Kernel, iterations: number): { f: number; g: Float64Array } {
  const r = spawnSync(d.exe, [kernel, String(iterations)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${d.exe} ${kernel} failed: ${r.stderr}${r.error?.message ?? ''}`);
  const nums = r.stdout.trim().split('\n').map(Number);
  return { f: nums[0], g: Float64Array.from(nums.slice(1)) };
}

/** Why callgrind cannot run here, or null. */
export function valgrindMissing(): string | null {
  const r = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'valgrind is not installed (Debian: apt-get install valgrind)';
}

/** Instructions executed inside the kernel (callees included) per call, over `iterations` calls. */
export function countInstructions(d: Driver, kernel: Kernel, iterations: number): number {
  const out = join(d.dir, `callgrind.${kernel}.out`);
  const r = spawnSync('valgrind', [
    '--tool=callgrind', `--callgrind-out-file=${out}`, `--toggle-collect=${d.symbols[kernel]}`, d.exe, kernel, String(iterations),
  ], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`callgrind on ${d.exe} ${kernel} failed: ${r.stderr}${r.error?.message ?? ''}`);
  const m = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(out, 'utf8'));
  if (m === null) throw new Error(`no instruction total in ${out}`);
  return Number(m[1]) / iterations;
}

export interface CallgrindRow {
  label: string;
  iterations: number;
  genPerGradient: number;
  handPerGradient: number;
  ratio: number;
}

export function measureWorkload(w: Workload, iterations: number, keep: boolean): CallgrindRow {
  const d = buildDriver(w);
  try {
    const gen = countInstructions(d, 'gen', iterations);
    const hand = countInstructions(d, 'hand', iterations);
    return { label: w.label, iterations, genPerGradient: gen, handPerGradient: hand, ratio: gen / hand };
  } finally {
    if (keep) process.stderr.write(`callgrind: kept ${d.dir} (${readdirSync(d.dir).join(', ')})\n`);
    else rmSync(d.dir, { recursive: true, force: true });
  }
}

function main(): void {
  const args = process.argv.slice(2);
  let iterations = 200;
  let keep = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--iterations') iterations = Number(args[++i]);
    else if (args[i] === '--keep') keep = true;
    else throw new Error(`unknown argument "${args[i]}"; usage: node bench/dist/callgrind.js [--iterations N] [--keep]`);
  }
  if (!(Number.isInteger(iterations) && iterations >= 1)) throw new Error('--iterations needs a positive integer');
  const missing = valgrindMissing();
  if (missing !== null) throw new Error(missing);
  const rows = [rosenbrock(1000), mlp()].map((w) => {
    process.stderr.write(`callgrind: ${w.label}, ${iterations} gradients each way\n`);
    return measureWorkload(w, iterations, keep);
  });
  const lines = [
    `### Instructions per gradient (callgrind, gcc -O2, ${iterations} calls each)`,
    '',
    '| workload | generated C | hand-written C | generated / hand |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.label} | ${Math.round(r.genPerGradient).toLocaleString('en-US')} | ${Math.round(r.handPerGradient).toLocaleString('en-US')} | ${r.ratio.toFixed(2)}x |`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`callgrind: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
