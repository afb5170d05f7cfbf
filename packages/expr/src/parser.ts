/**
 * Tokens -> Values, by recursive descent. Values are built as the parser goes, left to right,
 * operands before the operation: the order a JS method chain `x.mul(y).add(z.sin())` creates
 * them in, which is what keeps gradients bit-identical to the hand-built expression.
 *
 *   program    := sep* statement (sep+ statement)* sep*        sep := ';' | newline
 *   statement  := name '=' comparison | comparison
 *   comparison := additive (('<' | '<=' | '>' | '>=' | '==' | '!=') additive)?
 *   additive   := term (('+' | '-') term)*
 *   term       := unary (('*' | '/') unary)*
 *   unary      := ('-' | '+') unary | power
 *   power      := primary ('^' unary)?                      right-associative: 2^3^2 = 2^9
 *   primary    := number | name | name '(' args ')' | '(' comparison ')'
 */
import { Value, type Operand } from '@adjoint/autograd';
import type { ComputeOp } from '@adjoint/ir';
import { Source } from './errors.js';
import { FUNCTIONS, FUNCTION_NAMES, closestFunction, isFunctionName } from './functions.js';
import { describeToken, tokenize, type Token } from './lexer.js';

/** A parsed (sub)expression: a Value, or a plain number for constants (lifted when used). */
interface Term {
  readonly v: Operand;
  /** A comparison result: only select's condition may take it. */
  readonly bool: boolean;
  readonly offset: number;
}

const COMPARISONS: { readonly [op: string]: ComputeOp } = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '==': 'eq', '!=': 'ne' };
const ADDITIVE: { readonly [op: string]: ComputeOp } = { '+': 'add', '-': 'sub' };
const MULTIPLICATIVE: { readonly [op: string]: ComputeOp } = { '*': 'mul', '/': 'div' };

/** Deeper nesting (parentheses, unary minus, ^ chains) is refused instead of overflowing the stack. */
export const MAX_DEPTH = 400;

export interface Parsed {
  readonly output: Value;
  readonly params: Value[];
}

export function parseProgram(source: Source): Parsed {
  return new Parser(source, tokenize(source)).program();
}

class Parser {
  private k = 0;
  private depth = 0;
  private readonly bindings = new Map<string, { term: Term; offset: number }>();
  private readonly params = new Map<string, { value: Value; offset: number }>();

  constructor(private readonly source: Source, private readonly tokens: readonly Token[]) {}

  private get tok(): Token {
    return this.tokens[this.k];
  }

  private isOp(text: string, t: Token = this.tok): boolean {
    return t.kind === 'op' && t.text === text;
  }

  private atEnd(): boolean {
    return this.tok.kind === 'eof';
  }

  private isSeparator(): boolean {
    return this.tok.kind === 'newline' || this.isOp(';');
  }

  private fail(offset: number, reason: string): never {
    return this.source.fail(offset, reason);
  }

  program(): Parsed {
    while (this.isSeparator()) this.k++;
    let last: { term: Term; binding: boolean } | undefined;
    while (!this.atEnd()) {
      if (last !== undefined && !last.binding) {
        this.fail(last.term.offset, 'only the last statement is the result, so this value would be unused; bind it to a name (a = ...) or remove it');
      }
      const start = this.tok;
      const binding = start.kind === 'name' && this.isOp('=', this.tokens[this.k + 1]);
      if (binding) this.k += 2;
      const term = this.comparison();
      if (binding) this.bind(start, term);
      last = { term, binding };
      if (this.atEnd()) break;
      if (!this.isSeparator()) this.unexpectedAfterExpression();
      while (this.isSeparator()) this.k++;
    }
    if (last === undefined) this.fail(this.tok.offset, 'expected an expression, found end of input');
    if (last.binding) {
      this.fail(this.tok.offset, 'expected the result after the last binding: the last statement is the output, e.g. a line with just the name');
    }
    if (last.term.bool) {
      this.fail(last.term.offset, 'the result is a comparison; the output must be a number, e.g. select(cond, 1, 0)');
    }
    const output = last.term.v instanceof Value ? last.term.v : new Value(last.term.v);
    return { output, params: [...this.params.values()].map((p) => p.value) };
  }

  private bind(name: Token, term: Term): void {
    const n = name.text;
    if (isFunctionName(n)) this.fail(name.offset, `'${n}' is a function; bind the value to another name`);
    const param = this.params.get(n);
    if (param !== undefined) {
      this.fail(name.offset, `'${n}' is already a parameter (used at ${this.source.at(param.offset)}); a name must be bound before its first use`);
    }
    const earlier = this.bindings.get(n);
    if (earlier !== undefined) this.fail(name.offset, `'${n}' is already bound at ${this.source.at(earlier.offset)}; use a new name`);
    this.bindings.set(n, { term, offset: name.offset });
  }

  /** After a complete expression, something that cannot follow it. */
  private unexpectedAfterExpression(): never {
    const t = this.tok;
    if (this.isOp(')')) this.fail(t.offset, "unexpected ')': there is no '(' for it to close");
    if (this.isOp('=')) {
      this.fail(t.offset, "unexpected '=': '=' binds a name at the start of a statement (a = x*x); compare with '==' inside select(...)");
    }
    if (t.kind === 'op' && t.text in COMPARISONS) {
      this.fail(t.offset, 'comparisons do not chain (a < b < c); compare two values inside select(cond, a, b)');
    }
    return this.fail(t.offset, `expected an operator, ';' or a new line, found ${describeToken(t)}`);
  }

  private comparison(): Term {
    const left = this.additive();
    const t = this.tok;
    if (t.kind !== 'op' || !(t.text in COMPARISONS)) return left;
    this.k++;
    const right = this.additive();
    return this.apply(COMPARISONS[t.text], [left, right], left.offset, t.text);
  }

