/**
 * Command-line arguments -> flags and positionals, checked against each command's table of
 * options. Anything wrong here is a UsageError: exit code 2 and a hint to run --help.
 */

/** A mistake in how the command was called (exit 2), as opposed to in the input (exit 1). */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  /** Long name without dashes: 'target' for --target. */
  readonly name: string;
  readonly short?: string;
  /** What the value is called in help ('FILE'); absent for on/off flags. */
  readonly value?: string;
  readonly choices?: readonly string[];
  readonly help: string;
}

export interface ParsedArgs {
  readonly options: ReadonlyMap<string, string | true>;
  readonly positionals: readonly string[];
}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], command: string): ParsedArgs {
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  const fail = (message: string): never => { throw new UsageError(message, command); };
  let onlyPositionals = false;
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') { positionals.push(arg); continue; }
    if (arg === '--') { onlyPositionals = true; continue; }
    const long = arg.startsWith('--');
    const eq = arg.indexOf('=');
    const key = long ? arg.slice(2, eq < 0 ? undefined : eq) : arg.slice(1, 2);
    const spec = specs.find((s) => (long ? s.name === key : s.short === key));
    if (spec === undefined) {
      const known = specs.map((s) => `--${s.name}`).join(', ');
      fail(`unknown option ${long ? `--${key}` : `-${key}`} for '${command}'${known === '' ? '' : `; its options are ${known}`}`);
    }
    const shown = `--${spec!.name}`;
    // --name=value, -ovalue, or the next argument.
    let value: string | true = true;
    if (long && eq >= 0) value = arg.slice(eq + 1);
    else if (!long && arg.length > 2) value = arg.slice(2).replace(/^=/, '');
    if (spec!.value === undefined) {
      if (value !== true) fail(`${shown} takes no value`);
    } else if (value === true) {
      if (k + 1 >= argv.length) fail(`${shown} needs a value: ${shown} ${spec!.value}`);
      value = argv[++k];
    }
    if (spec!.choices !== undefined && !spec!.choices.includes(value as string)) {
      fail(`${shown} must be ${spec!.choices.map((c) => `'${c}'`).join(', ').replace(/, ([^,]*)$/, ' or $1')}, got '${String(value)}'`);
    }
    if (options.has(spec!.name)) fail(`${shown} is given twice`);
    options.set(spec!.name, value);
  }
  return { options, positionals };
}

/** A flag's string value, or undefined when absent. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name);
  return typeof v === 'string' ? v : undefined;
}
