/**
 * Expression text -> tokens. Newlines separate statements, but only where a statement can
 * end: inside parentheses, after an operator or before a line that starts with a binary
 * operator, a newline is just space (so long expressions can be wrapped either way).
 */
import type { Source } from './errors.js';

export type TokenKind = 'number' | 'name' | 'op' | 'newline' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The token's text: the digits, the name, the operator; '\n' and '' for newline and eof. */
  readonly text: string;
  readonly offset: number;
}

/** Longest first, so `<=` is not read as `<` then `=`. */
const OPERATORS = ['<=', '>=', '==', '!=', '+', '-', '*', '/', '^', '(', ')', ',', ';', '=', '<', '>'];
/** Operators that can continue an expression from the line before. */
const BINARY = new Set(['+', '-', '*', '/', '^', '<', '<=', '>', '>=', '==', '!=', '=', ')', ',']);

const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

export function tokenize(source: Source): Token[] {
  const text = source.text;
  const raw: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\n') { raw.push({ kind: 'newline', text: '\n', offset: i }); i++; continue; }
    if (ch === ' ' || ch === '\t' || ch === '\r') { i++; continue; }
    if (ch === '#') {   // comment to the end of the line
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    NUMBER.lastIndex = i;
    let m = NUMBER.exec(text);
    if (m !== null) {
      const end = i + m[0].length;
      // "2x" or "1.5.2": a number runs straight into something that is not an operator.
      if (end < text.length && /[A-Za-z0-9_.]/.test(text[end])) {
        const fix = /[A-Za-z_]/.test(text[end]) ? `; write an operator between them, e.g. ${m[0]}*${text[end]}` : '';
        source.fail(end, `unexpected ${describeChar(text[end])} right after the number ${m[0]}${fix}`);
      }
      raw.push({ kind: 'number', text: m[0], offset: i });
      i = end;
      continue;
    }
    NAME.lastIndex = i;
    m = NAME.exec(text);
    if (m !== null) {
      raw.push({ kind: 'name', text: m[0], offset: i });
      i += m[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) {
      const hint = '&|!'.includes(ch) ? ' (there are no logical operators: nest select(cond, a, b) calls instead)' : '';
      const shown = String.fromCodePoint(text.codePointAt(i) ?? 0);
      source.fail(i, `unexpected ${describeChar(shown)}; expressions are made of numbers, names, + - * / ^, comparisons, parentheses and function calls${hint}`);
    }
    raw.push({ kind: 'op', text: op, offset: i });
    i += op.length;
  }
  raw.push({ kind: 'eof', text: '', offset: endOffset(text) });
  return keepSeparatingNewlines(raw);
}

/** Where "end of input" points: just after the last non-blank character. */
function endOffset(text: string): number {
  let end = text.length;
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  return end;
}

function keepSeparatingNewlines(raw: readonly Token[]): Token[] {
  const out: Token[] = [];
  let depth = 0;
  for (let k = 0; k < raw.length; k++) {
    const t = raw[k];
    if (t.kind === 'op' && t.text === '(') depth++;
    if (t.kind === 'op' && t.text === ')' && depth > 0) depth--;
    if (t.kind !== 'newline') { out.push(t); continue; }
    const prev = out.at(-1);
    const endsOperand = prev !== undefined && (prev.kind === 'number' || prev.kind === 'name' || (prev.kind === 'op' && prev.text === ')'));
    let next = k + 1;
    while (raw[next].kind === 'newline') next++;
    const continues = raw[next].kind === 'eof' || (raw[next].kind === 'op' && BINARY.has(raw[next].text));
    if (depth === 0 && endsOperand && !continues) out.push(t);
  }
  return out;
}

export function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `character U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `'${ch}'`;
}

/** A token as messages name it: 'x', '2.5', ')', end of line, end of input. */
export function describeToken(t: Token): string {
  if (t.kind === 'eof') return 'end of input';
  if (t.kind === 'newline') return 'end of line';
  return `'${t.text}'`;
}
