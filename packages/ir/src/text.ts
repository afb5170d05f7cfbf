/**
 * The IR's text form. One node per line, outputs last:
 *
 *   %0 = input f64 0 "x"
 *   %1 = const f64 2.5
 *   %2 = mul f64 %0, %1
 *   return %2
 *
 * `;` starts a comment. Labels may be any `%name`; printing numbers them by node id.
 * print -> parse -> print is the identity, and parse errors carry line:column.
 */
import { AdjointError } from './errors.js';
import { BOOL, DTYPE_NAMES, F32, F64, GraphBuilder, INPUT, CONST, type DType, type Graph } from './graph.js';
import { ARITY, OP_CODE, OP_NAMES, isOpName, type OpName } from './ops.js';

/** Doubles print in JS's shortest round-trip form; -0, NaN and the infinities by name. */
export function formatNumber(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

export function printNode(g: Graph, i: number): string {
  const op = g.op[i];
  const head = `%${i} = ${OP_NAMES[op]} ${DTYPE_NAMES[g.dtype[i]]}`;
  if (op === CONST) return `${head} ${formatNumber(g.consts[g.a[i]])}`;
  if (op === INPUT) return `${head} ${g.a[i]} ${JSON.stringify(g.inputNames[g.a[i]])}`;
  const args = [g.a[i], g.b[i], g.c[i]].slice(0, ARITY[op]).map((x) => `%${x}`);
  return `${head} ${args.join(', ')}`;
}

export function printGraph(g: Graph): string {
  const lines: string[] = new Array(g.size + 1);
  for (let i = 0; i < g.size; i++) lines[i] = printNode(g, i);
  lines[g.size] = `return ${Array.from(g.outputs, (o) => `%${o}`).join(', ')}`;
  return lines.join('\n') + '\n';
}

const DTYPES: Record<string, DType> = { f64: F64, f32: F32, bool: BOOL };

/** A cursor over one line, producing errors that point at line:column. */
class LineReader {
  pos = 0;
  constructor(readonly text: string, readonly line: number) {}

  fail(message: string, at = this.pos): never {
    throw new AdjointError('ir-parse', `ir:${this.line}:${at + 1}: ${message}\n  ${this.text}\n  ${' '.repeat(at)}^`);
  }
  skipSpace(): void {
    while (this.pos < this.text.length && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++;
  }
  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length || this.text[this.pos] === ';';
  }
  word(what: string): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail(`expected ${what}`);
    this.pos += m[0].length;
    return m[0];
  }
  label(): string {
    this.skipSpace();
    const m = /^%[A-Za-z0-9_.]+/.exec(this.text.slice(this.pos));
    if (!m) this.fail("expected a node label such as %3");
    this.pos += m[0].length;
    return m[0];
  }
  expect(ch: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }
  number(): number {
    this.skipSpace();
    const m = /^(-?(?:Infinity|NaN|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a number');
    this.pos += m[0].length;
    return m[0] === '-NaN' ? NaN : Number(m[0]);
  }
  string(): string {
    this.skipSpace();
    const start = this.pos;
    if (this.text[start] !== '"') this.fail('expected a quoted name');
    let end = start + 1;
    while (end < this.text.length && this.text[end] !== '"') end += this.text[end] === '\\' ? 2 : 1;
    if (end >= this.text.length) this.fail('unterminated string', start);
    this.pos = end + 1;
    try {
      return JSON.parse(this.text.slice(start, end + 1)) as string;
    } catch {
      return this.fail('bad escape in string', start);
    }
  }
}

export function parseGraph(text: string): Graph {
  const b = new GraphBuilder({ hashCons: false });
  const labels = new Map<string, number>();
  let outputs: number[] | null = null;
  const lines = text.split('\n');
  const use = (r: LineReader): number => {
    const at = r.pos;
    const l = r.label();
    const id = labels.get(l);
    if (id === undefined) r.fail(`${l} is not defined above this line`, at + (r.text.slice(at).length - r.text.slice(at).trimStart().length));
    return id;
  };
  for (let ln = 0; ln < lines.length; ln++) {
    const r = new LineReader(lines[ln].replace(/\r$/, ''), ln + 1);
    if (r.atEnd()) continue;
    if (outputs !== null) r.fail('nothing may follow the return line');
    const labelAt = r.pos;
    if (r.text.startsWith('return', r.pos)) {
      r.word('return');
      outputs = [];
      if (!r.atEnd()) {
        outputs.push(use(r));
        while (!r.atEnd()) { r.expect(','); outputs.push(use(r)); }
      }
      continue;
    }
    const label = r.label();
    if (labels.has(label)) r.fail(`${label} is defined twice`, labelAt);
    r.expect('=');
    const opAt = r.pos + 1;
    const word = r.word('an op name');
    if (!isOpName(word)) r.fail(`unknown op "${word}"`, opAt);
    const name = word as OpName;
    const typeAt = r.pos + 1;
    const tname = r.word('a type (f64, f32 or bool)');
    const dtype = DTYPES[tname];
    if (dtype === undefined) r.fail(`unknown type "${tname}"; expected f64, f32 or bool`, typeAt);
    let id: number;
    try {
      if (name === 'const') {
        id = b.constant(r.number(), dtype);
      } else if (name === 'input') {
        r.skipSpace();
        const at = r.pos;
        const index = r.number();
        if (!Number.isInteger(index) || index < 0) r.fail('input index must be a non-negative integer', at);
        id = b.input(index, r.string(), dtype);
        if (b.size - 1 !== id) r.fail(`input ${index} is defined twice`, at);
      } else {
        const args: number[] = [];
        const arity = ARITY[OP_CODE[name]];
        for (let k = 0; k < arity; k++) {
          if (k > 0) {
            if (r.atEnd()) r.fail(`${name} takes ${arity} operands, got ${k}`);
            r.expect(',');
          }
          args.push(use(r));
        }
        id = b.node(OP_CODE[name], args[0], args[1], args[2]);
        if (b.dtypeOf(id) !== dtype) {
          r.fail(`${name} of these arguments has type ${DTYPE_NAMES[b.dtypeOf(id)]}, not ${tname}`, typeAt);
        }
      }
    } catch (e) {
      if (e instanceof AdjointError && e.code !== 'ir-parse') r.fail(e.message, opAt);
      throw e;
    }
    if (!r.atEnd()) r.fail('unexpected text after the node');
    labels.set(label, id);
  }
  if (outputs === null) {
    throw new AdjointError('ir-parse', `ir:${lines.length}:1: missing the final "return %a, %b, ..." line`);
  }
  return b.finish(outputs);
}
