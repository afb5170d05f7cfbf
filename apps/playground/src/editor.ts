/**
 * The function editor: a textarea with a line-number gutter, and the error box under it. A
 * parse error marks its line in the gutter and shows "line L, column C", the reason and the
 * line with a caret; clicking the box puts the cursor on the spot.
 */
import { ExpressionError } from '@adjoint/expr';
import { el, messageOf } from './dom.js';

export class Editor {
  private errorAt: { line: number; column: number } | null = null;

  constructor(
    readonly textarea: HTMLTextAreaElement,
    private readonly gutter: HTMLElement,
    private readonly errorBox: HTMLElement,
  ) {
    textarea.addEventListener('input', () => this.renderGutter());
    textarea.addEventListener('scroll', () => { gutter.scrollTop = textarea.scrollTop; });
    errorBox.addEventListener('click', () => this.jumpToError());
    this.renderGutter();
  }

  get text(): string {
    return this.textarea.value;
  }

  set text(value: string) {
    this.textarea.value = value;
    this.textarea.scrollTop = 0;
    this.renderGutter();
  }

  /** Show an error from parsing or compiling; ExpressionErrors point at their line and column. */
  showError(e: unknown): void {
    const box = this.errorBox;
    box.replaceChildren();
    if (e instanceof ExpressionError) {
      this.errorAt = { line: e.line, column: e.column };
      const excerpt = e.message.split('\n').slice(1).join('\n');
      box.append(el('div', 'error-where', `Line ${e.line}, column ${e.column}`), el('div', 'error-reason', e.reason), el('pre', 'error-excerpt', excerpt));
      box.title = 'Click to put the cursor there';
    } else {
      this.errorAt = null;
      box.append(el('div', 'error-where', 'Cannot compile this function'), el('div', 'error-reason', messageOf(e)));
      box.title = '';
    }
    box.hidden = false;
    this.textarea.setAttribute('aria-invalid', 'true');
    this.renderGutter();
  }

  clearError(): void {
    this.errorAt = null;
    this.errorBox.hidden = true;
    this.errorBox.replaceChildren();
    this.textarea.removeAttribute('aria-invalid');
    this.renderGutter();
  }

  private renderGutter(): void {
    const lines = this.textarea.value.split('\n').length;
    const bad = this.errorAt?.line;
    this.gutter.replaceChildren(...Array.from({ length: lines }, (_, k) => el('div', k + 1 === bad ? 'bad' : '', String(k + 1))));
    this.gutter.scrollTop = this.textarea.scrollTop;
  }

  private jumpToError(): void {
    if (this.errorAt === null) return;
    const lines = this.textarea.value.split('\n');
    let offset = 0;
    for (let k = 0; k < this.errorAt.line - 1 && k < lines.length; k++) offset += lines[k].length + 1;
    offset += this.errorAt.column - 1;
    this.textarea.focus();
    this.textarea.setSelectionRange(offset, offset + 1);
  }
}
