/**
 * The loop form, checked structurally: every rerolled schedule of the corpus and of random
 * graphs passes the schedule verifier, and the random suite really exercises every part of
 * the loop form (otherwise the bitwise comparisons of the js-rerolled backends would prove
 * little). The numbers themselves are compared in corpus.test.ts and random.test.ts.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { Value, traceValue } from '@adjoint/autograd';
import { BOOL, GraphBuilder, OPS_BY_CODE, OP_CODE, gradientGraph, interpret, scheduleGraph, verifySchedule, type Graph, type Schedule } from '@adjoint/ir';
import { generateJs } from '@adjoint/backend-js';
import { compositeCases, nestedCase, prepare, randomCase, REROLLED_OPTIONS } from '@adjoint/conformance';
import { loadWasmBackend } from '@adjoint/jit';

// The wasm backends compile synchronously once binaryen is loaded.
beforeAll(() => loadWasmBackend());

const { minTrips, minCover } = REROLLED_OPTIONS.reroll;

/** What a schedule's loops use, by feature name. */
function features(s: Schedule, seen: Map<string, number>): void {
  const add = (k: string): void => { seen.set(k, (seen.get(k) ?? 0) + 1); };
  for (const u of s.units) {
    if (u.kind !== 'loop') continue;
    add('loop');
    if (u.carried.length > 0) add('carried');
    for (const ins of u.body) {
      if (ins.store !== null) add('tape column');
      if (ins.storeLast >= 0) add('final value');
      if (ins.outputs.length > 0) add('gradient write');
      ins.args.forEach((a, k) => {
        add(a.kind);
        if (a.kind === 'mem' && OPS_BY_CODE[ins.op].args[k] === 'bool') add('bool from memory');
        if (a.kind === 'carried' && u.carried[a.c].dtype === BOOL) add('bool carried');
        if ((a.kind === 'input' || a.kind === 'mem') && a.addr.table >= 0) add(`${a.kind} via table`);
        if ((a.kind === 'input' || a.kind === 'mem') && a.addr.table < 0 && a.addr.stride < 0) add(`${a.kind} reversed`);
        if ((a.kind === 'input' || a.kind === 'mem') && a.addr.table < 0 && a.addr.stride > 1) add(`${a.kind} strided`);
      });
      if (ins.dtype === BOOL && ins.store !== null) add('bool column');
    }
    for (const il of u.inner) {
      add('inner loop');
      if (il.carried.length > 0) add('inner carried');
      for (const ins of il.body) {
        if (ins.store !== null) add('inner column');
        if (ins.outputs.length > 0) add('inner gradient write');
        for (const a of ins.args) {
          if (a.kind === 'mem') add(a.addr.split === true ? 'inner mem split' : a.addr.table >= 0 ? 'inner mem via table' : 'inner mem affine');
          if (a.kind === 'input' && a.addr.outer !== 0) add('inner input over both counters');
        }
      }
    }
  }
}

/** Run the schedule's generated JS at `point` and compare value and gradient bit for bit with the interpreter. */
function expectSameBits(s: Schedule, grad: Graph, point: readonly number[]): void {
  const want = interpret(grad, point);
  const run = new Function('t', generateJs(s).source)(new Float64Array(s.nSpill)) as (x: Float64Array, g: Float64Array) => number;
  const g = new Float64Array(want.length - 1);
  expect(Object.is(run(Float64Array.from(point), g), want[0])).toBe(true);
  for (let k = 0; k < g.length; k++) expect(Object.is(g[k], want[k + 1]), `gradient ${k}`).toBe(true);
}

/**
 * Trace `f`, differentiate with respect to every param, schedule with rerolling and verify
 * the schedule; the loop features it uses, and a check of its generated code at the params'
 * traced values.
 */
function rerolled(f: Value, params: readonly Value[]): { grad: Graph; s: Schedule; seen: Map<string, number>; check(): void } {
  const { graph } = traceValue(f, params);
  const grad = gradientGraph(graph, { params: params.map((_, k) => k) });
  const s = scheduleGraph(grad, { reroll: true });
  verifySchedule(s);
  const seen = new Map<string, number>();
  features(s, seen);
  return { grad, s, seen, check: () => expectSameBits(s, grad, params.map((p) => p.data)) };
}

