/**
 * Timing: warm each contender up until V8 has optimized it, then time interleaved rounds
 * (round r runs every contender once), so drift on a noisy machine hits all of them alike.
 */

export interface Contender {
  name: string;
  /** One evaluation (value + full gradient); returns f so the work cannot be dropped. */
  run: () => number;
  /** Warm-up rules for this contender (large compiled graphs need much more than the default). */
  warm: WarmRule;
}

export interface WarmRule {
  /** Always warm up at least this long and this many calls. */
  minMs: number;
  minCalls: number;
  /** Past minMs, keep going until the per-call time is stable, but not beyond maxMs. */
  maxMs: number;
}

export interface WarmReport {
  calls: number;
  ms: number;
  /** False when maxMs ran out before the per-call time settled. */
  stable: boolean;
  /** Per-call µs of the first and of the last warm-up batch: how far tier-up moved it. */
  firstUs: number;
  lastUs: number;
}

export interface Timing {
  medianUs: number;
  minUs: number;
  maxUs: number;
  rounds: number;
  callsPerRound: number;
  warmup: WarmReport;
}

export interface RoundRule {
  rounds: number;
  /** Target wall time of one round of one contender. */
  roundMs: number;
}

type Loop = (run: () => number, calls: number) => number;

/**
 * A fresh loop function per contender: built with `new Function` so it has its own feedback,
 * keeping the call site monomorphic (a shared loop would go megamorphic across contenders and
 * stop inlining, adding nanoseconds that matter for the smallest workloads).
 */
function makeLoop(): Loop {
  return new Function('run', 'calls', 'let s = 0; for (let i = 0; i < calls; i++) s += run(); return s;') as Loop;
}

/** Collects the sum of every result, so no evaluation can be optimized away. */
interface Sink { sum: number }

function timeBatch(sink: Sink, loop: Loop, run: () => number, calls: number): number {
  const t0 = performance.now();
  sink.sum += loop(run, calls);
  return performance.now() - t0;
}

const WARM_BATCH_MS = 50;
const STABLE_WINDOW = 4;
const STABLE_SPREAD = 1.1;

function warmUp(sink: Sink, loop: Loop, c: Contender): WarmReport {
  const start = performance.now();
  let calls = 0;
  let batch = 1;
  const perCall: number[] = [];
  for (;;) {
    const ms = timeBatch(sink, loop, c.run, batch);
    calls += batch;
    perCall.push((ms * 1000) / batch);
    const elapsed = performance.now() - start;
    if (elapsed >= c.warm.minMs && calls >= c.warm.minCalls) {
      const recent = perCall.slice(-STABLE_WINDOW);
      const stable = recent.length === STABLE_WINDOW && Math.max(...recent) <= STABLE_SPREAD * Math.min(...recent);
      if (stable || elapsed >= c.warm.maxMs) {
        return { calls, ms: elapsed, stable, firstUs: perCall[0], lastUs: perCall[perCall.length - 1] };
      }
    }
    // Grow batches toward WARM_BATCH_MS so timer overhead does not dominate tiny functions.
    batch = Math.max(1, Math.min(batch * 4, Math.round((WARM_BATCH_MS * 1000) / perCall[perCall.length - 1])));
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function measure(contenders: readonly Contender[], rule: RoundRule, progress: (msg: string) => void): Map<string, Timing> {
  const sink: Sink = { sum: 0 };
  const loops = contenders.map(() => makeLoop());
  const warm = contenders.map((c, k) => {
    progress(`warming up ${c.name} (at least ${(c.warm.minMs / 1000).toFixed(1)} s)`);
    return warmUp(sink, loops[k], c);
  });
  const calls = warm.map((w) => Math.max(1, Math.round((rule.roundMs * 1000) / w.lastUs)));
  const samples: number[][] = contenders.map(() => []);
  progress(`timing ${rule.rounds} rounds`);
  for (let r = 0; r < rule.rounds; r++) {
    contenders.forEach((c, k) => samples[k].push((timeBatch(sink, loops[k], c.run, calls[k]) * 1000) / calls[k]));
  }
  // Reading the sum keeps it live, and a NaN here means a contender is broken.
  if (!Number.isFinite(sink.sum)) throw new Error(`a contender returned a non-finite value (${sink.sum})`);
  const out = new Map<string, Timing>();
  contenders.forEach((c, k) => out.set(c.name, {
    medianUs: median(samples[k]),
    minUs: Math.min(...samples[k]),
    maxUs: Math.max(...samples[k]),
    rounds: rule.rounds,
    callsPerRound: calls[k],
    warmup: warm[k],
  }));
  return out;
}
