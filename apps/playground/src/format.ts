/** How numbers are shown on the page. */

/** Values and gradients in full: the shortest text that reads back as the same double (and -0 as -0). */
export function formatNumber(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

/**
 * A duration given in milliseconds, as text in ns, µs or ms with 3 significant digits.
 * Browsers round performance.now() to 0.1 ms (5 µs when cross-origin isolated), so a single
 * short phase often measures 0.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms === 0) return '< 0.1 ms';
  if (ms >= 1) return `${significant(ms)} ms`;
  if (ms >= 1e-3) return `${significant(ms * 1e3)} µs`;
  return `${significant(ms * 1e6)} ns`;
}

function significant(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

/** "1 line" / "12 lines". */
export function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}
