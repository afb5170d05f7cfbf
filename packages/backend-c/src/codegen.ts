/**
 * Schedule -> one self-contained C99 translation unit (and its header), firmware-ready: no
 * malloc, no mutable globals, reentrant, only <math.h>. The shape follows the schedule:
 *  - one static function per unit (kept out of line, so gcc never rebuilds the huge
 *    function that chunking avoided), registers as locals, loops as `for` loops;
 *  - values read by a later unit live in the caller's workspace `t` (NAME_WORKSPACE_SIZE
 *    values); `NAME` keeps it on the stack when it is small, `NAME_ws` takes it from the caller;
 *  - inputs are read from `inputs`, gradients written into `grad`, all three `restrict`.
 * No user string reaches the code: names appear only in an escaped comment.
 */
import {
  ARITY, OP_NAMES, unitText, type ComputeOp, type Decl, type Schedule, type TextSyntax,
} from '@adjoint/ir';
import { cLiteral, cRenders, cType, helperSource, type CRender, type CType, type Helper, type Precision } from './render.js';

export interface CGenOptions {
  /** The C identifier of the function (already validated). */
  readonly name: string;
  readonly precision: Precision;
  /** Largest workspace `NAME` puts on the stack, in bytes; bigger graphs offer only `NAME_ws`. */
  readonly maxStackBytes: number;
  /** Params among the inputs (the first nParams). */
  readonly nParams: number;
}

export interface CProgram {
  readonly source: string;
  readonly header: string;
  /** Values (doubles or floats) of the workspace `NAME_ws` needs. */
  readonly workspace: number;
  /** Whether the file defines `NAME` (stack workspace) besides `NAME_ws`. */
  readonly stackEntry: boolean;
  readonly functions: number;
}

/** A user string as comment text: printable ASCII only, with `*`, `/`, `?` and `\` escaped, so it can neither end the comment nor form a trigraph. */
export function commentText(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]|[*/?]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** C's spelling for the shared unit walk (`unitText` in @adjoint/ir); records the helpers it uses. */
function cSyntax(ty: CType, helpers: Set<Helper>): TextSyntax {
  const table = cRenders(ty);
  const renders: readonly (CRender | null)[] = OP_NAMES.map((n) => (n === 'const' || n === 'input' ? null : table[n as ComputeOp]));
  const typeOf = (d: Decl): string => (d.kind === 'float' ? ty.name : 'int');
  // One declaration per type: C declares `double a = 1.0, b = 2.0;` but not mixed types.
  const declare = (prefix: string) => (decls: readonly Decl[], indent: string): string[] => {
    const out: string[] = [];
    for (const type of [ty.name, 'int']) {
      const same = decls.filter((d) => typeOf(d) === type);
      if (same.length > 0) out.push(`${indent}${prefix}${type} ${same.map((d) => `${d.name} = ${d.value}`).join(', ')};`);
    }
    return out;
  };
  const f32 = ty.name === 'float';
  return {
    literal: (x) => cLiteral(f32 ? Math.fround(x) : x, ty),
    render: (op, args) => {
      const r = renders[op]!;
      if (r.helper !== undefined) helpers.add(r.helper);
      return r.text(...args.slice(0, ARITY[op]));
    },
    consts: declare('const '),
    vars: declare(''),
    loop: (i, trips) => `for (int ${i} = 0; ${i} < ${trips}; ${i}++) {`,
    intTable: (k) => `${ty.prefix}T${k}`,
    floatTable: (k) => `${ty.prefix}F${k}`,
    fromMemory: (read, bool) => (bool ? `(${read} != 0)` : read),
    toMemory: (reg, bool) => (bool ? `(${ty.name})${reg}` : reg),
    zero: ty.int(0),
    no: '0',
  };
}