describe('rerolled schedules', () => {
  test('random graphs: every schedule verifies, at two chunk sizes, and every loop feature occurs', () => {
    const seen = new Map<string, number>();
    for (let seed = 1; seed <= 200; seed++) {
      const { gradient } = prepare(randomCase(seed));
      for (const chunkSize of [3, 1800]) {
        const s = scheduleGraph(gradient, { chunkSize, reroll: true, minTrips, minCover });
        verifySchedule(s);
        features(s, seen);
      }
    }
    const want = ['loop', 'carried', 'tape column', 'final value', 'gradient write', 'const', 'consts', 'input',
      'local', 'outer', 'mem', 'input via table', 'mem via table', 'mem reversed', 'input strided',
      'bool from memory', 'bool column', 'inner loop', 'inner carried', 'inner column',
      'inner mem via table', 'inner mem affine', 'inner input over both counters'];
    for (const k of want) expect(seen.get(k) ?? 0, `loops using "${k}"`).toBeGreaterThan(0);
  });

  test('random nested programs: every schedule verifies, and with low thresholds most get inner loops', () => {
    let nested = 0;
    const total = 60;
    for (let seed = 1; seed <= total; seed++) {
      const { gradient } = prepare(nestedCase(seed));
      verifySchedule(scheduleGraph(gradient, { reroll: true }));   // default thresholds: small bodies stay flat
      for (const chunkSize of [400, 1800]) {
        const s = scheduleGraph(gradient, { chunkSize, reroll: true, minTrips: 2, minCover: 4 });
        verifySchedule(s);
        if (chunkSize === 1800 && s.units.some((u) => u.kind === 'loop' && u.inner.length > 0)) nested++;
      }
    }
    expect(nested).toBeGreaterThan(total / 2);
  });

  test('composite corpus: every schedule verifies', () => {
    for (const c of compositeCases) {
      const { gradient } = prepare(c);
      verifySchedule(scheduleGraph(gradient, { reroll: true, minTrips, minCover }));
    }
  });

  test('a map followed by its running sum is fused into one loop, and the gradient is unchanged', () => {
    const n = 60;
    const xs = Array.from({ length: n }, (_, i) => new Value(Math.sin(i), `x${i}`));
    const terms = xs.slice(0, -1).map((x, i) => xs[i + 1].sub(x.square()).square().mul(100).add(new Value(1).sub(x).square()));
    const { s, check } = rerolled(Value.sum(terms), xs);
    // One loop computes the terms (reading x[i + 1]) and adds each to the carried sum.
    const fused = s.units.find((u) => u.kind === 'loop' && u.carried.length > 0
      && u.body.some((b) => b.args.some((a) => a.kind === 'input' && a.addr.stride === 1)));
    expect(fused, 'a loop with both the terms and the running sum').toBeDefined();
    check();
  });

  test('a recurrence followed by a longer sum fuses too (re-phased loop, prologue from the sum)', () => {
    // The IK chain: phi_k = phi_{k-1} + theta_k, then sum cos(phi_k). The angle loop's last copy
    // lacks its add and the sum has one more copy than the angle loop.
    const n = 40;
    const th = Array.from({ length: n }, (_, i) => new Value(0.05 + 0.1 * ((13 * i) % 17) / 17, `t${i}`));
    const cs: Value[] = [];
    let phi = th[0];
    for (let k = 0; k < n; k++) { if (k > 0) phi = phi.add(th[k]); cs.push(phi.cos()); }
    const { s, check } = rerolled(Value.sum(cs).sub(0.6 * n).square(), th);
    // One loop carries both the angle and the running sum of cosines.
    const fused = s.units.find((u) => u.kind === 'loop' && u.carried.length >= 2 && u.body.some((b) => b.op === OP_CODE.cos));
    expect(fused, 'a loop carrying the angle and the sum').toBeDefined();
    check();
  });

  test('a 2-D grid (rows x columns) becomes loops nested two deep, gradients written from the inner loops', () => {
    const rows = 12;
    const cols = 20;
    const xs = Array.from({ length: rows * cols }, (_, k) => new Value(Math.sin(0.37 * k), `x${k}`));
    const rowSums: Value[] = [];
    for (let r = 0; r < rows; r++) {
      const terms: Value[] = [];
      for (let c = 0; c + 1 < cols; c++) {
        const a = xs[r * cols + c];
        const b = xs[r * cols + c + 1];
        terms.push(b.sub(a.square()).square().mul(100).add(new Value(1).sub(a).square()));
      }
      rowSums.push(Value.sum(terms).tanh());
    }
    const { seen, check } = rerolled(Value.sum(rowSums), xs);
    for (const k of ['inner loop', 'inner carried', 'inner gradient write', 'inner input over both counters']) {
      expect(seen.get(k) ?? 0, `loops using "${k}"`).toBeGreaterThan(0);
    }
    check();
  });

  test('an MLP over samples nests neurons inside samples; weight gradients accumulate across samples through split addresses', () => {
    // 2-8-8-1, tanh, mean squared error over 12 samples; weights are params, samples constants.
    let seed = 7;
    const rnd = (): number => { seed = (seed * 16807) % 2147483647; return (2 * seed) / 2147483647 - 1; };
    const sizes = [2, 8, 8, 1];
    const params: Value[] = [];
    const layers = sizes.slice(1).map((n, l) => Array.from({ length: n }, (_, j) => ({
      w: Array.from({ length: sizes[l] }, (_, i) => { const v = new Value(rnd() * 0.8, `w${l}_${j}_${i}`); params.push(v); return v; }),
      b: (() => { const v = new Value(rnd() * 0.1, `b${l}_${j}`); params.push(v); return v; })(),
    })));
    const losses: Value[] = [];
    for (let sample = 0; sample < 12; sample++) {
      let h: Value[] = [new Value(rnd()), new Value(rnd())];
      layers.forEach((layer, l) => {
        h = layer.map(({ w, b }) => {
          let acc = b;
          w.forEach((wi, i) => { acc = acc.add(wi.mul(h[i])); });
          return l < layers.length - 1 ? acc.tanh() : acc;
        });
      });
      losses.push(h[0].sub(rnd()).square());
    }
    const { grad, seen, check } = rerolled(Value.mean(losses), params);
    for (const k of ['inner loop', 'inner mem split']) expect(seen.get(k) ?? 0, `loops using "${k}"`).toBeGreaterThan(0);
    // nest: false keeps the bodies flat, with the same bits.
    const flat = scheduleGraph(grad, { reroll: true, nest: false });
    verifySchedule(flat);
    expect(flat.units.some((u) => u.kind === 'loop')).toBe(true);
    expect(flat.units.every((u) => u.kind === 'straight' || u.inner.length === 0)).toBe(true);
    expectSameBits(flat, grad, params.map((p) => p.data));
    check();
  });

  test('graphs made with GraphBuilder (hash-consed, simplified) reroll too', () => {
    // Springs between consecutive 2-D points, points interleaved (x0, y0, x1, y1, ...), each
    // spring scaled by its own constant stiffness: strided inputs and a constant table.
    const n = 400;
    const b = new GraphBuilder();
    const p = Array.from({ length: 2 * n }, (_, k) => b.input(k, `p${k}`));
    let energy = -1;
    for (let i = 0; i + 1 < n; i++) {
      const dx = b.apply('sub', p[2 * i + 2], p[2 * i]);
      const dy = b.apply('sub', p[2 * i + 3], p[2 * i + 1]);
      const d2 = b.apply('add', b.apply('mul', dx, dx), b.apply('mul', dy, dy));
      const e = b.apply('mul', b.constant(2 + (i % 3) / 4), b.apply('sqrt', d2));
      energy = energy < 0 ? e : b.apply('add', energy, e);
    }
    const g: Graph = gradientGraph(b.finish([energy]), { params: p.map((_, k) => k) });
    const s = scheduleGraph(g);
    verifySchedule(s);
    const loops = s.units.filter((u) => u.kind === 'loop');
    expect(loops.length).toBeGreaterThan(0);
    expect(loops.some((u) => u.body.some((ins) => ins.args.some((a) => a.kind === 'input' && a.addr.stride === 2)))).toBe(true);
    expect(loops.some((u) => u.body.some((ins) => ins.args.some((a) => a.kind === 'consts')))).toBe(true);
    const point = Array.from({ length: 2 * n }, (_, k) => Math.cos(k * 0.7) * (1 + k / n));
    expectSameBits(s, g, point);
  });

  test('the verifier rejects a loop that reads the wrong iteration', () => {
    let s: Schedule | null = null;
    for (let seed = 1; seed < 100 && s === null; seed++) {
      const cand = scheduleGraph(prepare(randomCase(seed)).gradient, { reroll: true, minTrips, minCover });
      if (cand.units.some((u) => u.kind === 'loop' && u.body.some((b) => b.args.some((a) => a.kind === 'input' && a.addr.stride !== 0)))) s = cand;
    }
    expect(s, 'a random graph with a strided input in a loop').not.toBeNull();
    // Shift one input address by one iteration: the verifier must notice.
    const units = s!.units.map((u) => {
      if (u.kind !== 'loop') return u;
      const body = u.body.map((b) => ({
        ...b,
        args: b.args.map((a) => (a.kind === 'input' && a.addr.stride !== 0 ? { ...a, addr: { ...a.addr, base: a.addr.base + a.addr.stride } } : a)),
      }));
      return { ...u, body };
    });
    expect(() => verifySchedule({ ...s!, units })).toThrow(/does not read/);
  });
});
