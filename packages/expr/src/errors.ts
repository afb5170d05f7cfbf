/**
 * Errors in expression text: an `AdjointError` (code `bad-expression`) whose message starts
 * with `line:column:` and shows the line with a caret, the way IR parse errors do. Line and
 * column are also fields, so an editor can underline the spot without parsing the message.
 */
import { AdjointError } from '@adjoint/ir';

export class ExpressionError extends AdjointError {
  /** 1-based line and column (in UTF-16 code units) of the offending spot. */
  readonly line: number;
  readonly column: number;
  /** The problem alone, without the position and the caret lines. */
  readonly reason: string;

  constructor(source: Source, offset: number, reason: string) {
    const { line, column } = source.position(offset);
    const text = source.lineText(line);
    // Copy tabs from the line so the caret sits under the right character.
    const pad = text.slice(0, column - 1).replace(/[^\t]/g, ' ');
    const where = source.name === undefined ? '' : `${source.name}:`;
    super('bad-expression', `${where}${line}:${column}: ${reason}\n  ${text}\n  ${pad}^`);
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

/** The text being parsed, with what it takes to turn offsets into line:column. */
export class Source {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string, readonly name?: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo] + 1 };
  }

  /** "line:column" of an offset, for messages that point back at an earlier spot. */
  at(offset: number): string {
    const p = this.position(offset);
    return `${p.line}:${p.column}`;
  }

  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    const end = line < this.lineStarts.length ? this.lineStarts[line] - 1 : this.text.length;
    return this.text.slice(start, end).replace(/\r$/, '');
  }

  fail(offset: number, reason: string): never {
    throw new ExpressionError(this, offset, reason);
  }
}