export function generateC(s: Schedule, inputNames: readonly string[], opts: CGenOptions): CProgram {
  const g = s.graph;
  const N = opts.name;
  const ty = cType(opts.precision, `${N}_`);
  const T = ty.name;
  const helpers = new Set<Helper>();
  const syntax = cSyntax(ty, helpers);
  const text = unitText(s, syntax);
  const atom = text.atom;
  const params = `const ${T} *restrict x, ${T} *restrict g, ${T} *restrict t`;

  const f = g.outputs[0];
  const last = s.units.length - 1;
  const returnsF = s.chunkOf[f] === last && s.units[last].kind === 'straight';
  const units: string[] = [];
  s.units.forEach((_, u) => {
    const lines: string[] = [];
    const returns = returnsF && u === last;
    lines.push(`static ${N}_NOINLINE ${returns ? T : 'void'} ${N}_u${u}(${params}) {`);
    lines.push('  (void)x; (void)g; (void)t;   /* not every unit reads all three */', ...text.unit(u));
    if (returns) lines.push(`  return ${atom(f, u)};`);
    lines.push('}');
    units.push(lines.join('\n'));
  });

  const nInputs = inputNames.length;
  const nParams = opts.nParams;
  const workspace = Math.max(1, s.nSpill);
  const bytes = workspace * (T === 'double' ? 8 : 4);
  const stackEntry = bytes <= opts.maxStackBytes;
  const tail: string[] = s.units.map((_, u) => (returnsF && u === last ? `  const ${T} f = ${N}_u${u}(x, g, t);` : `  ${N}_u${u}(x, g, t);`));
  for (let k = 1; k < g.outputs.length; k++) {
    const o = g.outputs[k];
    if (s.chunkOf[o] < 0) tail.push(`  g[${k - 1}] = ${atom(o, s.units.length)};`);
  }
  tail.push(`  return ${returnsF ? 'f' : atom(f, s.units.length)};`);

  const abi = [
    `/* ${N}: f and its gradient, generated by Adjoint (precision ${opts.precision}).`,
    ` *`,
    ` *   ${T} ${N}_ws(const ${T} *inputs, ${T} *grad, ${T} *workspace);`,
    ...(stackEntry ? [` *   ${T} ${N}(const ${T} *inputs, ${T} *grad);   (workspace on the stack: ${bytes} bytes)`]
      : [` *   (no ${N}(inputs, grad): its ${bytes}-byte workspace is too big for the stack; pass one to ${N}_ws)`]),
    ` *`,
    ` * Both return f and write df/dinputs[k] to grad[k] for the ${nParams} params. inputs holds`,
    ` * ${N}_N_INPUTS values, params first; workspace holds ${N}_WORKSPACE_SIZE values. The three`,
    ` * arrays must not overlap. No allocation, no global state: safe to call from several threads.`,
    ` *`,
    ...inputNames.map((n, k) => ` *   inputs[${k}] = ${commentText(n)}${k < nParams ? `  -> grad[${k}]` : ''}`),
    ` */`,
  ];
  const defines = [
    `#define ${N}_N_INPUTS ${nInputs}`,
    `#define ${N}_N_PARAMS ${nParams}`,
    `#define ${N}_WORKSPACE_SIZE ${workspace}`,
  ];
  const protos = [
    `${T} ${N}_ws(const ${T} *inputs, ${T} *grad, ${T} *workspace);`,
    ...(stackEntry ? [`${T} ${N}(const ${T} *inputs, ${T} *grad);`] : []),
  ];
  const tables: string[] = [];
  const rows = (xs: readonly string[]): string => xs.reduce((out, x, k) => out + (k % 16 === 0 ? '\n  ' : ' ') + x + (k + 1 < xs.length ? ',' : ''), '');
  s.intTables.forEach((t, k) => text.usedIntTables.has(k) && tables.push(`static const int ${N}_T${k}[${t.length}] = {${rows(Array.from(t, String))}\n};`));
  s.floatTables.forEach((t, k) => text.usedFloatTables.has(k) && tables.push(`static const ${T} ${N}_F${k}[${t.length}] = {${rows(Array.from(t, syntax.literal))}\n};`));
  const source = [
    ...abi,
    '#include <math.h>',
    '',
    ...defines,
    '',
    '/* Each unit stays a function of its own: inlined into one, it would cost gcc minutes. */',
    '#if defined(__GNUC__)',
    `#define ${N}_NOINLINE __attribute__((noinline))`,
    '#else',
    `#define ${N}_NOINLINE`,
    '#endif',
    '',
    ...helperSource(ty, helpers),
    ...tables,
    ...units,
    '',
    `${T} ${N}_ws(const ${T} *restrict x, ${T} *restrict g, ${T} *restrict t) {`,
    ...tail,
    '}',
    ...(stackEntry ? ['', `${T} ${N}(const ${T} *inputs, ${T} *grad) {`, `  ${T} workspace[${N}_WORKSPACE_SIZE];`, `  return ${N}_ws(inputs, grad, workspace);`, '}'] : []),
    '',
  ].join('\n');
  const guard = `${N.toUpperCase()}_H`;
  const header = [...abi, `#ifndef ${guard}`, `#define ${guard}`, '', ...defines, '', ...protos, '', `#endif`, ''].join('\n');
  return {
    source,
    header,
    workspace,
    stackEntry,
    functions: s.units.length,
  };
}
