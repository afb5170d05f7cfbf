/**
 * onProgress: every entry point reports each finished stage in order, with the sizes
 * compileStats gives, skips what a cache hit skips, and refuses a value that is not a function.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import {
  AdjointError, GraphBuilder, Value, compileGradientFunction, compileGraphGradient, compileStats, compileToC, compileToWasm,
  loadWasmBackend, type CompileStep,
} from '@adjoint/jit';
import { rosenbrock } from './rosenbrock.js';

beforeAll(() => loadWasmBackend());

function record(): { steps: CompileStep[]; onProgress: (s: CompileStep) => void } {
  const steps: CompileStep[] = [];
  return { steps, onProgress: (s) => { steps.push(s); } };
}

describe('onProgress', () => {
  test('compileGradientFunction: trace, the passes, schedule, codegen, build; sizes as compileStats', () => {
    const { f, xs } = rosenbrock(300);
    const { steps, onProgress } = record();
    const fn = compileGradientFunction(f, xs, { cache: false, onProgress });
    const st = compileStats(fn)!;
    expect(steps.map((s) => s.stage)).toEqual(['trace', 'gradient', 'dce', 'schedule', 'codegen', 'build']);
    expect(steps[0].size).toBe(st.traceNodes);
    expect(steps[1].size).toBe(st.passes[0].nodesOut);
    expect(steps[2].size).toBe(st.gradientNodes);
    for (const s of steps.slice(3)) expect(s.size).toBe(st.instructions);
    for (const s of steps) expect(s.ms).toBeGreaterThanOrEqual(0);
    expect(steps[3].ms).toBe(st.ms.schedule);
    expect(steps[4].ms).toBe(st.ms.codegen);
  });

  test('optimize 2 reports its extra passes first; a cache hit reports only the trace', () => {
    const { f, xs } = rosenbrock(50);
    const first = record();
    compileGradientFunction(f, xs, { optimize: 2, onProgress: first.onProgress });
    expect(first.steps.map((s) => s.stage)).toEqual(['trace', 'cse', 'simplify', 'gradient', 'dce', 'schedule', 'codegen', 'build']);
    const again = record();
    compileGradientFunction(f, xs, { optimize: 2, onProgress: again.onProgress });
    expect(again.steps.map((s) => s.stage)).toEqual(['trace']);
  });

  test('compileGraphGradient has no trace; compileToC and compileToWasm end with codegen', () => {
    const b = new GraphBuilder();
    const x = b.input(0, 'x');
    const y = b.input(1, 'y');
    const g = b.finish([b.apply('mul', b.apply('sin', x), y)]);
    const viaGraph = record();
    compileGraphGradient(g, { nParams: 2, cache: false, onProgress: viaGraph.onProgress });
    expect(viaGraph.steps.map((s) => s.stage)).toEqual(['gradient', 'dce', 'schedule', 'codegen', 'build']);

    const a = new Value(0.5, 'a');
    const out = a.mul(a).sin();
    const c = record();
    for (const compile of [() => compileToC(out, [a], { onProgress: c.onProgress }), () => compileToWasm(out, [a], { onProgress: c.onProgress })]) {
      c.steps.length = 0;
      compile();
      expect(c.steps.map((s) => s.stage)).toEqual(['trace', 'gradient', 'dce', 'schedule', 'codegen']);
    }
  });

  test('a value that is not a function is refused, naming the option', () => {
    const { f, xs } = rosenbrock(5);
    let err: unknown;
    try { compileGradientFunction(f, xs, { onProgress: 'yes' as unknown as () => void }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(AdjointError);
    expect((err as Error).message).toBe('onProgress must be a function (step) => void, got string');
  });
});
