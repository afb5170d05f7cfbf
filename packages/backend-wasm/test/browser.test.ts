/**
 * A real browser: headless Chromium loads a page that embeds generated modules (base64),
 * instantiates them with the page's own `Math` (async, as a browser's main thread requires)
 * and computes gradients of an IK-like workload. The bits must equal Node's.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Value, traceValue } from '@adjoint/autograd';
import { OP_NAMES, gradientGraph, scheduleGraph, type Graph } from '@adjoint/ir';
import { generateWasm, instantiateKernel, loadBinaryen } from '@adjoint/backend-wasm';
import { validate, loadWabt } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (Debian: apt-get install chromium, or ./dev setup as root)`;
if (missing !== null) console.info(`browser test skipped: ${missing}`);

/**
 * Two-link arm, one pose per target: params are the link lengths and each pose's two joint
 * angles; the targets are runtime inputs. Loss = sum of squared distances of the hand from its target.
 */
const TARGETS = 5;
function armGraph(): { gradient: Graph; nParams: number } {
  const l1 = new Value(1, 'l1');
  const l2 = new Value(0.8, 'l2');
  const angles = Array.from({ length: 2 * TARGETS }, (_, k) => new Value(0.1 * k, `theta${k}`));
  const targets = Array.from({ length: 2 * TARGETS }, (_, k) => new Value(0, `target${k}`));
  const terms: Value[] = [];
  for (let k = 0; k < TARGETS; k++) {
    const a = angles[2 * k];
    const ab = a.add(angles[2 * k + 1]);
    const x = l1.mul(a.cos()).add(l2.mul(ab.cos()));
    const y = l1.mul(a.sin()).add(l2.mul(ab.sin()));
    terms.push(x.sub(targets[2 * k]).square().add(y.sub(targets[2 * k + 1]).square()));
  }
  const params = [l1, l2, ...angles];
  const trace = traceValue(Value.sum(terms), params, { inputs: targets });
  return { gradient: gradientGraph(trace.graph, { params: params.map((_, k) => k) }), nParams: params.length };
}

function points(nInputs: number): number[][] {
  return [0, 1, 2].map((p) => Array.from({ length: nInputs }, (_, k) => Math.sin(1 + k * 0.7 + p) * (k < 2 ? 0.5 : 2) + (k < 2 ? 1 : 0)));
}

const hex = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const bitsOf = (xs: readonly number[]): string => hex(Float64Array.from(xs));

/** Node's Math, recording every call: argument bits -> result bits, per function. */
function recordingMath(): { math: Record<string, (...args: number[]) => number>; calls: Record<string, [string, string][]> } {
  const calls: Record<string, [string, string][]> = {};
  const math: Record<string, (...args: number[]) => number> = {};
  for (const name of ['sin', 'cos']) {
    const fn = Math[name as 'sin' | 'cos'] as (...args: number[]) => number;
    calls[name] = [];
    math[name] = (...args) => {
      const r = fn(...args);
      calls[name].push([bitsOf(args), bitsOf([r])]);
      return r;
    };
  }
  return { math, calls };
}

/** What the page needs: the modules, the points, Node's recorded math, and the graph for its own interpreter. */
interface PageData {
  readonly modules: readonly { b64: string; nInputs: number; nParams: number }[];
  readonly pts: readonly number[][];
  readonly calls: Record<string, [string, string][]>;
  readonly graph: { op: string[]; a: number[]; b: number[]; c: number[]; consts: string; outputs: number[] };
}

/**
 * The page runs every module at every point twice: with Node's sin/cos values (looked up by
 * argument bits), which must give Node's bits, and with the page's own Math, which must give
 * the bits of a plain JS evaluation of the graph in the page. Chromium's V8 and Node 20's V8
 * compute some sin/cos results differently in the last bit, so the first run is the
 * cross-engine check of the wasm arithmetic and the second the "same as JS" check.
 */
