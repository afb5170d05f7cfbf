/**
 * The command line: arguments -> a command -> an exit code. Expected errors print one message
 * (with file:line:col when there is one) and no stack: 1 for a bad input, 2 for a bad
 * command line, with a hint to run --help.
 */
import { readFileSync } from 'node:fs';
import { AdjointError } from '@adjoint/jit';
import { UsageError, parseArgs } from './args.js';
import { compile, evaluate, inspect, type Io } from './commands.js';
import { InputError } from './load.js';
import { COMMANDS, GLOBAL_OPTIONS, commandHelp, commandSpec, mainHelp, type CommandName } from './table.js';

export interface MainIo extends Io {
  readonly err: (text: string) => void;
}

const RUN: { readonly [K in CommandName]: (args: ReturnType<typeof parseArgs>, io: Io) => Promise<void> } = {
  compile, inspect, eval: evaluate,
};

export function version(): string {
  // dist/main.js and src/main.ts both sit one level below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function run(argv: readonly string[], io: MainIo): Promise<void> {
  const first = argv[0];
  if (first === undefined) throw new UsageError('missing a command: compile, inspect or eval');
  if (first === 'help') {
    const c = argv[1] === undefined ? undefined : commandSpec(argv[1]);
    if (argv[1] !== undefined && c === undefined) throw new UsageError(`unknown command '${argv[1]}'`);
    io.out(c === undefined ? mainHelp() : commandHelp(c));
    return;
  }
  if (first.startsWith('-')) {
    const { options } = parseArgs(argv, GLOBAL_OPTIONS, 'adjoint');
    if (options.has('version')) io.out(`${version()}\n`);
    else io.out(mainHelp());
    return;
  }
  const spec = commandSpec(first);
  if (spec === undefined) {
    throw new UsageError(`unknown command '${first}'; the commands are ${COMMANDS.map((c) => c.name).join(', ')}`);
  }
  const args = parseArgs(argv.slice(1), spec.options, spec.name);
  if (args.options.has('help')) { io.out(commandHelp(spec)); return; }
  await RUN[spec.name](args, io);
}

export async function main(argv: readonly string[], io: MainIo): Promise<number> {
  try {
    await run(argv, io);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      const help = e.command !== undefined && e.command !== 'adjoint' ? `adjoint ${e.command} --help` : 'adjoint --help';
      io.err(`adjoint: ${e.message}\nRun '${help}' for usage.\n`);
      return 2;
    }
    if (e instanceof InputError || e instanceof AdjointError) {
      io.err(`adjoint: ${e.message}\n`);
      return 1;
    }
    // Not an error we expected: keep the stack, it is a bug to report.
    io.err(`adjoint: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return 1;
  }
}
