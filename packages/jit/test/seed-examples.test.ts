/**
 * The seed document's real-world examples — inverse kinematics, a particle system and a
 * neural layer — written in the seed's class pattern against '@adjoint/jit', and checked
 * against eager backward() bit for bit and against hand-derived physics and training behaviour.
 */
import { describe, expect, test } from 'vitest';
import { CompilableValue, compileGradientFunction, type GradFn } from '@adjoint/jit';

function bits(xs: ArrayLike<number>): string[] {
  return Array.from(xs, (v) => (Object.is(v, -0) ? '-0' : String(v)));
}

/** A deterministic generator in [-0.5, 0.5), so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

// ---------------------------------------------------------------- inverse kinematics

class KinematicChain {
  constructor(readonly joints: { length: number }[]) {}
}

/**
 * The squared distance from the arm's tip to the target, as the seed's IKSolver builds it
 * (each link at its own absolute angle). The target is a pair of named leaves, so it is a
 * runtime input of the compiled gradient instead of a constant frozen at construction.
 */
function armLoss(chain: KinematicChain, angleValues: number[], target: [number, number]) {
  const angles = angleValues.map((a, i) => new CompilableValue(a, `theta${i}`));
  let x = new CompilableValue(0);
  let y = new CompilableValue(0);
  for (let i = 0; i < chain.joints.length; i++) {
    const length = chain.joints[i].length;
    x = x.add(angles[i].cos().mul(new CompilableValue(length)));
    y = y.add(angles[i].sin().mul(new CompilableValue(length)));
  }
  const dx = x.sub(new CompilableValue(target[0], 'targetX'));
  const dy = y.sub(new CompilableValue(target[1], 'targetY'));
  return { angles, loss: dx.mul(dx).add(dy.mul(dy)) };
}

/** The same distance in plain JS: an independent check of what solve() achieves. */
function tipDistance(chain: KinematicChain, angles: number[], target: [number, number]): number {
  let x = 0;
  let y = 0;
  chain.joints.forEach((j, i) => { x += Math.cos(angles[i]) * j.length; y += Math.sin(angles[i]) * j.length; });
  return Math.hypot(x - target[0], y - target[1]);
}

class IKSolver {
  readonly gradFn: (...args: number[]) => number[];
  private numJoints: number;

  constructor(chain: KinematicChain) {
    this.numJoints = chain.joints.length;
    // Build the graph once at theta = 0 and target (0, 0), compile once.
    const { angles, loss } = armLoss(chain, new Array(this.numJoints).fill(0), [0, 0]);
    this.gradFn = compileGradientFunction(loss, angles);
  }

  solve(target: [number, number], maxIterations = 100): number[] {
    const angles = new Array(this.numJoints).fill(0);
    const learningRate = 0.1;
    for (let i = 0; i < maxIterations; i++) {
      const grads = this.gradFn(...angles, target[0], target[1]);
      for (let j = 0; j < this.numJoints; j++) angles[j] -= learningRate * grads[j];
    }
    return angles;
  }
}

describe('inverse kinematics (seed IKSolver)', () => {
  const chain = new KinematicChain([{ length: 1.0 }, { length: 0.8 }, { length: 0.6 }]);

  test('gradients match backward() bit for bit, with and without the target passed', () => {
    const solver = new IKSolver(chain);
    const r = rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const angles = [r() * 6, r() * 6, r() * 6];
      const target: [number, number] = [r() * 4, r() * 4];
      const eager = armLoss(chain, angles, target);
      eager.loss.backward();
      expect(bits(solver.gradFn(...angles, ...target))).toEqual(bits(eager.angles.map((a) => a.grad)));
    }
    // The seed's own call passes only the angles: the target is then the traced (0, 0).
    const eager = armLoss(chain, [0.3, -0.2, 1.1], [0, 0]);
    eager.loss.backward();
    expect(bits(solver.gradFn(0.3, -0.2, 1.1))).toEqual(bits(eager.angles.map((a) => a.grad)));
  });

  test('solve() brings the tip close to the target', () => {
    const solver = new IKSolver(chain);
    const target: [number, number] = [1.5, 0.5];
    const start = tipDistance(chain, [0, 0, 0], target);
    const solution = solver.solve(target, 100);
    const end = tipDistance(chain, solution, target);
    expect(solution).toHaveLength(3);
    expect(end).toBeLessThan(start / 10);
    // More iterations do not make it worse.
    expect(tipDistance(chain, solver.solve(target, 300), target)).toBeLessThanOrEqual(end);
  });

  test('one compiled solver serves many targets', () => {
    const solver = new IKSolver(new KinematicChain(Array.from({ length: 10 }, (_, i) => ({ length: 1 - i * 0.05 }))));
    for (const target of [[2, 3], [-4, 1], [0.5, -5]] as [number, number][]) {
      const angles = solver.solve(target, 200);
      const lengths = Array.from({ length: 10 }, (_, i) => ({ length: 1 - i * 0.05 }));
      const ch = new KinematicChain(lengths);
      expect(tipDistance(ch, angles, target)).toBeLessThan(tipDistance(ch, new Array(10).fill(0), target) / 10);
    }
  });
});

