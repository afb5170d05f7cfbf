/**
 * The commands, their options and their help text, in one table: the argument parser checks
 * against it and --help prints it, so the two cannot disagree.
 */
import type { OptionSpec } from './args.js';

export type CommandName = 'compile' | 'inspect' | 'eval';

export interface CommandSpec {
  readonly name: CommandName;
  readonly summary: string;
  readonly usage: string;
  readonly options: readonly OptionSpec[];
  readonly examples: readonly string[];
}

const TARGETS = ['js', 'c', 'wasm'] as const;

const EXPR: OptionSpec = { name: 'expr', short: 'e', value: 'TEXT', help: 'an expression instead of a file, e.g. -e "x^2 + sin(y)"' };
const PARAMS: OptionSpec = {
  name: 'params', value: 'N',
  help: 'the first N inputs are params (differentiated), the rest runtime inputs (default: all; .expr, .ir and graph modules)',
};
const PRECISION: OptionSpec = { name: 'precision', value: 'f64|f32', choices: ['f64', 'f32'], help: 'c and wasm: compute in f64 (default) or f32' };
const NAME: OptionSpec = { name: 'name', value: 'NAME', help: "c: the C function's name (default adjoint_grad)" };
const MATH: OptionSpec = {
  name: 'math', value: 'import|embedded', choices: ['import', 'embedded'],
  help: "wasm: take sin, exp, ... from the host's Math (default) or embed them",
};
const OPTIMIZE: OptionSpec = {
  name: 'optimize', short: 'O', value: '0|1|2', choices: ['0', '1', '2'],
  help: 'gradient graph optimization (docs/passes.md): 0 none, 1 exact rules (default), 2 also merges repeats in the trace',
};
const FAST_MATH: OptionSpec = { name: 'fast-math', help: 'also apply rewrites that change results in the last bits (x*0 = 0, ...)' };
const VERBOSE: OptionSpec = { name: 'verbose', short: 'v', help: 'print each compile stage as it finishes, with its size and time, on stderr' };
const HELP: OptionSpec = { name: 'help', short: 'h', help: 'show this help' };
const target = (what: string): OptionSpec => ({ name: 'target', short: 't', value: 'js|c|wasm', choices: TARGETS, help: what });

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'compile',
    summary: 'compile the gradient to JavaScript, C or WebAssembly',
    usage: 'adjoint compile <file> [--target js|c|wasm] [-o FILE] [options]',
    options: [
      target('js: a serialized function for loadCompiledFunction (default); c: a C99 file; wasm: a .wasm module'),
      { name: 'output', short: 'o', value: 'FILE', help: 'write here instead of stdout (required for wasm)' },
      PRECISION, NAME,
      { name: 'header', help: 'c: also write the header, beside -o (f.c -> f.h)' },
      MATH, OPTIMIZE, FAST_MATH, VERBOSE, PARAMS, EXPR, HELP,
    ],
    examples: [
      'adjoint compile model.expr --target c --name model_grad --header -o model_grad.c',
      'adjoint compile model.expr -o model.grad.js        # then loadCompiledFunction(text)',
      'adjoint compile arm.ir --params 2 --target wasm -o arm.wasm',
      'adjoint compile net.mjs --target c --precision f32 -o net.c',
    ],
  },
  {
    name: 'inspect',
    summary: 'show the params, the traced IR, node counts, the passes and the generated code',
    usage: 'adjoint inspect <file> [--target js|c|wasm] [options]',
    options: [target('which generated code to show: js (default), c or wasm (as WAT)'), PRECISION, NAME, MATH, OPTIMIZE, FAST_MATH, VERBOSE, PARAMS, EXPR, HELP],
    examples: [
      'adjoint inspect model.expr',
      'adjoint inspect -e "a = x*y; a + sin(a)" --target c',
    ],
  },
  {
    name: 'eval',
    summary: 'evaluate f and its gradient at a point',
    usage: 'adjoint eval <file> [name=value ...] [options]',
    options: [target('which backend computes it: js (default), c (native, needs a C compiler) or wasm'), PRECISION, OPTIMIZE, FAST_MATH, VERBOSE, PARAMS, EXPR, HELP],
    examples: [
      'adjoint eval model.expr x=1 y=2',
      'adjoint eval -e "(1 - x)^2 + 100*(y - x^2)^2" x=-1.2 y=1',
    ],
  },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', help: 'show this help' },
  { name: 'version', short: 'V', help: 'print the version' },
];

const EXIT_CODES = 'Exit status: 0 ok; 1 the input is wrong (unreadable file, parse error, ...); 2 the command line is wrong (unknown option, missing argument).';
const FILES = '<file> is an expression (.expr), IR text (.ir) or a module (.js, .mjs); -e TEXT gives an expression inline.\n'
  + 'The expression syntax and the module format are described in docs/cli.md.';

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'adjoint: compile the gradient of a scalar function to JavaScript, C or WebAssembly',
    '',
    'Usage:',
    ...COMMANDS.map((c) => `  ${c.usage}`),
    '  adjoint <command> --help      the options of a command',
    '  adjoint --version',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    FILES,
    '',
    'Examples:',
    ...COMMANDS.flatMap((c) => c.examples.slice(0, 2).map((e) => `  ${e}`)),
    '',
    EXIT_CODES,
    '',
  ].join('\n');
}

export function commandHelp(c: CommandSpec): string {
  const flag = (o: OptionSpec): string => `${o.short !== undefined ? `-${o.short}, ` : '    '}--${o.name}${o.value !== undefined ? ` ${o.value}` : ''}`;
  const width = Math.max(...c.options.map((o) => flag(o).length));
  return [
    `adjoint ${c.name}: ${c.summary}`,
    '',
    `Usage: ${c.usage}`,
    '',
    'Options:',
    ...c.options.map((o) => `  ${flag(o).padEnd(width)}  ${o.help}`),
    '',
    FILES,
    '',
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
    '',
    EXIT_CODES,
    '',
  ].join('\n');
}
