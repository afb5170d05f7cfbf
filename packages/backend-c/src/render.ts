/**
 * How each op is written in C, for `double` (f64) and `float` (f32) code. The table's type
 * names every computing op, so a new op that is not rendered here is a type error.
 * Operands are atoms (a register, an array read, a parenthesized literal).
 *
 * The renderings keep the JS meaning of each op (its `eval` in `@adjoint/ir`): + - * / and
 * sqrt are IEEE operations, so they are bit-identical to JS; libm functions (sin, exp, pow,
 * ...) are the platform's and differ from V8's by a bound the conformance suite measures.
 * Where C and JS disagree on special values, a small helper restores JS's answer:
 * `Math.min` propagates NaN and orders -0 below +0 (C's fmin does neither), and `Math.pow`
 * gives NaN for pow(±1, ±Infinity) and pow(1, NaN) where C gives 1.
 */
import type { ComputeOp } from '@adjoint/ir';

export type Precision = 'f64' | 'f32';

/** A helper function the generated file defines (once, only if some op uses it). */
export type Helper = 'pow' | 'min' | 'max';

export interface CRender {
  readonly text: (...args: string[]) => string;
  readonly helper?: Helper;
}

/** The C spelling of one precision: type name, libm suffix, literal suffix. */
export interface CType {
  readonly name: 'double' | 'float';
  /** `sin` or `sinf`. */
  readonly fn: (name: string) => string;
  /** A small integer constant: `1.0` or `1.0f`. */
  readonly int: (k: number) => string;
  /** Prefix of the helper functions (`NAME_`), so several generated files can be linked together. */
  readonly prefix: string;
}

export function cType(precision: Precision, prefix: string): CType {
  const f32 = precision === 'f32';
  return {
    name: f32 ? 'float' : 'double',
    fn: (name) => (f32 ? `${name}f` : name),
    int: (k) => `${k}.0${f32 ? 'f' : ''}`,
    prefix,
  };
}

type Table = { readonly [K in ComputeOp]: CRender };

export function cRenders(t: CType): Table {
  const call = (name: string) => ({ text: (...a: string[]) => `${t.fn(name)}(${a.join(', ')})` });
  const helper = (h: Helper) => ({ helper: h, text: (...a: string[]) => `${t.prefix}${h}(${a.join(', ')})` });
  const [zero, one] = [t.int(0), t.int(1)];
  return {
    add: { text: (a, b) => `${a} + ${b}` },
    sub: { text: (a, b) => `${a} - ${b}` },
    mul: { text: (a, b) => `${a} * ${b}` },
    div: { text: (a, b) => `${a} / ${b}` },
    neg: { text: (a) => `-${a}` },
    pow: helper('pow'),
    sqrt: call('sqrt'),
    exp: call('exp'),
    log: call('log'),
    log1p: call('log1p'),
    expm1: call('expm1'),
    sin: call('sin'),
    cos: call('cos'),
    tan: call('tan'),
    asin: call('asin'),
    acos: call('acos'),
    atan: call('atan'),
    atan2: call('atan2'),
    sinh: call('sinh'),
    cosh: call('cosh'),
    tanh: call('tanh'),
    abs: call('fabs'),
    // Math.sign: NaN and ±0 come back unchanged.
    sign: { text: (a) => `${a} > 0 ? ${one} : ${a} < 0 ? -${one} : ${a}` },
    min: helper('min'),
    max: helper('max'),
    floor: call('floor'),
    ceil: call('ceil'),
    // In float, exp(-a) overflows for a < -88 where the result is still a normal float: for
    // negative a, f32 uses e^a / (1 + e^a), the same value without the overflow.
    sigmoid: t.name === 'float'
      ? { text: (a) => `${a} < 0 ? ${t.fn('exp')}(${a}) / (${one} + ${t.fn('exp')}(${a})) : ${one} / (${one} + ${t.fn('exp')}(-${a}))` }
      : { text: (a) => `${one} / (${one} + ${t.fn('exp')}(-${a}))` },
    relu: { text: (a) => `${a} <= 0 ? ${zero} : ${a}` },
    softplus: { text: (a) => `${a} > 0 ? ${a} + ${t.fn('log1p')}(${t.fn('exp')}(-${a})) : ${t.fn('log1p')}(${t.fn('exp')}(${a}))` },
    lt: { text: (a, b) => `${a} < ${b}` },
    le: { text: (a, b) => `${a} <= ${b}` },
    gt: { text: (a, b) => `${a} > ${b}` },
    ge: { text: (a, b) => `${a} >= ${b}` },
    eq: { text: (a, b) => `${a} == ${b}` },
    ne: { text: (a, b) => `${a} != ${b}` },
    select: { text: (c, a, b) => `${c} ? ${a} : ${b}` },
  };
}

