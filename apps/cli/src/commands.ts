/**
 * compile, inspect and eval. Each loads the input as a Program (load.ts), checks the options
 * that depend on the target, and calls the @adjoint/jit facade.
 */
import { writeFileSync } from 'node:fs';
import { traceValue } from '@adjoint/autograd';
import {
  AdjointError, compileGradientFunctionAsync, compileStats, compileToC, compileToWasmAsync,
  inspectGeneratedCode, printGraph, serializeCompiledFunction, type BackendName, type CompileStep, type GradFn, type PassStat,
} from '@adjoint/jit';
import { UsageError, stringOption, type ParsedArgs } from './args.js';
import { InputError, describeFsError, loadProgram, type Program } from './load.js';

export interface Io {
  readonly out: (text: string) => void;
}

interface Target {
  readonly backend: BackendName;
  readonly precision: 'f64' | 'f32' | undefined;
  readonly name: string | undefined;
  readonly math: 'import' | 'embedded' | undefined;
  /** optimize, fastMath and (with --verbose) onProgress, as the facade takes them (absent when not given). */
  readonly optimize: { optimize?: 0 | 1 | 2; fastMath?: boolean; onProgress?: (step: CompileStep) => void };
}

/** The input named by the arguments: one file, or -e TEXT. */
function inputOf(args: ParsedArgs, command: string, extraPositionals: boolean): { label: string; file?: string; expr?: string } {
  const expr = stringOption(args, 'expr');
  const files = extraPositionals ? args.positionals.filter((p) => !p.includes('=')) : args.positionals;
  if (expr !== undefined) {
    if (files.length > 0) throw new UsageError(`give either a file or -e TEXT, not both (got ${files[0]})`, command);
    return { label: '<expr>', expr };
  }
  if (files.length === 0) throw new UsageError('missing the input file (an .expr, .ir, .js or .mjs file), or -e TEXT', command);
  if (files.length > 1) throw new UsageError(`one input file at a time; got ${files.join(', ')}`, command);
  return { label: files[0], file: files[0] };
}

function paramsOf(args: ParsedArgs, command: string): number | undefined {
  const p = stringOption(args, 'params');
  if (p === undefined) return undefined;
  if (!/^\d+$/.test(p)) throw new UsageError(`--params needs a count such as 2, got '${p}'`, command);
  return Number(p);
}

/** Load the program; errors from the library that do not say which file get its name. */
async function load(args: ParsedArgs, command: string, extraPositionals = false): Promise<{ program: Program; label: string }> {
  const input = inputOf(args, command, extraPositionals);
  const nParams = paramsOf(args, command);
  try {
    const program = await withLabel(input.label, () => loadProgram({ ...input, ...(nParams !== undefined ? { nParams } : {}) }));
    return { program, label: input.label };
  } catch (e) {
    if (e instanceof UsageError && e.command === undefined) throw new UsageError(e.message, command);
    throw e;
  }
}

async function withLabel<T>(label: string, f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof AdjointError && !e.message.startsWith(`${label}:`)) throw new InputError(`${label}: ${e.message}`);
    throw e;
  }
}

function targetOf(args: ParsedArgs, command: string, program: Program, label: string): Target {
  const backend = (stringOption(args, 'target') ?? 'js') as BackendName;
  const only = (option: string, backends: readonly BackendName[], why: string): void => {
    if (args.options.has(option) && !backends.includes(backend)) throw new UsageError(`--${option} is for --target ${backends.join(' and ')}: ${why}`, command);
  };
  only('precision', ['c', 'wasm'], 'JavaScript computes in f64');
  only('name', ['c'], 'it names the C function');
  only('header', ['c'], 'it writes the C header');
  only('math', ['wasm'], 'it chooses where a module gets sin, exp, ...');
  const name = stringOption(args, 'name');
  if (name !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new UsageError(`--name must be a C identifier (a letter or _, then letters, digits or _), got '${name}'`, command);
  }
  let precision = stringOption(args, 'precision') as 'f64' | 'f32' | undefined;
  if (program.f32 && precision === undefined) {
    if (backend === 'js') throw new InputError(`${label}: the IR computes in f32 and JavaScript computes in f64; use --target c or wasm, or f64 types`);
    precision = 'f32';
  }
  const level = stringOption(args, 'optimize');
  const optimize = {
    ...(level !== undefined ? { optimize: Number(level) as 0 | 1 | 2 } : {}),
    ...(args.options.has('fast-math') ? { fastMath: true } : {}),
    ...(args.options.has('verbose') ? { onProgress: printStep } : {}),
  };
  return { backend, precision, name, math: stringOption(args, 'math') as Target['math'], optimize };
}

