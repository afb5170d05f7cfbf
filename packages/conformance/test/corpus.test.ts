import { beforeAll, describe, expect, test } from 'vitest';
import {
  backends, checkBackend, checkExact, checkFiniteDifferences, checkInterpAgainstEager, compileCase, corpus,
  reference, runEager, runInterp,
} from '@adjoint/conformance';
import { loadWasmBackend } from '@adjoint/jit';

// The wasm backends compile synchronously once binaryen is loaded.
beforeAll(() => loadWasmBackend());

describe('reference: interpreter == eager backward()', () => {
  test.each(corpus)('$name', (c) => {
    expect(checkInterpAgainstEager(c)).toEqual([]);
  });
});

describe.each(backends)('$name backend', (backend) => {
  test.each(corpus)('$name: backend == interp == eager, bit for bit', (c) => {
    expect(checkBackend(backend, c)).toEqual([]);
  });
});

describe('gradient vs finite differences', () => {
  const smooth = corpus.filter((c) => c.fdSkip === undefined);
  const skipped = corpus.filter((c) => c.fdSkip !== undefined);

  test.each(smooth)('$name', (c) => {
    expect(checkFiniteDifferences(c)).toEqual([]);
  });

  // Not a silent skip: list every case FD cannot check, and why.
  test(`${skipped.length} non-differentiable cases are checked bitwise only`, () => {
    for (const c of skipped) {
      console.info(`finite differences skipped for "${c.name}": ${c.fdSkip}`);
      expect(c.fdSkip!.length).toBeGreaterThan(10);
    }
    // Most of the corpus must stay FD-checked.
    expect(smooth.length).toBeGreaterThan(2 * skipped.length);
  });
});

describe('hand-derived exact results (signed zeros, ties, unreached params)', () => {
  const exact = corpus.filter((c) => c.exact !== undefined);

  test('there are such cases', () => {
    expect(exact.length).toBeGreaterThanOrEqual(6);
  });

  test.each(exact)('$name: eager and interp', (c) => {
    expect([...checkExact(c, 'eager', (p) => runEager(c, p)),
      ...checkExact(c, 'interp', (p) => runInterp(reference(c).prepared, p))]).toEqual([]);
  });

  describe.each(backends)('$name backend', (backend) => {
    test.each(exact)('$name', (c) => {
      expect(checkExact(c, backend.name, compileCase(backend, c))).toEqual([]);
    });
  });
});
