/** Small helpers the backend-c tests share. */
import { AdjointError } from '@adjoint/ir';

/** The AdjointError `f` throws (anything else is rethrown; no throw fails the test). */
export function caught(f: () => unknown): AdjointError {
  try {
    f();
  } catch (e) {
    if (e instanceof AdjointError) return e;
    throw e;
  }
  throw new Error('expected an AdjointError');
}

/** Distance in units in the last place between two finite doubles. */
export function ulps(a: number, b: number): number {
  const ordered = (v: number): bigint => {
    const i = new BigInt64Array(new Float64Array([v]).buffer)[0];
    return i < 0n ? -(i & 0x7fffffffffffffffn) : i;
  };
  const d = ordered(a) - ordered(b);
  return Number(d < 0n ? -d : d);
}