/** The definitions of the helpers `used`, with JS's special values. */
export function helperSource(t: CType, used: ReadonlySet<Helper>): string[] {
  const T = t.name;
  const p = t.prefix;
  const out: string[] = [];
  if (used.has('pow')) {
    out.push(
      `/* Math.pow: NaN for pow(+-1, +-Inf) and pow(1, NaN), where C's pow gives 1. */`,
      `static ${T} ${p}pow(${T} a, ${T} b) { return ${t.fn('fabs')}(a) == ${t.int(1)} && !isfinite(b) ? ${cLiteral(NaN, t)} : ${t.fn('pow')}(a, b); }`,
    );
  }
  // Math.min/max: NaN wins, and -0 < +0. (fmin/fmax drop a NaN and may return either zero.)
  if (used.has('min')) {
    out.push(`static ${T} ${p}min(${T} a, ${T} b) { return a < b ? a : b < a ? b : isnan(a) ? a : isnan(b) ? b : signbit(a) ? a : b; }`);
  }
  if (used.has('max')) {
    out.push(`static ${T} ${p}max(${T} a, ${T} b) { return a > b ? a : b > a ? b : isnan(a) ? a : isnan(b) ? b : signbit(a) ? b : a; }`);
  }
  return out;
}

const view = new DataView(new ArrayBuffer(8));

/**
 * A double as a C atom with exactly its value: integers in decimal, everything else as a
 * C99 hexadecimal float, which every compiler parses exactly (a decimal literal relies on
 * correctly rounded parsing, which tcc does not promise). f32 constants are already
 * rounded to float, so with an `f` suffix they are exact too.
 */
export function cLiteral(x: number, t: CType): string {
  const suffix = t.name === 'float' ? 'f' : '';
  // Constant expressions, valid in static initializers under every compiler (tcc does not
  // fold glibc's INFINITY and NAN there); IEEE division gives exactly these values.
  if (Number.isNaN(x)) return `(0.0${suffix} / 0.0${suffix})`;
  if (x === Infinity) return `(1.0${suffix} / 0.0${suffix})`;
  if (x === -Infinity) return `(-1.0${suffix} / 0.0${suffix})`;
  if (Object.is(x, -0)) return `(-0.0${suffix})`;
  let text: string;
  if (Number.isInteger(x) && Math.abs(x) < 2 ** 53) {
    text = `${Math.abs(x)}.0${suffix}`;
  } else {
    view.setFloat64(0, Math.abs(x));
    const hi = view.getUint32(0);
    const lo = view.getUint32(4);
    const biased = hi >>> 20;
    const mantissa = ((hi & 0xfffff).toString(16).padStart(5, '0') + lo.toString(16).padStart(8, '0')).replace(/0+$/, '');
    // Subnormals have no implicit leading 1: 0x0.<bits>p-1022.
    const [lead, exp] = biased === 0 ? ['0', -1022] : ['1', biased - 1023];
    text = `0x${lead}${mantissa === '' ? '' : `.${mantissa}`}p${exp >= 0 ? '+' : ''}${exp}${suffix}`;
  }
  return x < 0 ? `(-${text})` : text;
}
