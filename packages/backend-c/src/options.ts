/** The C backend's options, checked: every refusal names the option and what it accepts. */
import { AdjointError } from '@adjoint/ir';
import type { Precision } from './render.js';

export interface COptions {
  /** The C function's name, a C identifier. Default `adjoint_grad`. */
  name?: string;
  /** `'f64'` (default): `double` everywhere. `'f32'`: `float`, `sinf`-style calls, `f` literals. */
  precision?: Precision;
  /** Largest workspace `NAME` keeps on the stack, in bytes (default 16384); past it only `NAME_ws` is defined. */
  maxStackBytes?: number;
}

const C_KEYWORDS = new Set(('auto break case char const continue default do double else enum extern float for goto if inline int long '
  + 'register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while _Bool _Complex _Imaginary').split(' '));

export const DEFAULT_C_NAME = 'adjoint_grad';
export const DEFAULT_MAX_STACK_BYTES = 16384;

export function checkCName(name: unknown): string {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name) || C_KEYWORDS.has(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name) : String(name);
    throw new AdjointError('bad-options', `name must be a C identifier (a letter or _, then letters, digits or _, at most 63, not a keyword), got ${shown}; e.g. name: 'arm_grad'`);
  }
  return name;
}

export function checkPrecision(p: unknown): Precision {
  if (p !== undefined && p !== 'f64' && p !== 'f32') {
    throw new AdjointError('bad-options', `precision must be 'f64' or 'f32', got ${JSON.stringify(p) ?? String(p)}`);
  }
  return p ?? 'f64';
}

export function checkMaxStackBytes(n: unknown): number {
  if (n === undefined) return DEFAULT_MAX_STACK_BYTES;
  if (!(typeof n === 'number' && Number.isInteger(n) && n >= 0)) {
    throw new AdjointError('bad-options', `maxStackBytes must be a non-negative integer (bytes), got ${String(n)}`);
  }
  return n;
}
