/**
 * The Adjoint benchmark suite: `./dev bench [--quick] [--only W1,W5,stages]`.
 * Progress goes to stderr, the markdown report to stdout, every figure to bench/results/*.json.
 */
import { resolve } from 'node:path';
import { clearCompileCache } from '@adjoint/jit';
import { runTiers } from './ctiers.js';
import { PEER_SIZES, runPeers, type PeersReport } from './peers.js';
import { callOverhead, nativeUnavailable, removeCacheDirs } from './native.js';
import { machineInfo, markdown, writeJson, type NativeReport, type RunReport } from './report.js';
import { OPTIONAL_SYSTEMS, runWorkload, warmCompiler, type Settings, type WorkloadResult } from './suite.js';
import { prepareWasm, warmWasmCompiler, type WasmReport } from './suite-wasm.js';
import { W5_CELLS, runW5, type W5Backend, type W5Row } from './w5.js';
import { runStages, stageFailures, type StagesReport } from './stages.js';
import { SIZES, makeWorkload, type WorkloadId } from './workloads.js';

const USAGE = `usage: ./dev bench [--quick] [--only W1[,W2,...]] [--systems S[,S...]] [--no-peers] [--json FILE]
  --quick   fewer, shorter rounds; skips the largest sizes (W1 n=100000, W2 n=1000, W3 n=100000);
            peers run only the smallest of their sizes per workload, f32 only W2 n=10 and W4,
            W5 one process per cell, stages the two smallest sizes of each series
  --no-peers  skip the peer libraries (@jax-js/jax, @tensorflow/tfjs: slow to load)
  --only    run only these parts (W1 W2 W3 W4 W5, C: the C backend's compile tiers, and
            stages: compile throughput per stage, which pnpm bench:stages runs alone)
  --systems time only these besides hand-written and compiled JS:
            straight eager c c-f32 wasm wasm-f32 peers (W5 follows c and wasm)
  --json    write the results there instead of bench/results/<ISO date>.json
Peers run on W1 n=100/1000, W2 n=10/50, W3 n=10/1000 and W4 (those of them --only selects).
W1-W4 time the C backend and hand-written C too when a C compiler and the native addon are there,
and the wasm backend (math imported; math embedded once the backend has it), both also with
precision 'f32'; W1 n=1000 and W4 also the C file built by emscripten (emcc on the PATH, or $EMCC).
W5 runs end to end (compile included) on JS, C and wasm. stages compiles W1 and W3 at n=100-100000
and an irregular DAG, each in a process of its own (n=10^6: pnpm bench:stages --huge).`;

// Upper case, as --only's list is read; 'STAGES' is spelled stages in messages.
const ALL = ['W1', 'W2', 'W3', 'W4', 'W5', 'C', 'STAGES'];
const partName = (p: string): string => (p === 'STAGES' ? 'stages' : p);

const SYSTEMS = [...OPTIONAL_SYSTEMS, 'peers'];

interface Args { quick: boolean; only: string[] | null; peers: boolean; systems: Set<string> | null; json: string | null }

function parseArgs(argv: string[]): Args {
  let quick = false;
  let peers = true;
  let only: string[] | null = null;
  let systems: Set<string> | null = null;
  let json: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--no-peers') peers = false;
    else if (a === '--systems' || a.startsWith('--systems=')) {
      const v = a === '--systems' ? argv[++i] : a.slice('--systems='.length);
      if (!v) throw new Error(`--systems needs a list such as c,wasm\n${USAGE}`);
      systems = new Set(v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean));
      const bad = [...systems].filter((x) => !SYSTEMS.includes(x));
      if (bad.length) throw new Error(`unknown system ${bad.join(', ')}; the systems are ${SYSTEMS.join(', ')}`);
    }
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!v) throw new Error(`--only needs a list of parts such as W1,W5\n${USAGE}`);
      only = v.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
      const bad = only.filter((s) => !ALL.includes(s));
      if (bad.length) throw new Error(`unknown part ${bad.join(', ')}; the parts are ${ALL.map(partName).join(', ')}`);
    } else if (a === '--json' || a.startsWith('--json=')) {
      const v = a === '--json' ? argv[++i] : a.slice('--json='.length);
      if (!v) throw new Error(`--json needs a file name\n${USAGE}`);
      json = resolve(v);
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  }
  return { quick, only, peers: peers && (systems === null || systems.has('peers')), systems, json };
}

