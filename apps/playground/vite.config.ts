/**
 * The playground is built from the packages' TypeScript sources (as the tests run them), so
 * the dev server reloads on a library edit and a build never bundles a stale dist/.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Alias } from 'vite';

const packages = fileURLToPath(new URL('../../packages/', import.meta.url));

/**
 * `@adjoint/NAME` -> the source of the entry a browser bundler picks: the "browser" condition
 * of the package's exports where there is one (backend-c: code generation without the
 * compiler driver and the native loader), else the default.
 */
function sourceAliases(): Alias[] {
  return readdirSync(packages).map((name) => {
    const entry = (JSON.parse(readFileSync(`${packages}${name}/package.json`, 'utf8')) as PackageJson).exports['.'];
    const dist = entry.browser ?? entry.default;
    return { find: new RegExp(`^@adjoint/${name}$`), replacement: `${packages}${name}/${dist.replace(/^\.\/dist\/(.+)\.js$/, 'src/$1.ts')}` };
  });
}

interface PackageJson {
  readonly exports: { readonly '.': { readonly browser?: string; readonly default: string } };
}

export default defineConfig({
  // Relative asset paths: the built site works from any directory it is served from.
  base: './',
  resolve: {
    alias: [
      ...sourceAliases(),
      // binaryen's Emscripten loader imports node:module only when it runs in Node.
      { find: /^node:module$/, replacement: fileURLToPath(new URL('src/node-module-stub.ts', import.meta.url)) },
    ],
  },
  build: {
    target: 'es2022',
    // binaryen is a 15 MB chunk of its own, loaded once the page is up; everything else is small.
    chunkSizeWarningLimit: 16_000,
    // Rolldown warns when plugins take a large share of a build, which depends on how busy the
    // machine is, not on the code; the test that asserts a warning-free build would flake.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
