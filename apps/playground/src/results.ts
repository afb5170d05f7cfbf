/**
 * Renders a Compilation: the value-and-gradient table with one input box per variable, the
 * per-backend timings and compile statistics, and the code panes. Everything shown comes
 * from compile.ts; this file only turns it into DOM.
 */
import type { Backend, Compilation, Outcome, PassStat } from './compile.js';
import { byId, el, row } from './dom.js';
import { count, formatDuration, formatNumber } from './format.js';

/** The variables' input boxes and their gradients. Values are kept by name across edits. */
export class ValuesView {
  /** null: rows not built yet, or to be rebuilt. */
  private names: readonly string[] | null = null;
  private readonly boxes = new Map<string, HTMLInputElement>();
  private readonly cells = new Map<string, HTMLElement>();

  constructor(private readonly body: HTMLElement, private readonly values: Map<string, number>, private readonly onInput: () => void) {}

  /** Rebuild the rows on the next setNames, with the values from the map (a new example). */
  forget(): void {
    this.names = null;
  }

  /** One row per variable; rows are rebuilt only when the names change, so typing keeps focus. */
  setNames(names: readonly string[]): void {
    if (this.names !== null && names.join('\n') === this.names.join('\n')) return;
    this.names = names;
    this.boxes.clear();
    this.cells.clear();
    this.body.replaceChildren();
    if (names.length === 0) {
      this.body.append(row(['no variables: f is a constant', '', '']));
      return;
    }
    for (const name of names) {
      const box = el('input', 'value-input');
      box.type = 'text';
      box.inputMode = 'decimal';
      box.spellcheck = false;
      box.dataset.name = name;
      box.setAttribute('aria-label', `value of ${name}`);
      box.value = formatNumber(this.values.get(name) ?? 0);
      box.addEventListener('input', () => this.onInput());
      const grad = el('output', 'gradient');
      grad.dataset.name = name;
      const tr = el('tr');
      const label = el('td', 'name');
      label.append(el('code', '', name));
      const input = el('td');
      input.append(box);
      const gradCell = el('td');
      gradCell.append(grad);
      tr.append(label, input, gradCell);
      this.body.append(tr);
      this.boxes.set(name, box);
      this.cells.set(name, grad);
    }
  }

  /** The values in variable order, or null when a box does not hold a number (that box is marked). */
  read(): Float64Array | null {
    const names = this.names ?? [];
    const out = new Float64Array(names.length);
    let ok = true;
    names.forEach((name, k) => {
      const box = this.boxes.get(name)!;
      const text = box.value.trim();
      const x = text === '' ? NaN : Number(text);
      const bad = Number.isNaN(x) && text.toLowerCase() !== 'nan';
      box.classList.toggle('bad', bad);
      box.title = bad ? `not a number: write e.g. 0.5, -2 or 1e-3` : '';
      if (bad) ok = false;
      else { out[k] = x; this.values.set(name, x); }
    });
    return ok ? out : null;
  }

  showGradient(gradient: Float64Array | null): void {
    (this.names ?? []).forEach((name, k) => { this.cells.get(name)!.textContent = gradient === null ? '—' : formatNumber(gradient[k]); });
  }
}

/** The code panes' ids in index.html (each with a `-meta` span for its line count). */
type PaneId = 'ir-trace' | 'ir-gradient' | 'code-js' | 'code-c' | 'code-wat';

/** Fill one code pane: the text, or the error in its place. */
function pane(id: PaneId, outcome: Outcome<string> | null, waiting = ''): void {
  const pre = byId(id);
  const meta = byId(`${id}-meta`);
  pre.classList.toggle('pane-error', outcome !== null && !outcome.ok);
  if (outcome === null) {
    pre.textContent = waiting;
    meta.textContent = '';
  } else if (!outcome.ok) {
    pre.textContent = outcome.error;
    meta.textContent = 'failed';
  } else {
    pre.textContent = outcome.value;
    meta.textContent = count(outcome.value.split('\n').length, 'line');
  }
}

