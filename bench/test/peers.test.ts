/**
 * Correctness of the bench's peer contenders (never timing): each peer library's gradient of
 * W1 n=100, W3 n=10 and W4 agrees with the hand-written one within the peer's tolerance (float64 or
 * float32). A peer whose package cannot load is skipped with the reason printed.
 */
import { describe, expect, test } from 'vitest';
import { F32_TOLERANCE, F64_TOLERANCE, checkPeer, loadPeers } from '../src/peers.js';
import { MLP_PARAMS, makeWorkload, type WorkloadId } from '../src/workloads.js';

const { peers, unavailable } = await loadPeers();
for (const u of unavailable) console.info(`skipping peer ${u.name}: it did not load (${u.reason})`);

const cases: [WorkloadId, number][] = [['W1', 100], ['W3', 10], ['W4', MLP_PARAMS]];

test('every peer package loads, or says why', () => {
  for (const u of unavailable) expect(u.reason.length).toBeGreaterThan(0);
  expect(peers.length + unavailable.length).toBeGreaterThan(0);
});

describe.each(peers.map((p) => [p.name, p] as const))('%s', (_name, p) => {
  test('tolerance matches the peer\'s dtype', () => {
    expect(p.tolerance).toBe(p.dtype === 'float64' ? F64_TOLERANCE : F32_TOLERANCE);
  });

  test.each(cases)('%s n=%i: gradient agrees with the hand-written one', async (id, n) => {
    await p.activate();
    const w = makeWorkload(id, n);
    const c = checkPeer(p, w);
    if (typeof c === 'string') throw new Error(`${p.name} cannot run ${w.label}: ${c}`);
    console.info(`${p.name} ${w.label}: gradient rel. error ${c.gError.toExponential(2)}, f ${c.fError.toExponential(2)}`);
    expect(c.gError).toBeLessThanOrEqual(p.tolerance);
    expect(c.fError).toBeLessThanOrEqual(p.tolerance);
    // A second call gives the same gradient (no state leaks between calls, e.g. freed arrays).
    const g1 = new Float64Array(w.nParams);
    const g2 = new Float64Array(w.nParams);
    const f1 = c.run(w.x, g1);
    const f2 = c.run(w.x, g2);
    expect(f2).toBe(f1);
    expect(Array.from(g2)).toEqual(Array.from(g1));
  });
});
