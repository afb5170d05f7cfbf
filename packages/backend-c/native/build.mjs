// Builds the native addon with node-gyp against the headers of the running Node (found next
// to its binary: <prefix>/include/node, as Debian and the official tarballs lay them out),
// so no header download is needed, and installs it as dist/adjoint_native.node.
//
// The install never writes into the existing file: a process that has the addon loaded maps
// that file, and rewriting it in place changes the code under it (two benchmark runs died of
// that). The new bytes go to a temporary file beside it, renamed over the old name: running
// processes keep the old inode, new ones load the new file. Identical bytes are left alone.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nodedir = resolve(process.execPath, '..', '..');
if (!existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) {
  console.error(`backend-c: Node's headers are not in ${nodedir}/include/node; install them (Debian: apt-get install libnode-dev) or set npm_config_nodedir`);
}
const gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
const args = [gyp, 'rebuild', '--silent', `--nodedir=${process.env.npm_config_nodedir ?? nodedir}`];
const r = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8' });
if (r.status !== 0) {
  process.stderr.write(r.stdout + r.stderr);
  console.error('backend-c: building the native addon failed (see above); it needs python3, make and a C compiler');
  process.exit(1);
}

const built = join(here, 'build', 'Release', 'adjoint_native.node');
const dist = join(here, '..', 'dist');
const target = join(dist, 'adjoint_native.node');
if (!existsSync(built)) {
  console.error(`backend-c: node-gyp succeeded but ${built} is missing; run \`node native/build.mjs\` again, or delete native/build and retry`);
  process.exit(1);
}
if (existsSync(target) && readFileSync(target).equals(readFileSync(built))) process.exit(0);

// Same directory as the target, so the rename is atomic; pid and time keep two builds apart.
const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
try {
  mkdirSync(dist, { recursive: true });
  copyFileSync(built, tmp);
  renameSync(tmp, target);
} catch (e) {
  rmSync(tmp, { force: true });
  console.error(`backend-c: cannot install the native addon as ${target}: ${e.message} — check that dist/ is writable and has free space`);
  process.exit(1);
}
