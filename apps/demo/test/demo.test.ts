/**
 * The demo prints real numbers: its gradients must be what eager backward() gives, bit for
 * bit, and its IK run must actually close in on the target. Timings are printed, never checked.
 */
import { describe, expect, test } from 'vitest';
import { CompilableValue } from '@adjoint/jit';
import { IK_ANGLES, IK_LENGTHS, IK_TARGET, QUICK_START_POINT, runDemo } from '../src/demo.js';

const lines: string[] = [];
runDemo((line) => { lines.push(line); });
const text = lines.join('\n');

/** The number printed after `label = `, exactly as printed (String() round-trips doubles). */
function printed(label: string): number {
  const m = new RegExp(`${label.replace(/[/]/g, '\\/')} = (\\S+?)(?:,|$)`, 'm').exec(text);
  if (m === null) throw new Error(`the demo did not print ${label}`);
  return Number(m[1]);
}

describe('demo', () => {
  test('quick-start gradients match backward()', () => {
    const [px, py] = QUICK_START_POINT;
    const x = new CompilableValue(px);
    const y = new CompilableValue(py);
    x.mul(x).add(y.mul(y)).backward();
    expect(Object.is(printed('dz/dx'), x.grad)).toBe(true);
    expect(Object.is(printed('dz/dy'), y.grad)).toBe(true);
    expect(x.grad).toBe(2 * px);
  });

  test('IK gradients match backward() of the same arm built here', () => {
    // Rebuilt independently of the demo's code: link i at absolute angle theta_i.
    const thetas = IK_ANGLES.map((a) => new CompilableValue(a));
    let x = new CompilableValue(0);
    let y = new CompilableValue(0);
    IK_LENGTHS.forEach((l, i) => {
      x = x.add(thetas[i].cos().mul(new CompilableValue(l)));
      y = y.add(thetas[i].sin().mul(new CompilableValue(l)));
    });
    const dx = x.sub(new CompilableValue(IK_TARGET[0]));
    const dy = y.sub(new CompilableValue(IK_TARGET[1]));
    dx.mul(dx).add(dy.mul(dy)).backward();
    expect(IK_LENGTHS).toHaveLength(10);
    thetas.forEach((t, i) => {
      expect(Object.is(printed(`dL/dtheta${i}`), t.grad), `dL/dtheta${i}`).toBe(true);
    });
  });

  test('prints compile times, per-call times and the speedup', () => {
    expect(text).toMatch(/compiled in \d+\.\d+ ms/);
    expect(text).toMatch(/per call: compiled [\d.]+ µs, eager build \+ backward\(\) [\d.]+ µs -> \d+x faster/);
    expect(text).toContain('10-joint arm');
  });

  test('the IK distance shrinks', () => {
    const distances = [...text.matchAll(/step +\d+: distance ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(distances.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < distances.length; i++) expect(distances[i]).toBeLessThan(distances[i - 1]);
    expect(distances.at(-1)!).toBeLessThan(distances[0] / 100);
  });
});