// ---------------------------------------------------------------- particle system

class ParticleSystem {
  readonly computeForces: (...args: number[]) => number[];

  constructor(numParticles: number) {
    const positions: CompilableValue[] = [];
    for (let i = 0; i < numParticles * 2; i++) positions.push(new CompilableValue(0, `p${i}`));
    const energy = ParticleSystem.computePotentialEnergy(positions);
    // The gradient of the potential energy gives the forces (up to sign).
    this.computeForces = compileGradientFunction(energy, positions);
  }

  step(positions: number[], dt: number): number[] {
    const forces = this.computeForces(...positions);
    return positions.map((p, i) => p - forces[i] * dt);
  }

  /** Springs of rest length 0 between neighbours; positions are [x0, y0, x1, y1, ...]. */
  static computePotentialEnergy(positions: CompilableValue[]): CompilableValue {
    let energy = new CompilableValue(0);
    for (let i = 0; i < positions.length - 2; i += 2) {
      const dx = positions[i + 2].sub(positions[i]);
      const dy = positions[i + 3].sub(positions[i + 1]);
      energy = energy.add(dx.mul(dx).add(dy.mul(dy)));
    }
    return energy;
  }
}

/** dE/dp by hand: each spring k pulls its ends with 2 * (p[k+1] - p[k]). */
function analyticForces(p: number[]): number[] {
  const g = new Array(p.length).fill(0);
  for (let i = 0; i + 2 < p.length; i += 2) {
    for (const c of [0, 1]) {
      const d = p[i + 2 + c] - p[i + c];
      g[i + 2 + c] += 2 * d;
      g[i + c] -= 2 * d;
    }
  }
  return g;
}

function energyOf(p: number[]): number {
  let e = 0;
  for (let i = 0; i + 2 < p.length; i += 2) e += (p[i + 2] - p[i]) ** 2 + (p[i + 3] - p[i + 1]) ** 2;
  return e;
}

describe('particle system (seed ParticleSystem)', () => {
  test('forces are the analytic spring gradient and match backward() bit for bit', () => {
    const n = 12;
    const system = new ParticleSystem(n);
    const r = rng(11);
    const positions = Array.from({ length: 2 * n }, () => r() * 10);
    const forces = system.computeForces(...positions);
    const expected = analyticForces(positions);
    forces.forEach((f, i) => expect(f).toBeCloseTo(expected[i], 12));
    // Ends of the chain feel one spring, interior particles two that partly cancel.
    expect(forces[0]).toBe(-2 * (positions[2] - positions[0]));

    const ps = positions.map((v, i) => new CompilableValue(v, `p${i}`));
    ParticleSystem.computePotentialEnergy(ps).backward();
    expect(bits(forces)).toEqual(bits(ps.map((p) => p.grad)));
  });

  test('stepping down the gradient relaxes the springs', () => {
    const system = new ParticleSystem(8);
    const r = rng(5);
    let positions = Array.from({ length: 16 }, () => r() * 4);
    let energy = energyOf(positions);
    for (let k = 0; k < 20; k++) {
      positions = system.step(positions, 0.05);
      const next = energyOf(positions);
      expect(next).toBeLessThan(energy);
      energy = next;
    }
  });
});

// ---------------------------------------------------------------- neural layer

/** tanh(W x + b) with W stored row-major, one row per output. */
function forward(x: CompilableValue[], w: CompilableValue[], b: CompilableValue[]): CompilableValue[] {
  return b.map((bo, o) => {
    let s = bo;
    for (let i = 0; i < x.length; i++) s = s.add(w[o * x.length + i].mul(x[i]));
    return s.tanh();
  });
}

function mse(predictions: CompilableValue[], targets: CompilableValue[]): CompilableValue {
  let sum = new CompilableValue(0);
  for (let i = 0; i < predictions.length; i++) {
    const diff = predictions[i].sub(targets[i]);
    sum = sum.add(diff.mul(diff));
  }
  return sum;
}

/** The layer's graph at the given values; names as in the seed: w*, b*, x*, y*. */
function layerGraph(wv: number[], bv: number[], xv: number[], yv: number[]) {
  const w = wv.map((v, i) => new CompilableValue(v, `w${i}`));
  const b = bv.map((v, i) => new CompilableValue(v, `b${i}`));
  const x = xv.map((v, i) => new CompilableValue(v, `x${i}`));
  const y = yv.map((v, i) => new CompilableValue(v, `y${i}`));
  return { w, b, loss: mse(forward(x, w, b), y) };
}

