/**
 * The live demo: the IK example's function compiled once (joint angles as params, the target
 * as runtime inputs), then gradient descent on the angles every frame, drawn on a canvas.
 * The target follows the pointer over the canvas and wanders on its own otherwise.
 */
import { parseExpression } from '@adjoint/expr';
import { compileGradientFunction, type GradFn } from '@adjoint/jit';
import { IK_ARM } from './examples.js';
import { formatDuration } from './format.js';

const LINKS = [1, 0.8, 0.6];
const REACH = LINKS.reduce((a, b) => a + b, 0);
/** The world is [-VIEW, VIEW] on the canvas's shorter side. */
const VIEW = REACH + 0.3;
const STEPS_PER_FRAME = 60;
/** Below 2 / (the largest curvature of the loss, about 16 for these links): descent is stable. */
const LEARNING_RATE = 0.05;
/** After the pointer leaves the canvas, the target stays put this long before it wanders again. */
const IDLE_AFTER_MS = 1500;

const COLORS = { grid: '#eef1f5', reach: '#cfd6e0', link: '#1f2937', joint: '#ffffff', target: '#d9480f', hand: '#2563eb' };

/** The arm's gradient with theta0..theta2 as params and tx, ty as runtime inputs. */
export function compileArm(backend: 'js' | 'wasm'): GradFn {
  const { output, params } = parseExpression(IK_ARM.text);
  const fn = compileGradientFunction(output, params.slice(0, 3), { inputs: params.slice(3), backend });
  if (fn.inputNames.join() !== 'theta0,theta1,theta2,tx,ty') {
    throw new Error(`the IK example's variables are ${fn.inputNames.join(', ')}; the demo needs theta0, theta1, theta2, tx, ty`);
  }
  return fn;
}

/** Where the joints are: the base, the elbows and the hand. */
function joints(theta: ArrayLike<number>): [number, number][] {
  const points: [number, number][] = [[0, 0]];
  let angle = 0;
  let x = 0;
  let y = 0;
  for (let k = 0; k < LINKS.length; k++) {
    angle += theta[k];
    x += LINKS[k] * Math.cos(angle);
    y += LINKS[k] * Math.sin(angle);
    points.push([x, y]);
  }
  return points;
}