const mapOutcome = <T, U>(o: Outcome<T>, f: (v: T) => U): Outcome<U> => (o.ok ? { ...o, value: f(o.value) } : o);
const code = (o: Outcome<Backend>): Outcome<string> => mapOutcome(o, (b) => b.code);

export function showCode(c: Compilation, wasmState: string): void {
  pane('ir-trace', mapOutcome(c.ir, (ir) => ir.trace));
  pane('ir-gradient', mapOutcome(c.ir, (ir) => ir.gradient));
  pane('code-js', code(c.js));
  pane('code-c', c.c);
  pane('code-wat', c.wasm === null ? null : code(c.wasm), wasmState);
}

/** Run times, measured after the page has shown the rest (ms per gradient call). */
export interface RunTimes {
  js?: number;
  wasm?: number;
}

export function showBackends(c: Compilation, times: RunTimes | null, wasmState: string): void {
  const call = (t: number | undefined): string => (times === null ? 'measuring…' : t === undefined ? '—' : formatDuration(t));
  const rows: [string, string, Outcome<unknown> | null, string[]][] = [
    ['js', 'JavaScript', c.js, c.js.ok ? [formatDuration(c.js.ms), call(times?.js), ''] : []],
    ['wasm', 'WebAssembly', c.wasm, c.wasm?.ok ? [formatDuration(c.wasm.ms), call(times?.wasm), 'imports Math from the page'] : []],
    ['c', 'C', c.c, c.c.ok ? [formatDuration(c.c.ms), '—', 'the source; build it with a C compiler (adjoint CLI)'] : []],
  ];
  byId('backends-body').replaceChildren(...rows.map(([key, name, outcome, cells]) => {
    const tr = outcome !== null && outcome.ok ? row([name, ...cells]) : wide(name, outcome === null ? wasmState : outcome.error, outcome !== null);
    tr.dataset.backend = key;
    return tr;
  }));

  const s = c.stats;
  byId('stats').textContent = s === null ? '' : `trace ${count(s.traceNodes, 'node')} → gradient graph ${count(s.gradientNodes, 'node')} → `
    + `${count(s.instructions, 'instruction')} in ${count(s.chunks, 'function')}${s.loops > 0 ? `, ${count(s.loops, 'loop')}` : ''}. `
    + `JS compile phases: gradient ${formatDuration(s.ms.gradient)}, schedule ${formatDuration(s.ms.schedule)}, `
    + `codegen ${formatDuration(s.ms.codegen)}, build ${formatDuration(s.ms.build)}.`;
  showPasses(c.passes);
}

/** A backend's row whose one message spans the other columns: still loading, or why it failed. */
function wide(name: string, message: string, failed: boolean): HTMLTableRowElement {
  const tr = row([name], failed ? 'failed' : '');
  const td = el('td', 'message', message);
  td.colSpan = 3;
  tr.append(td);
  return tr;
}

function showPasses(passes: readonly PassStat[] | null): void {
  const table = byId('passes');
  table.hidden = passes === null || passes.length === 0;
  byId('passes-body').replaceChildren(...(passes ?? []).map((p) => row([p.name, String(p.nodesIn), String(p.nodesOut), formatDuration(p.ms)])));
}

/** Whether wasm gave the same bits as JS at this point (with the host's Math it should). */
export function wasmAgreement(js: { value: number; gradient: Float64Array }, wasm: { value: number; gradient: Float64Array } | null): string {
  if (wasm === null) return '';
  const same = Object.is(js.value, wasm.value) && js.gradient.every((g, k) => Object.is(g, wasm.gradient[k]));
  if (same) return 'WebAssembly gives the same bits as JavaScript.';
  let worst = Math.abs(js.value - wasm.value);
  js.gradient.forEach((g, k) => { worst = Math.max(worst, Math.abs(g - wasm.gradient[k])); });
  return `WebAssembly differs from JavaScript by up to ${worst.toExponential(2)}.`;
}
