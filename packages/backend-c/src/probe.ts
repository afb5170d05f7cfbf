/**
 * A C file that evaluates one op, rendered exactly as generated code renders it: the
 * conformance suite plugs it into the interpreter (as math overrides) so that C results can
 * be checked bit for bit, with the platform's libm in place of V8's, and measures how far
 * each libm op is from JS's Math (the ulp bounds docs/backends.md states).
 *
 *   T NAME_ws(const T *in, T *out, T *unused): in = [op code, a, b] -> op(a, b)
 */
import { ARITY, OP_CODE, type ComputeOp } from '@adjoint/ir';
import { cLiteral, cRenders, cType, helperSource, type Helper, type Precision } from './render.js';

/**
 * Ops whose C rendering calls libm, so their results depend on the platform. Every other op
 * (+ - * / sqrt, comparisons, min, max, abs, floor, ...) is exact IEEE arithmetic in C as in JS.
 */
export const LIBM_OPS = [
  'pow', 'exp', 'log', 'log1p', 'expm1', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2',
  'sinh', 'cosh', 'tanh', 'sigmoid', 'softplus',
] as const satisfies readonly ComputeOp[];

export const PROBE_NAME = 'adjoint_probe';

export function mathProbeSource(precision: Precision): string {
  const ty = cType(precision, `${PROBE_NAME}_`);
  const T = ty.name;
  const table = cRenders(ty);
  const helpers = new Set<Helper>();
  const cases = LIBM_OPS.map((op) => {
    const r = table[op];
    if (r.helper !== undefined) helpers.add(r.helper);
    return `    case ${OP_CODE[op]}: return ${r.text(...['a', 'b'].slice(0, ARITY[OP_CODE[op]]))};`;
  });
  return [
    '#include <math.h>',
    ...helperSource(ty, helpers),
    `${T} ${PROBE_NAME}_ws(const ${T} *in, ${T} *out, ${T} *unused);`,
    `${T} ${PROBE_NAME}_ws(const ${T} *in, ${T} *out, ${T} *unused) {`,
    `  const ${T} a = in[1], b = in[2];`,
    '  (void)out; (void)unused; (void)b;',
    '  switch ((int)in[0]) {',
    ...cases,
    `    default: return ${cLiteral(NaN, ty)};`,
    '  }',
    '}',
    '',
  ].join('\n');
}
