import { AdjointError } from '@adjoint/ir';

/** Run `build` once; returns [milliseconds, its result]. */
export function measureCompilationTime<T>(build: () => T): [number, T] {
  const t0 = performance.now();
  const result = build();
  return [performance.now() - t0, result];
}

/**
 * Mean milliseconds per call of `run`, over `iterations` calls after a warm-up of a tenth as
 * many (so the JIT has optimized it).
 */
export function measureExecutionTime(run: () => unknown, iterations = 1000): number {
  if (!(Number.isInteger(iterations) && iterations >= 1)) {
    throw new AdjointError('bad-arguments', `iterations must be a positive integer, got ${iterations}`);
  }
  const warm = Math.ceil(iterations / 10);
  for (let i = 0; i < warm; i++) run();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) run();
  return (performance.now() - t0) / iterations;
}
