/**
 * Adjoint in two minutes: compile a gradient once, call it many times.
 *
 *   1. the quick start of the ScalarAutograd JIT docs, z = x² + y²;
 *   2. their inverse-kinematics example with a 10-joint arm: gradients, compile time,
 *      compiled vs eager speed, and a few gradient-descent steps reaching for a target.
 *
 * Run it with `./dev demo`. `runDemo(log)` is exported so a test can check what it prints.
 */
import { pathToFileURL } from 'node:url';
import {
  CompilableValue, compileGradientFunction, inspectGeneratedCode, measureCompilationTime, measureExecutionTime,
} from '@adjoint/jit';

/** Where the quick-start gradient is shown. */
export const QUICK_START_POINT: readonly [number, number] = [3, 4];
/** The arm: 10 links, each a little shorter than the last (5.5 units in all). */
export const IK_LENGTHS: readonly number[] = Array.from({ length: 10 }, (_, i) => 1 - 0.1 * i);
/** The angles at which the IK gradient is shown. */
export const IK_ANGLES: readonly number[] = Array.from({ length: 10 }, (_, i) => 0.1 * i);
export const IK_TARGET: readonly [number, number] = [2, 3];
export const IK_STEPS = 100;
export const IK_LEARNING_RATE = 0.02;

type Log = (line: string) => void;

/** The seed's arm: each link at its own angle; loss = squared distance from tip to target. */
function armLoss(angleValues: readonly number[], target: readonly [number, number]) {
  const angles = angleValues.map((a, i) => new CompilableValue(a, `theta${i}`));
  let x = new CompilableValue(0);
  let y = new CompilableValue(0);
  for (let i = 0; i < IK_LENGTHS.length; i++) {
    x = x.add(angles[i].cos().mul(new CompilableValue(IK_LENGTHS[i])));
    y = y.add(angles[i].sin().mul(new CompilableValue(IK_LENGTHS[i])));
  }
  // Named leaves that are not params are runtime inputs: one compiled function, any target.
  const dx = x.sub(new CompilableValue(target[0], 'targetX'));
  const dy = y.sub(new CompilableValue(target[1], 'targetY'));
  return { angles, loss: dx.mul(dx).add(dy.mul(dy)) };
}

function tipDistance(angles: readonly number[], target: readonly [number, number]): number {
  let x = 0;
  let y = 0;
  IK_LENGTHS.forEach((l, i) => { x += l * Math.cos(angles[i]); y += l * Math.sin(angles[i]); });
  return Math.hypot(x - target[0], y - target[1]);
}

const ms = (t: number): string => `${t.toFixed(3)} ms`;
const us = (t: number): string => `${(t * 1000).toFixed(2)} µs`;

/** Compiled vs eager (build the graph + backward()) per call, and what that buys. */
function race(log: Log, compileMs: number, compiled: () => unknown, eager: () => unknown): void {
  const tc = measureExecutionTime(compiled, 20_000);
  const te = measureExecutionTime(eager, 2_000);
  log(`   per call: compiled ${us(tc)}, eager build + backward() ${us(te)} -> ${(te / tc).toFixed(0)}x faster`);
  const saved = te - tc;
  if (saved > 0) log(`   compiling pays for itself after ${Math.ceil(compileMs / saved)} calls`);
}

export function runDemo(log: Log = console.log): void {
  log('Adjoint demo: compile a gradient once, call it many times');
  log('');

  // 1. Quick start, word for word from the docs (only the import path differs).
  log('1. Quick start: z = x² + y²');
  const x = new CompilableValue(0, 'x');
  const y = new CompilableValue(0, 'y');
  const z = x.mul(x).add(y.mul(y));
  const [qsMs, computeGradients] = measureCompilationTime(() => compileGradientFunction(z, [x, y], { cache: false }));
  log(`   compiled in ${ms(qsMs)}`);
  const [px, py] = QUICK_START_POINT;
  const [dx, dy] = computeGradients(px, py);
  log(`   at (x, y) = (${px}, ${py}): dz/dx = ${dx}, dz/dy = ${dy}`);
  log('   the generated JavaScript:');
  for (const line of inspectGeneratedCode(computeGradients).split('\n')) log(`     ${line}`);
  race(log, qsMs, () => computeGradients(px, py), () => {
    const a = new CompilableValue(px);
    const b = new CompilableValue(py);
    a.mul(a).add(b.mul(b)).backward();
  });
  log('');

  // 2. Inverse kinematics with the arm above.
  const n = IK_LENGTHS.length;
  log(`2. Inverse kinematics: a ${n}-joint arm reaching for (${IK_TARGET.join(', ')})`);
  const graph = armLoss(new Array(n).fill(0), IK_TARGET);
  const [ikMs, gradFn] = measureCompilationTime(() => compileGradientFunction(graph.loss, graph.angles, { cache: false }));
  log(`   compiled in ${ms(ikMs)}; arguments: ${gradFn.inputNames.join(', ')}`);
  log(`   gradient of the squared distance at theta_i = 0.1 i:`);
  const grads = gradFn(...IK_ANGLES, ...IK_TARGET);
  grads.forEach((g, i) => log(`     dL/dtheta${i} = ${g}`));
  race(log, ikMs, () => gradFn(...IK_ANGLES, ...IK_TARGET), () => armLoss(IK_ANGLES, IK_TARGET).loss.backward());

  // Gradient descent from the straight arm, with the fast path: no allocation per step.
  log(`   gradient descent, learning rate ${IK_LEARNING_RATE}:`);
  const values = new Float64Array([...new Array(n).fill(0), ...IK_TARGET]);
  const g = new Float64Array(n);
  for (let step = 0; step <= IK_STEPS; step++) {
    if (step % 20 === 0) log(`     step ${String(step).padStart(3)}: distance ${tipDistance(Array.from(values.subarray(0, n)), IK_TARGET).toFixed(6)}`);
    gradFn.gradient(values, g);
    for (let j = 0; j < n; j++) values[j] -= IK_LEARNING_RATE * g[j];
  }
}

// Run when executed directly (node apps/demo/dist/demo.js), not when imported by a test.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) runDemo();