/*
 * Warm-up: TurboFan spends ~70-170 µs per generated statement on a background thread and
 * needs hundreds of calls per function first (CODEGEN-FACTS.md), so compiled code warms for
 * 0.17 ms per instruction (W4: ~10 s), capped at 12 s: the 10^6-node graphs (W1/W3 n=100000)
 * would need minutes and are timed in V8's baseline tier, which the report says.
 */
const FULL: Settings & { w5Repeats: number } = {
  quick: false, rounds: 7, roundMs: 100,
  warm: { minMs: 300, minCalls: 10, maxMs: 2500 },
  warmMsPerInstruction: 0.17, warmCapMs: 12_000,
  eagerBudgetMs: 15_000, w5Repeats: 5,
};
const QUICK: Settings & { w5Repeats: number } = {
  quick: true, rounds: 5, roundMs: 25,
  warm: { minMs: 150, minCalls: 10, maxMs: 1000 },
  warmMsPerInstruction: 0.17, warmCapMs: 12_000,
  eagerBudgetMs: 4_000, w5Repeats: 1,
};
const QUICK_MAX_N = { W1: 1000, W2: 50, W3: 1000, W4: Infinity } as const;

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

async function main(): Promise<void> {
  const { quick, only, peers: withPeers, systems, json } = parseArgs(process.argv.slice(2));
  const settings = { ...(quick ? QUICK : FULL), systems: systems === null ? null : [...systems] };
  const wanted = (id: string): boolean => only === null || only.includes(id);
  const start = performance.now();
  const date = new Date().toISOString();

  const workloads: WorkloadResult[] = [];
  let wasm: WasmReport = { skipped: 'no workload W1-W4 ran', emcc: { skipped: 'no workload W1-W4 ran' } };
  if (ALL.slice(0, 4).some(wanted)) {
    log('loading binaryen (the wasm backend) and looking for emcc');
    wasm = await prepareWasm();
    if (wasm.skipped !== null) log(`no wasm contenders: ${wasm.skipped}`);
    if ('skipped' in wasm.emcc) log(`no emcc contender: ${wasm.emcc.skipped}`);
    log('warming up the compiler on sizes the suite does not measure');
    warmCompiler();
    warmWasmCompiler();
  }
  for (const id of Object.keys(SIZES) as WorkloadId[]) {
    if (!wanted(id)) continue;
    for (const n of SIZES[id]) {
      if (quick && n > QUICK_MAX_N[id]) continue;
      clearCompileCache();   // compiles use cache: false; this just frees the previous graphs
      workloads.push(runWorkload(makeWorkload(id, n), settings, log));
      const r = workloads[workloads.length - 1];
      log(`[${r.label}] hand ${r.hand.medianUs.toPrecision(3)} µs, compiled ${r.compiled.medianUs.toPrecision(3)} µs (${r.ratios.compiled.toFixed(2)}x)${r.ratios.straight !== null ? `, straight-line ${r.ratios.straight.toFixed(2)}x` : ""}${'ratios' in r.native ? `; C ${r.native.ratios.cToHand.toFixed(2)}x hand JS, ${r.native.ratios.cToHandC.toFixed(2)}x hand C` : ''}${'import' in r.wasm ? `; wasm ${r.wasm.import.ratios.toHand.toFixed(2)}x hand JS` : ''}${f32Note(r)}`);
    }
  }
  const peers = await peerPart(settings, wanted, withPeers);
  const w5: W5Row[] = wanted('W5') ? runW5(W5_CELLS, settings.w5Repeats, w5Backends(systems), log) : [];
  const native = nativeParts(settings, workloads.length > 0, wanted('C'));
  const stages = stagesPart(quick, wanted('STAGES'));

  const report: RunReport = {
    date,
    command: `node bench/dist/main.js ${process.argv.slice(2).join(' ')}`.trim(),
    quick, only, machine: machineInfo(), settings, workloads, w5, native, wasm, peers, stages,
    totalSeconds: (performance.now() - start) / 1000,
  };
  process.stdout.write(markdown(report));
  log(`wrote ${writeJson(report, json ?? undefined)}`);
  // Written first: a failed point is a row of the report, and the other figures are kept.
  const failed = stageFailures(stages);
  for (const f of failed) log(`[stages] failed: ${f}`);
  if (failed.length > 0) process.exitCode = 1;
}