/** --verbose: one line per finished compile stage, on stderr (stdout may be the output). */
function printStep(step: CompileStep): void {
  const unit = step.stage === 'schedule' || step.stage === 'codegen' || step.stage === 'build' ? 'instructions' : 'nodes';
  process.stderr.write(`adjoint: ${step.stage.padEnd(8)} ${step.size.toLocaleString('en-US').padStart(12)} ${unit.padEnd(12)} ${step.ms.toFixed(1).padStart(9)} ms\n`);
}

/** Facade errors about our own options are usage errors (exit 2), not input errors. */
async function facade<T>(label: string, command: string, f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof AdjointError && e.code === 'bad-options') throw new UsageError(e.message, command);
    if (e instanceof AdjointError && !e.message.startsWith(`${label}:`)) throw new InputError(`${label}: ${e.message}`);
    throw e;
  }
}

const inputsOption = (p: Program): { inputs?: Program['params'] } => (p.inputs !== undefined ? { inputs: p.inputs } : {});

function compileFn(p: Program, t: Target): Promise<GradFn> {
  return compileGradientFunctionAsync(p.output, p.params, {
    backend: t.backend, ...inputsOption(p), ...t.optimize,
    ...(t.precision !== undefined ? { precision: t.precision } : {}),
    ...(t.math !== undefined ? { math: t.math } : {}),
  });
}

function cSource(p: Program, t: Target): { source: string; header: string } {
  return compileToC(p.output, p.params, {
    ...inputsOption(p), ...t.optimize, header: true,
    ...(t.name !== undefined ? { name: t.name } : {}),
    ...(t.precision !== undefined ? { precision: t.precision } : {}),
  });
}

function write(file: string, data: string | Uint8Array): void {
  try {
    writeFileSync(file, data);
  } catch (e) {
    throw new InputError(`cannot write ${file}: ${describeFsError(e)}`);
  }
}

export async function compile(args: ParsedArgs, io: Io): Promise<void> {
  const { program, label } = await load(args, 'compile');
  const t = targetOf(args, 'compile', program, label);
  const out = stringOption(args, 'output');
  const toFile = out !== undefined && out !== '-';
  if (args.options.has('header') && !toFile) throw new UsageError('--header writes the header beside the -o file; give -o FILE.c', 'compile');
  const emit = (data: string | Uint8Array): void => { if (toFile) write(out, data); else io.out(data as string); };
  if (t.backend === 'js') {
    const fn = await facade(label, 'compile', () => compileFn(program, t));
    emit(serializeCompiledFunction(fn));
  } else if (t.backend === 'c') {
    const { source, header } = await facade(label, 'compile', () => cSource(program, t));
    emit(source);
    if (args.options.has('header')) write(headerPath(out!), header);
  } else {
    if (!toFile) throw new UsageError('a wasm module is binary; give -o FILE.wasm', 'compile');
    emit(await facade(label, 'compile', () => compileToWasmAsync(program.output, program.params, {
      ...inputsOption(program), ...t.optimize,
      ...(t.precision !== undefined ? { precision: t.precision } : {}),
      ...(t.math !== undefined ? { math: t.math } : {}),
    })));
  }
}

/** f.c -> f.h; any other name gets .h appended. */
export function headerPath(file: string): string {
  return /\.c$/i.test(file) ? file.replace(/\.c$/i, '.h') : `${file}.h`;
}

/** A name as the user would type it, quoted only when it is not a plain identifier. */
const showName = (n: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(n) ? n : JSON.stringify(n));

