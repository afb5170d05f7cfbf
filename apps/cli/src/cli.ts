#!/usr/bin/env node
/** The `adjoint` executable: run main and exit with its code (main.ts has the rest). */
import { main } from './main.js';

const code = await main(process.argv.slice(2), {
  out: (text) => { process.stdout.write(text); },
  err: (text) => { process.stderr.write(text); },
});
// exitCode rather than exit(): stdout may still be draining into a pipe.
process.exitCode = code;