/** Compile throughput per stage, each point in a child process; --quick keeps the smallest points. */
function stagesPart(quick: boolean, enabled: boolean): StagesReport {
  if (!enabled) return { skipped: 'not selected (--only)', rows: [], levels: [], seconds: 0 };
  const rep = runStages({ quick, huge: false }, (m) => log(`[stages] ${m}`));
  log(`[stages] ${rep.seconds.toFixed(1)} s`);
  return rep;
}

/** The f32 contenders against their backend in f64, for the progress line. */
function f32Note(r: WorkloadResult): string {
  const parts = (['c', 'wasm'] as const).flatMap((b) => {
    const v = r.f32[b];
    return 'timing' in v ? [`${b === 'c' ? 'C' : 'wasm'} ${v.ratios.toHand.toFixed(2)}x hand JS${v.ratios.toF64 === null ? '' : ` (${v.ratios.toF64.toFixed(2)}x f64)`}`] : [];
  });
  return parts.length ? `; f32: ${parts.join(', ')}` : '';
}

/** Peer libraries on the selected workloads; --quick keeps the smallest size of each workload. */
async function peerPart(s: Settings, wanted: (id: string) => boolean, enabled: boolean): Promise<PeersReport> {
  const none = (skipped: string): PeersReport => ({ skipped, peers: [], unavailable: [], rows: [] });
  if (!enabled) return none('--no-peers');
  const sizes = PEER_SIZES.filter((z, k) => wanted(z.id) && !(s.quick && PEER_SIZES.findIndex((o) => o.id === z.id) !== k));
  if (sizes.length === 0) return none('no workload they run (W1-W4) was selected');
  return runPeers(sizes, { rounds: s.rounds, roundMs: s.roundMs, warm: s.warm }, log);
}

/** Which backends W5 times besides JS: null, or why not. */
function w5Backends(systems: Set<string> | null): Record<W5Backend, string | null> {
  const off = (s: string): string | null => (systems !== null && !systems.has(s) ? 'not selected (--systems)' : null);
  return { c: off('c') ?? nativeUnavailable(), wasm: off('wasm') };
}

/** The per-call cost of native code (whenever C ran) and the compile tiers (part C). */
function nativeParts(s: Settings, ranWorkloads: boolean, tiers: boolean): NativeReport {
  const why = nativeUnavailable();
  if (why !== null) return { skipped: why, overhead: null, tiers: [] };
  let overhead = null;
  if (ranWorkloads || tiers) {
    log('[C] call overhead: an empty C function through loadNativeKernel');
    overhead = callOverhead({ rounds: s.rounds, roundMs: s.roundMs }, s.warm, (m) => log(`[C overhead] ${m}`));
  }
  return { skipped: null, overhead, tiers: tiers ? runTiers(s.quick, log) : [] };
}

try {
  await main();
} catch (e) {
  log(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
} finally {
  // Every C build of the run went to fresh temporary cache directories (native.ts).
  removeCacheDirs();
}