export async function inspect(args: ParsedArgs, io: Io): Promise<void> {
  const { program, label } = await load(args, 'inspect');
  const t = targetOf(args, 'inspect', program, label);
  const trace = await facade(label, 'inspect', () => traceValue(program.output, program.params, inputsOption(program)));
  const names = trace.graph.inputNames;
  // The counts come from the compilation whose code is shown; for c that is the portable
  // file of `compile --target c`, whose schedule is the one the JS compilation counts.
  const fn = await facade(label, 'inspect', () => compileFn(program, t.backend === 'c' ? { ...t, backend: 'js', precision: undefined } : t));
  const st = compileStats(fn)!;
  const code = t.backend === 'c' ? (await facade(label, 'inspect', () => cSource(program, t))).source : inspectGeneratedCode(fn);
  const title = { js: 'generated JavaScript', c: 'generated C (compile --target c)', wasm: 'generated WebAssembly (WAT)' }[t.backend];
  io.out([
    `params (${trace.nParams}): ${names.slice(0, trace.nParams).map(showName).join(', ') || '(none)'}`,
    `runtime inputs (${names.length - trace.nParams}): ${names.slice(trace.nParams).map(showName).join(', ') || '(none)'}`,
    ...(program.note !== undefined ? [`note: ${program.note}`] : []),
    '',
    `== IR of the traced graph (${trace.graph.size} nodes) ==`,
    printGraph(trace.graph).replace(/\n$/, ''),
    '',
    '== counts ==',
    `trace nodes:          ${st.traceNodes}`,
    `gradient graph nodes: ${st.gradientNodes}`,
    `instructions:         ${st.instructions}`,
    `functions:            ${st.chunks}`,
    `loops:                ${st.loops}${st.innerLoops > 0 ? ` (+${st.innerLoops} nested)` : ''}`,
    '',
    '== passes (docs/passes.md) ==',
    ...st.passes.map(passLine),
    '',
    `== ${title} ==`,
    code.replace(/\n$/, ''),
    '',
  ].join('\n'));
}

/** One pass of the pipeline: nodes in -> out, time and the rules that fired. */
function passLine(p: PassStat): string {
  const rules = Object.entries(p.rules).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ');
  return `${p.name.padEnd(9)} ${String(p.nodesIn).padStart(8)} -> ${String(p.nodesOut).padEnd(8)} ${p.ms.toFixed(2).padStart(8)} ms${rules ? `  rules: ${rules}` : ''}`;
}

export async function evaluate(args: ParsedArgs, io: Io): Promise<void> {
  const { program, label } = await load(args, 'eval', true);
  const t = targetOf(args, 'eval', program, label);
  const trace = await facade(label, 'eval', () => traceValue(program.output, program.params, inputsOption(program)));
  const names = trace.graph.inputNames;
  const values = Array.from(trace.defaults);
  const given = new Set<string>();
  for (const a of args.positionals.filter((p) => p.includes('='))) {
    const eq = a.lastIndexOf('=');   // names from IR files may contain '='; numbers never do
    const name = a.slice(0, eq);
    const text = a.slice(eq + 1).trim();
    const k = names.indexOf(name);
    if (k < 0) throw new UsageError(`no input named '${name}'; the inputs are ${names.map(showName).join(', ') || '(none)'}`, 'eval');
    const v = Number(text);
    if (text === '' || (Number.isNaN(v) && text !== 'NaN')) throw new UsageError(`${name}=${text}: the value must be a number`, 'eval');
    if (given.has(name)) throw new UsageError(`${name} is given twice`, 'eval');
    given.add(name);
    values[k] = v;
  }
  const fn = await facade(label, 'eval', () => compileFn(program, t));
  const { value, gradient } = fn.valueAndGradient(values);
  io.out([
    `at ${names.map((n, k) => `${showName(n)} = ${values[k]}`).join(', ') || '(no inputs)'}`,
    `f = ${value}`,
    ...names.slice(0, trace.nParams).map((n, k) => `df/d${showName(n)} = ${gradient[k]}`),
    '',
  ].join('\n'));
}
