// Builds the native addon with node-gyp against the headers of the running Node (found next
// to its binary: <prefix>/include/node, as Debian and the official tarballs lay them out),
// so no header download is needed, and copies it to dist/adjoint_native.node.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
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
mkdirSync(join(here, '..', 'dist'), { recursive: true });
copyFileSync(join(here, 'build', 'Release', 'adjoint_native.node'), join(here, '..', 'dist', 'adjoint_native.node'));
