/**
 * The page: wires the editor, the examples, the value boxes, the backends and the live arm
 * together. State the tests wait on is in body data attributes: data-state (editing, ready,
 * error), data-wasm (loading, ready, failed) and data-timings (pending, done).
 */
import { FUNCTION_NAMES } from '@adjoint/expr';
import { loadWasmBackend } from '@adjoint/jit';
import { ArmDemo, compileArm } from './arm.js';
import { compileText, timeGradient, type Compilation } from './compile.js';
import { byId, el, messageOf } from './dom.js';
import { Editor } from './editor.js';
import { EXAMPLES, type Example } from './examples.js';
import { formatNumber } from './format.js';
import { ValuesView, showBackends, showCode, wasmAgreement, type RunTimes } from './results.js';

/** Typing recompiles after this pause. */
const EDIT_PAUSE_MS = 250;

/**
 * An unexpected error the page caught, shown in the banner at the top. (Errors nobody catches
 * reach the same banner through the handlers of the inline script in index.html.)
 */
function showFatal(e: unknown): void {
  const box = byId('fatal');
  box.append(el('div', '', `Something went wrong: ${messageOf(e)}`));
  box.hidden = false;
}

const body = document.body;
const values = new Map<string, number>();
const editor = new Editor(byId<HTMLTextAreaElement>('source'), byId('gutter'), byId('error'));
const valuesView = new ValuesView(byId('values-body'), values, () => guarded(evaluate));
const exampleSelect = byId<HTMLSelectElement>('example');
let current: Compilation | null = null;
/** Bumped by every compilation, so timings measured for an older one are dropped. */
let generation = 0;
let wasm: { state: 'loading' | 'ready' | 'failed'; error?: string } = { state: 'loading' };

function guarded(action: () => void): void {
  try {
    action();
  } catch (e) {
    showFatal(e);
  }
}

function wasmMessage(): string {
  return wasm.state === 'loading' ? 'loading binaryen…' : wasm.state === 'failed' ? `binaryen did not load: ${wasm.error}` : '';
}

function recompile(): void {
  let c: Compilation;
  try {
    c = compileText(editor.text, wasm.state === 'ready');
  } catch (e) {
    editor.showError(e);
    byId('stale').hidden = current === null;
    byId('main').classList.toggle('stale', current !== null);
    body.dataset.state = 'error';
    return;
  }
  current = c;
  const gen = ++generation;
  editor.clearError();
  byId('stale').hidden = true;
  byId('main').classList.remove('stale');
  valuesView.setNames(c.names);
  showCode(c, wasmMessage());
  showBackends(c, null, wasmMessage());
  evaluate();
  body.dataset.state = 'ready';
  body.dataset.timings = 'pending';
  // Time the calls once the page has painted the rest.
  setTimeout(() => guarded(() => measure(gen)), 30);
}

/** f and the gradient at the values in the boxes (JS), and whether wasm agrees. */
function evaluate(): void {
  const c = current;
  if (c === null) return;
  const x = valuesView.read();
  const fOut = byId('f-value');
  if (x === null || !c.js.ok) {
    fOut.textContent = '—';
    valuesView.showGradient(null);
    byId('wasm-check').textContent = x === null ? 'Every value must be a number.' : '';
    return;
  }
  const js = c.js.value.fn.valueAndGradient(x);
  fOut.textContent = formatNumber(js.value);
  valuesView.showGradient(js.gradient);
  byId('wasm-check').textContent = wasmAgreement(js, c.wasm?.ok ? c.wasm.value.fn.valueAndGradient(x) : null);
}

function measure(gen: number): void {
  const c = current;
  if (gen !== generation || c === null) return;
  const x = valuesView.read() ?? new Float64Array(c.names.length);
  const times: RunTimes = {};
  if (c.js.ok) times.js = timeGradient(c.js.value.fn, x);
  if (c.wasm?.ok) times.wasm = timeGradient(c.wasm.value.fn, x);
  showBackends(c, times, wasmMessage());
  body.dataset.timings = 'done';
}

function loadExample(example: Example): void {
  for (const [name, v] of Object.entries(example.values)) values.set(name, v);
  valuesView.forget();
  editor.text = example.text;
  exampleSelect.value = example.id;
  recompile();
}

function startWasm(armBackend: HTMLSelectElement): void {
  loadWasmBackend().then(() => {
    wasm = { state: 'ready' };
    body.dataset.wasm = 'ready';
    const option = armBackend.querySelector<HTMLOptionElement>('option[value="wasm"]')!;
    option.disabled = false;
    option.textContent = 'WebAssembly';
    // Add the wasm backend to what is shown; while the text is mid-edit or wrong, the next compile does.
    if (body.dataset.state === 'ready') recompile();
  }, (e: unknown) => {
    wasm = { state: 'failed', error: messageOf(e) };
    body.dataset.wasm = 'failed';
    if (current !== null) {
      showCode(current, wasmMessage());
      showBackends(current, null, wasmMessage());
    }
  }).catch(showFatal);
}

function boot(): void {
  byId('function-names').textContent = FUNCTION_NAMES.join(', ');
  for (const ex of EXAMPLES) exampleSelect.append(new Option(ex.title, ex.id));
  exampleSelect.addEventListener('change', () => guarded(() => {
    const ex = EXAMPLES.find((e) => e.id === exampleSelect.value);
    if (ex !== undefined) loadExample(ex);
  }));

  let pending: ReturnType<typeof setTimeout> | undefined;
  editor.textarea.addEventListener('input', () => {
    body.dataset.state = 'editing';
    if (EXAMPLES.find((e) => e.id === exampleSelect.value)?.text !== editor.text) exampleSelect.value = 'custom';
    clearTimeout(pending);
    pending = setTimeout(() => guarded(recompile), EDIT_PAUSE_MS);
  });
  loadExample(EXAMPLES[0]);

  const readout = byId('arm-readout');
  const armBackend = byId<HTMLSelectElement>('arm-backend');
  const demo = new ArmDemo(byId<HTMLCanvasElement>('arm'), readout, (e) => {
    readout.textContent = `The demo stopped: ${messageOf(e)}`;
    readout.classList.add('error-text');
  });
  armBackend.addEventListener('change', () => guarded(() => demo.use(compileArm(armBackend.value === 'wasm' ? 'wasm' : 'js'))));
  demo.start();
  startWasm(armBackend);
}

guarded(boot);