export class ArmDemo {
  private fn: GradFn;
  /** theta0, theta1, theta2, tx, ty: the compiled function's inputs. */
  private readonly inputs = Float64Array.from([0.3, 0.6, 0.9, 1.5, 0.5]);
  private readonly grad = new Float64Array(3);
  private loss = 0;
  /** Time and steps of the descent over the current one-second window, for the readout. */
  private window = { start: 0, ms: 0, steps: 0 };
  private stepMs = NaN;
  private pointerInside = false;
  private pointerLeft = -Infinity;
  private frame = 0;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly readout: HTMLElement, private readonly onError: (e: unknown) => void) {
    this.fn = compileArm('js');
    canvas.addEventListener('pointermove', (e) => this.point(e));
    canvas.addEventListener('pointerdown', (e) => this.point(e));
    canvas.addEventListener('pointerleave', () => { this.pointerInside = false; this.pointerLeft = performance.now(); });
  }

  /** Run the descent with another compiled gradient of the same function. */
  use(fn: GradFn): void {
    this.fn = fn;
  }

  get backend(): string {
    return this.fn.backend;
  }

  start(): void {
    const tick = (now: number): void => {
      try {
        this.step(now);
        this.draw();
        requestAnimationFrame(tick);
      } catch (e) {
        this.onError(e);   // stop animating, say why
      }
    };
    requestAnimationFrame(tick);
  }

  /** Canvas pixel -> world coordinates (y up, the base at the centre). */
  private toWorld(px: number, py: number): [number, number] {
    const { width, height } = this.canvas.getBoundingClientRect();
    const scale = Math.min(width, height) / (2 * VIEW);
    return [(px - width / 2) / scale, (height / 2 - py) / scale];
  }

  private point(e: PointerEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    [this.inputs[3], this.inputs[4]] = this.toWorld(e.clientX - rect.left, e.clientY - rect.top);
    this.pointerInside = true;
  }

  private step(now: number): void {
    if (!this.pointerInside && now - this.pointerLeft > IDLE_AFTER_MS) {
      // Wander on a figure of eight inside the reach, easing over from wherever the target is.
      const t = now / 1000;
      this.inputs[3] += 0.05 * (1.7 * Math.cos(0.45 * t) - this.inputs[3]);
      this.inputs[4] += 0.05 * (0.9 * Math.sin(0.9 * t) + 0.35 - this.inputs[4]);
    }
    const t0 = performance.now();
    for (let i = 0; i < STEPS_PER_FRAME; i++) {
      this.loss = this.fn.valueAndGradient(this.inputs, this.grad).value;
      for (let k = 0; k < 3; k++) this.inputs[k] -= LEARNING_RATE * this.grad[k];
    }
    // One frame's steps often take less than the browser's timer resolution: average over a second.
    const w = this.window;
    w.ms += performance.now() - t0;
    w.steps += STEPS_PER_FRAME;
    if (now - w.start >= 1000) {
      if (w.start > 0) this.stepMs = w.ms / w.steps;
      this.window = { start: now, ms: 0, steps: 0 };
    }
    this.frame++;
  }

  private draw(): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const { width, height } = c.getBoundingClientRect();
    if (c.width !== Math.round(width * dpr) || c.height !== Math.round(height * dpr)) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(height * dpr);
    }
    const ctx = c.getContext('2d');
    if (ctx === null) throw new Error('this browser gives the canvas no 2D context');
    const scale = Math.min(width, height) / (2 * VIEW);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    // World coordinates from here on: y up, one unit = one link length of 1.
    ctx.translate(width / 2, height / 2);
    ctx.scale(scale, -scale);
    const px = 1 / scale;

    ctx.strokeStyle = COLORS.grid;
    ctx.lineWidth = px;
    for (let g = -Math.ceil(width / 2 / scale); g * scale <= width / 2; g += 0.5) line(ctx, [g, -VIEW * 2], [g, VIEW * 2]);
    for (let g = -Math.ceil(height / 2 / scale); g * scale <= height / 2; g += 0.5) line(ctx, [-VIEW * 4, g], [VIEW * 4, g]);
    ctx.strokeStyle = COLORS.reach;
    ctx.setLineDash([4 * px, 4 * px]);
    ctx.beginPath();
    ctx.arc(0, 0, REACH, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.setLineDash([]);

    const tx = this.inputs[3];
    const ty = this.inputs[4];
    ctx.strokeStyle = COLORS.target;
    ctx.lineWidth = 2 * px;
    line(ctx, [tx - 10 * px, ty], [tx + 10 * px, ty]);
    line(ctx, [tx, ty - 10 * px], [tx, ty + 10 * px]);
    disc(ctx, [tx, ty], 14 * px, null, COLORS.target, 2 * px);

    const points = joints(this.inputs);
    ctx.fillStyle = COLORS.reach;   // the mount the first joint turns on
    ctx.fillRect(-14 * px, -14 * px, 28 * px, 28 * px);
    ctx.strokeStyle = COLORS.link;
    ctx.lineWidth = 9 * px;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...points[0]);
    for (const p of points.slice(1)) ctx.lineTo(...p);
    ctx.stroke();
    for (const p of points.slice(0, -1)) disc(ctx, p, 5 * px, COLORS.joint, COLORS.link, 2 * px);
    disc(ctx, points[points.length - 1], 6 * px, COLORS.hand, null, 0);

    const hand = points[points.length - 1];
    c.dataset.hand = `${hand[0]},${hand[1]}`;
    c.dataset.target = `${tx},${ty}`;
    c.dataset.frames = String(this.frame);
    this.readout.textContent = `distance² ${this.loss.toExponential(2)} · ${STEPS_PER_FRAME} gradient steps per frame · `
      + `${Number.isNaN(this.stepMs) ? 'timing…' : `${formatDuration(this.stepMs)} per step`} (${this.fn.backend === 'wasm' ? 'WebAssembly' : 'JavaScript'})`;
  }
}

function line(ctx: CanvasRenderingContext2D, a: [number, number], b: [number, number]): void {
  ctx.beginPath();
  ctx.moveTo(...a);
  ctx.lineTo(...b);
  ctx.stroke();
}

function disc(ctx: CanvasRenderingContext2D, at: [number, number], r: number, fill: string | null, stroke: string | null, width: number): void {
  ctx.beginPath();
  ctx.arc(at[0], at[1], r, 0, 2 * Math.PI);
  if (fill !== null) { ctx.fillStyle = fill; ctx.fill(); }
  if (stroke !== null) { ctx.strokeStyle = stroke; ctx.lineWidth = width; ctx.stroke(); }
}