  private additive(): Term {
    let left = this.term();
    while (this.tok.kind === 'op' && this.tok.text in ADDITIVE) {
      const op = this.tok.text;
      this.k++;
      left = this.apply(ADDITIVE[op], [left, this.term()], left.offset, op);
    }
    return left;
  }

  private term(): Term {
    let left = this.unary();
    while (this.tok.kind === 'op' && this.tok.text in MULTIPLICATIVE) {
      const op = this.tok.text;
      this.k++;
      left = this.apply(MULTIPLICATIVE[op], [left, this.unary()], left.offset, op);
    }
    return left;
  }

  private unary(): Term {
    if (++this.depth > MAX_DEPTH) {
      this.fail(this.tok.offset, `the expression is nested too deeply (more than ${MAX_DEPTH} levels of parentheses, signs or ^); bind parts to names`);
    }
    const t = this.tok;
    let result: Term;
    if (this.isOp('-') || this.isOp('+')) {
      this.k++;
      const operand = this.unary();
      this.float(operand, t.text);
      if (t.text === '+') result = { ...operand, offset: t.offset };
      // The negative of a constant is a constant (exact), as -2 is in JS.
      else if (typeof operand.v === 'number') result = { v: -operand.v, bool: false, offset: t.offset };
      else result = { v: operand.v.neg(), bool: false, offset: t.offset };
    } else {
      result = this.power();
    }
    this.depth--;
    return result;
  }

  private power(): Term {
    const base = this.primary();
    if (!this.isOp('^')) return base;
    this.k++;
    return this.apply('pow', [base, this.unary()], base.offset, '^');
  }

  private primary(): Term {
    const t = this.tok;
    if (t.kind === 'number') {
      this.k++;
      const v = Number(t.text);
      if (!Number.isFinite(v)) this.fail(t.offset, `the number ${t.text} is too large for a double (at most about 1.8e308)`);
      return { v, bool: false, offset: t.offset };
    }
    if (t.kind === 'name') {
      this.k++;
      if (this.isOp('(')) return this.call(t);
      return this.variable(t);
    }
    if (this.isOp('(')) {
      this.k++;
      const inner = this.comparison();
      if (!this.isOp(')')) {
        this.fail(this.tok.offset, `expected ')' to close '(' at ${this.source.at(t.offset)}, found ${describeToken(this.tok)}`);
      }
      this.k++;
      return { ...inner, offset: t.offset };
    }
    const hint = this.isOp('*') && this.isOp('*', this.tokens[this.k - 1]) ? " (powers are written x^2, not x**2)" : '';
    return this.fail(t.offset, `expected a number, a name, a function call or '(', found ${describeToken(t)}${hint}`);
  }

  private variable(t: Token): Term {
    const name = t.text;
    if (isFunctionName(name)) this.fail(t.offset, `'${name}' is a function; call it as ${name}(...)`);
    const bound = this.bindings.get(name);
    if (bound !== undefined) return { ...bound.term, offset: t.offset };
    let param = this.params.get(name);
    if (param === undefined) {
      param = { value: new Value(0, name), offset: t.offset };
      this.params.set(name, param);
    }
    return { v: param.value, bool: false, offset: t.offset };
  }

  private call(name: Token): Term {
    const open = this.tok;
    const n = name.text;
    const def = isFunctionName(n) ? FUNCTIONS[n] : undefined;
    if (def === undefined) {
      if (this.bindings.has(n) || this.params.has(n)) this.fail(name.offset, `'${n}' is a value, not a function; write ${n}*(...) to multiply`);
      const close = closestFunction(n);
      this.fail(name.offset, `unknown function '${n}'${close !== undefined ? ` (did you mean ${close}?)` : ''}; the functions are ${FUNCTION_NAMES.join(', ')}`);
    }
    this.k++;
    const args: Term[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        args.push(this.comparison());
        if (this.isOp(',')) { this.k++; continue; }
        if (this.isOp(')')) break;
        this.fail(this.tok.offset, `expected ',' or ')' to close '${n}(' at ${this.source.at(open.offset)}, found ${describeToken(this.tok)}`);
      }
    }
    this.k++;
    const count = args.length;
    if (def.variadic ? count < def.arity : count !== def.arity) {
      const wanted = `${def.variadic ? 'at least ' : ''}${def.arity} argument${def.arity === 1 ? '' : 's'}`;
      this.fail(name.offset, `${n} takes ${wanted}, got ${count} (${def.doc})`);
    }
    if (def.condition === true) {
      const cond = args[0];
      if (!cond.bool) this.fail(cond.offset, `${n}'s first argument must be a comparison such as x < 0`);
      return this.apply(def.op, args, name.offset, n, 1);
    }
    // min(a, b, c) = min(min(a, b), c): the order a JS loop would fold in.
    let acc = this.apply(def.op, args.slice(0, def.arity), name.offset, n);
    for (let j = def.arity; j < count; j++) acc = this.apply(def.op, [acc, args[j]], name.offset, n);
    return acc;
  }

  /** Apply an op; operands from `firstFloat` on must be numbers, not comparisons. */
  private apply(op: ComputeOp, args: readonly Term[], offset: number, what: string, firstFloat = 0): Term {
    for (let j = firstFloat; j < args.length; j++) this.float(args[j], what);
    const isCompare = Object.values(COMPARISONS).includes(op);
    return { v: Value.apply(op, ...args.map((a) => a.v)), bool: isCompare, offset };
  }

  private float(t: Term, what: string): void {
    if (t.bool) {
      this.fail(t.offset, `a comparison cannot be an operand of '${what}'; it can only be the condition of select(cond, a, b) or if(cond, a, b)`);
    }
  }
}
