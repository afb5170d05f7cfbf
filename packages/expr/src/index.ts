/**
 * @adjoint/expr — a small expression syntax for scalar functions, for the command line and
 * the playground. `parseExpression('a = x*x; a + sin(a*y)')` gives the output Value and the
 * params (every free name, in order of first appearance), ready for compileGradientFunction.
 * The syntax is in docs/cli.md. Text is parsed, never evaluated as JavaScript.
 */
import type { Value } from '@adjoint/autograd';
import { AdjointError } from '@adjoint/ir';
import { Source } from './errors.js';
import { parseProgram } from './parser.js';

export { ExpressionError } from './errors.js';
export { FUNCTIONS, FUNCTION_NAMES, type FunctionDef } from './functions.js';
export { MAX_DEPTH } from './parser.js';

export interface ParseOptions {
  /** Names the text in error messages: `model.expr:1:7: ...` instead of `1:7: ...`. */
  source?: string;
}

export interface ParsedExpression {
  /** The expression's value, a Value traced from the params (all 0 at parse time). */
  output: Value;
  /** One named leaf per free name, in order of first appearance. */
  params: Value[];
}

/**
 * Parse expression text. Errors are `ExpressionError`s (an `AdjointError` with code
 * `bad-expression`) whose message starts with `line:column:` and shows a caret.
 */
export function parseExpression(text: string, options: ParseOptions = {}): ParsedExpression {
  if (typeof text !== 'string') {
    throw new AdjointError('bad-arguments', `parseExpression needs the expression text as a string, got ${text === null ? 'null' : typeof text}`);
  }
  if (options === null || typeof options !== 'object' || (options.source !== undefined && typeof options.source !== 'string')) {
    throw new AdjointError('bad-options', 'parseExpression options must be an object such as { source: "model.expr" }');
  }
  const { output, params } = parseProgram(new Source(text, options.source));
  return { output, params };
}