function page(data: PageData): string {
  return `<!doctype html><html><body><script>
const data = ${JSON.stringify(data)};
const fromHex = (h) => new Float64Array(Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16)).buffer);
const toHex = (a) => Array.from(new Uint8Array(a.buffer), (b) => b.toString(16).padStart(2, '0')).join('');
const nodeMath = {};
for (const [name, calls] of Object.entries(data.calls)) {
  const table = new Map(calls);
  nodeMath[name] = (...args) => {
    const r = table.get(toHex(Float64Array.from(args)));
    if (r === undefined) throw new Error(name + ' called with an argument Node did not see');
    return fromHex(r)[0];
  };
}
const EVAL = { add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, neg: (a) => -a, sin: Math.sin, cos: Math.cos };
function interpret(p) {
  const g = data.graph;
  const consts = fromHex(g.consts);
  const v = new Float64Array(g.op.length);
  for (let i = 0; i < g.op.length; i++) {
    const op = g.op[i];
    if (op === 'const') v[i] = consts[g.a[i]];
    else if (op === 'input') v[i] = p[g.a[i]];
    else if (EVAL[op] === undefined) throw new Error('the page cannot evaluate ' + op);
    else v[i] = EVAL[op](v[g.a[i]], v[g.b[i]], v[g.c[i]]);
  }
  return toHex(Float64Array.from(g.outputs, (o) => v[o]));
}
(async () => {
  const withNodeMath = [];
  const withPageMath = [];
  const reference = [];
  for (const m of data.modules) {
    const bytes = Uint8Array.from(atob(m.b64), (c) => c.charCodeAt(0));
    const module = await WebAssembly.compile(bytes);
    for (const [math, out] of [[nodeMath, withNodeMath], [Math, withPageMath]]) {
      const { exports: e } = await WebAssembly.instantiate(module, { Math: math });
      const x = new Float64Array(e.memory.buffer, e.input.value, m.nInputs);
      const g = new Float64Array(e.memory.buffer, e.grad.value, m.nParams);
      for (const p of data.pts) {
        x.set(p);
        const r = new Float64Array(1 + m.nParams);
        r[0] = e.run();
        r.set(g, 1);
        out.push(toHex(r));
      }
    }
    for (const p of data.pts) reference.push(interpret(p));
  }
  window.results = { withNodeMath, withPageMath, reference };
})().catch((err) => { window.results = 'error: ' + err.stack; });
</script></body></html>`;
}

describe('in a real browser', () => {
  let userDataDir = '';
  beforeAll(async () => { await loadWabt(); });
  afterAll(() => { if (userDataDir !== '') rmSync(userDataDir, { recursive: true, force: true }); });

  test.skipIf(missing !== null)('Chromium gives Node\'s bits with Node\'s sin/cos, and its own JS\'s bits with its own Math (two-link arm)', async () => {
    const binaryen = await loadBinaryen();
    const { gradient, nParams } = armGraph();
    const nInputs = gradient.inputNames.length;
    const pts = points(nInputs);
    const modules = [{}, { reroll: true, minTrips: 2, minCover: 1 }, { chunkSize: 4 }].map((options) => {
      const program = generateWasm(binaryen, scheduleGraph(gradient, options));
      validate(program.bytes);
      return { program, b64: Buffer.from(program.bytes).toString('base64') };
    });
    expect(modules[1].program.functions).toBeLessThan(modules[2].program.functions);

    // Node: every module at every point, recording the sin/cos values it used.
    const recorder = recordingMath();
    const want = modules.flatMap(({ program }) => {
      const kernel = instantiateKernel(program.bytes, program, recorder.math);
      return pts.map((p) => {
        const r = new Float64Array(1 + nParams);
        const g = new Float64Array(nParams);
        r[0] = kernel(Float64Array.from(p), g);
        r.set(g, 1);
        return hex(r);
      });
    });
    const graph = {
      op: Array.from(gradient.op, (o) => OP_NAMES[o]), a: Array.from(gradient.a), b: Array.from(gradient.b), c: Array.from(gradient.c),
      consts: hex(gradient.consts), outputs: Array.from(gradient.outputs),
    };
    const data: PageData = {
      modules: modules.map((m) => ({ b64: m.b64, nInputs: m.program.nInputs, nParams: m.program.nParams })), pts, calls: recorder.calls, graph,
    };

    const { chromium } = await import('playwright-core');
    userDataDir = mkdtempSync(join(tmpdir(), 'adjoint-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    try {
      const tab = context.pages()[0] ?? await context.newPage();
      await tab.setContent(page(data));
      await tab.waitForFunction(() => (globalThis as { results?: unknown }).results !== undefined, null, { timeout: 60_000 });
      const got = await tab.evaluate(() => (globalThis as { results?: unknown }).results) as {
        withNodeMath: string[]; withPageMath: string[]; reference: string[];
      } | string;
      if (typeof got === 'string') throw new Error(`the page failed: ${got}`);
      expect(got.withNodeMath).toEqual(want);
      expect(got.withPageMath).toEqual(got.reference);
    } finally {
      await context.close();
    }
  });
});
