/**
 * The functions the page offers, in the expression syntax of @adjoint/expr (docs/cli.md),
 * each with the input values it opens with. The IK arm is also the live demo's function.
 */
export interface Example {
  readonly id: string;
  readonly title: string;
  readonly text: string;
  /** Starting values by variable name; a variable not listed starts at 0. */
  readonly values: Readonly<Record<string, number>>;
}

export const IK_ARM: Example = {
  id: 'ik',
  title: 'IK solver: a planar arm',
  text: `# The seed's IK solver: a planar arm of three links (lengths 1, 0.8,
# 0.6) reaching for the target (tx, ty). theta0..theta2 are the joint
# angles, each relative to the link before; f is the squared distance
# from the hand to the target.
a1 = theta0 + theta1
a2 = a1 + theta2
hx = cos(theta0) + 0.8*cos(a1) + 0.6*cos(a2)
hy = sin(theta0) + 0.8*sin(a1) + 0.6*sin(a2)
dx = hx - tx
dy = hy - ty
dx*dx + dy*dy
`,
  values: { theta0: 0.3, theta1: 0.6, theta2: 0.9, tx: 1.5, ty: 0.5 },
};

export const EXAMPLES: readonly Example[] = [
  IK_ARM,
  {
    id: 'springs',
    title: 'Particle springs',
    text: `# Particle springs (the seed's example): four particles in the plane,
# joined in a chain by springs. f is the energy, the sum of the springs'
# squared lengths; minus the gradient is the force on each coordinate.
dx1 = x0 - x1; dy1 = y0 - y1
dx2 = x1 - x2; dy2 = y1 - y2
dx3 = x2 - x3; dy3 = y2 - y3
dx1*dx1 + dy1*dy1 + dx2*dx2 + dy2*dy2 + dx3*dx3 + dy3*dy3
`,
    values: { x0: 0, y0: 0, x1: 1, y1: 0.5, x2: 2, y2: 0.2, x3: 2.6, y3: 1 },
  },
  {
    id: 'rosenbrock',
    title: 'Rosenbrock',
    text: `# Rosenbrock's banana: minimum 0 at (1, 1), at the bottom of a long,
# curved valley
a = 1 - x
b = y - x*x
a*a + 100*b*b
`,
    values: { x: -1.2, y: 1 },
  },
  {
    id: 'mlp',
    title: 'A small MLP',
    text: `# A small neural network: the input (0.5, -0.25) -> three tanh units
# -> one linear output; f is the squared error against the target 0.3.
# The variables are the 13 weights and biases.
x0 = 0.5; x1 = -0.25
h0 = tanh(w00*x0 + w01*x1 + b0)
h1 = tanh(w10*x0 + w11*x1 + b1)
h2 = tanh(w20*x0 + w21*x1 + b2)
e = v0*h0 + v1*h1 + v2*h2 + c - 0.3
e*e
`,
    values: {
      w00: 0.5, w01: -0.3, b0: 0.1, w10: -0.4, w11: 0.8, b1: 0, w20: 0.3, w21: 0.2, b2: -0.1,
      v0: 0.7, v1: -0.5, v2: 0.4, c: 0.05,
    },
  },
];
