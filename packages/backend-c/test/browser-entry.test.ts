/**
 * The browser entry (src/browser.ts, the "browser" condition of package.json): it exports
 * every name the Node entry does, so a bundler that picks it never misses an import; nothing
 * it loads imports a node: module; and the functions that need Node say so.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { AdjointError } from '@adjoint/ir';
import * as browser from '../src/browser.js';
import * as node from '../src/index.js';

const SRC = new URL('../src/', import.meta.url);

/** The modules a file loads at run time (type-only imports and exports are erased). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(new URL(file, SRC), 'utf8');
  return [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
}

describe('the browser entry', () => {
  test('exports the same names as the Node entry', () => {
    expect(Object.keys(browser).sort()).toEqual(Object.keys(node).sort());
  });

  test('loads no node: module, directly or through the files it imports', () => {
    const seen = new Set<string>();
    const queue = ['browser.ts'];
    const external: string[] = [];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of runtimeImports(file)) {
        if (spec.startsWith('./')) queue.push(spec.slice(2).replace(/\.js$/, '.ts'));
        else external.push(spec);
      }
    }
    expect(seen.has('codegen.ts')).toBe(true);
    expect(seen.has('toolchain.ts') || seen.has('native.ts') || seen.has('cache.ts') || seen.has('prune.ts')).toBe(false);
    expect(external.filter((s) => s.startsWith('node:'))).toEqual([]);
  });

  test('generates the same C as the Node entry', () => {
    expect(browser.generateC).toBe(node.generateC);
    expect(browser.sharedLibraryFlags('gcc', 2)).toEqual(node.sharedLibraryFlags('gcc', 2));
  });

  test('what needs Node throws an error that says so; nativeAvailable is false', () => {
    expect(browser.nativeAvailable()).toBe(false);
    expect(browser.nativeUnavailable()).toMatch(/only in Node\.js/);
    for (const call of [() => browser.findCompiler(), () => browser.buildSharedLibrary('int x;'), () => browser.loadNativeKernel('a.so', 'f', { nInputs: 1, nParams: 1, workspace: 0, precision: 'f64' }),
      () => browser.buildCacheStats(), () => browser.pruneBuildCache(), () => browser.clearBuildCache()]) {
      expect(call).toThrow(AdjointError);
      expect(call).toThrow(/needs Node\.js/);
    }
  });

  test('package.json sends browser bundlers to it', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, Record<string, string>> };
    expect(pkg.exports['.'].browser).toBe('./dist/browser.js');
  });
});
