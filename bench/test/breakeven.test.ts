import { expect, test } from 'vitest';
import { breakEven } from '../src/report-breakeven.js';

test('break-even: gradients until compiling has paid for itself, never when compiled is not faster', () => {
  expect(breakEven(10, 1000, 1)).toBe(11);     // 10,000 µs / 999 µs saved per call
  expect(breakEven(1, 2, 1)).toBe(1000);
  expect(breakEven(5, 1, 1)).toBeNull();
  expect(breakEven(5, 1, 2)).toBeNull();
});