/** The loss in plain JS, to watch training without trusting the compiled code. */
function plainLoss(wv: number[], bv: number[], xv: number[], yv: number[]): number {
  let sum = 0;
  bv.forEach((bo, o) => {
    let s = bo;
    xv.forEach((xi, i) => { s += wv[o * xv.length + i] * xi; });
    sum += (Math.tanh(s) - yv[o]) ** 2;
  });
  return sum;
}

class JITNeuralLayer {
  readonly gradFn: (...args: number[]) => number[];
  weights: number[];
  bias: number[];

  constructor(inputSize: number, outputSize: number, random: () => number) {
    this.weights = Array(inputSize * outputSize).fill(0).map(() => random());
    this.bias = Array(outputSize).fill(0);
    const w = this.weights.map((_, i) => new CompilableValue(0, `w${i}`));
    const b = this.bias.map((_, i) => new CompilableValue(0, `b${i}`));
    const x = Array(inputSize).fill(0).map((_, i) => new CompilableValue(0, `x${i}`));
    const y = Array(outputSize).fill(0).map((_, i) => new CompilableValue(0, `y${i}`));
    const loss = mse(forward(x, w, b), y);
    // Gradients for weights and biases; x and y are runtime inputs, passed after them.
    this.gradFn = compileGradientFunction(loss, [...w, ...b]);
  }

  train(inputs: number[], targets: number[], learningRate: number): void {
    const grads = this.gradFn(...this.weights, ...this.bias, ...inputs, ...targets);
    for (let i = 0; i < this.weights.length; i++) this.weights[i] -= learningRate * grads[i];
    for (let i = 0; i < this.bias.length; i++) this.bias[i] -= learningRate * grads[this.weights.length + i];
  }
}

describe('neural network layer (seed JITNeuralLayer)', () => {
  const inputSize = 4;
  const outputSize = 3;

  test('inputs are ordered params, then x, then y; gradients match backward() bit for bit', () => {
    const r = rng(3);
    const layer = new JITNeuralLayer(inputSize, outputSize, r);
    // The seed types gradFn as a plain function; ours also carries its argument names.
    expect((layer.gradFn as GradFn).inputNames).toEqual([
      ...Array.from({ length: 12 }, (_, i) => `w${i}`), 'b0', 'b1', 'b2',
      'x0', 'x1', 'x2', 'x3', 'y0', 'y1', 'y2',
    ]);
    for (let trial = 0; trial < 10; trial++) {
      const wv = layer.weights.map(() => r() * 2);
      const bv = layer.bias.map(() => r());
      const xv = Array.from({ length: inputSize }, () => r() * 3);
      const yv = Array.from({ length: outputSize }, () => r());
      const eager = layerGraph(wv, bv, xv, yv);
      eager.loss.backward();
      const expected = [...eager.w, ...eager.b].map((v) => v.grad);
      expect(bits(layer.gradFn(...wv, ...bv, ...xv, ...yv))).toEqual(bits(expected));
    }
  });

  test('the bias gradient is 2 (tanh(s) - y) (1 - tanh(s)²), by hand', () => {
    const layer = new JITNeuralLayer(2, 1, rng(1));
    const [w0, w1, b0, x0, x1, y0] = [0.3, -0.7, 0.1, 1.5, 2, 0.25];
    const t = Math.tanh(b0 + w0 * x0 + w1 * x1);
    const g = layer.gradFn(w0, w1, b0, x0, x1, y0);
    expect(g[2]).toBeCloseTo(2 * (t - y0) * (1 - t * t), 12);
    expect(g[0]).toBeCloseTo(g[2] * x0, 12);
    expect(g[1]).toBeCloseTo(g[2] * x1, 12);
  });

  test('a few training steps lower the loss', () => {
    const r = rng(42);
    const layer = new JITNeuralLayer(inputSize, outputSize, r);
    // Targets from a fixed teacher layer, so the data can be fitted.
    const teacherW = Array.from({ length: inputSize * outputSize }, () => r() * 2);
    const data = Array.from({ length: 8 }, () => {
      const x = Array.from({ length: inputSize }, () => r() * 2);
      const y = Array.from({ length: outputSize }, (_, o) =>
        Math.tanh(x.reduce((s, xi, i) => s + teacherW[o * inputSize + i] * xi, 0)));
      return { x, y };
    });
    const total = () => data.reduce((s, d) => s + plainLoss(layer.weights, layer.bias, d.x, d.y), 0);
    const before = total();
    let previous = before;
    for (let epoch = 0; epoch < 5; epoch++) {
      for (const d of data) layer.train(d.x, d.y, 0.05);
      const now = total();
      expect(now).toBeLessThan(previous);
      previous = now;
    }
    expect(previous).toBeLessThan(before * 0.9);
  });
});
