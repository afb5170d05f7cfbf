/**
 * The entry bundlers pick for browsers (the "browser" condition in package.json): the same
 * names as index.ts, so code importing the package (as @adjoint/jit does) bundles without
 * node: modules. Generating C works; running a C compiler or loading native code needs Node,
 * so those functions throw an error that says so, and nativeAvailable() is false.
 */
import { AdjointError } from '@adjoint/ir';
import type * as background from './background.js';
import type * as cache from './cache.js';
import type * as native from './native.js';
import type * as prune from './prune.js';
import type * as toolchain from './toolchain.js';

export * from './portable.js';
export type {
  CacheLookup, CCompiler, CompilerKind, BuildOptions, BuiltLibrary, BuiltExecutable, CheckOptions, CheckResult,
} from './toolchain.js';
export type { KernelLayout, NativeKernel } from './native.js';
export type { BackgroundBuild, BuildOutcome } from './background.js';
export { BUILDING, BUILT, FAILED } from './build-status.js';
export type { CacheOptions, BuildCacheStats, PruneResult } from './prune.js';

function needsNode(name: string): never {
  throw new AdjointError('needs-node',
    `${name} runs a C compiler or loads native code, which needs Node.js; in a browser, generate the C source (compileToC) or use the 'js' or 'wasm' backend`);
}

export const findCompiler: typeof toolchain.findCompiler = () => needsNode('findCompiler');
export const buildSharedLibrary: typeof toolchain.buildSharedLibrary = () => needsNode('buildSharedLibrary');
export const lookupSharedLibrary: typeof toolchain.lookupSharedLibrary = () => needsNode('lookupSharedLibrary');
export const startBackgroundBuild: typeof background.startBackgroundBuild = () => needsNode('startBackgroundBuild');
export const checkCompiles: typeof toolchain.checkCompiles = () => needsNode('checkCompiles');
export const buildExecutable: typeof toolchain.buildExecutable = () => needsNode('buildExecutable');
export const loadNativeKernel: typeof native.loadNativeKernel = () => needsNode('loadNativeKernel');
export const nativeAvailable: typeof native.nativeAvailable = () => false;
export const nativeUnavailable: typeof toolchain.nativeUnavailable = () =>
  'compiled C runs only in Node.js; in a browser, generate the C source (compileToC) or use the \'js\' or \'wasm\' backend';
export const cacheDirectory: typeof cache.cacheDirectory = () => needsNode('cacheDirectory');
export const buildCacheStats: typeof prune.buildCacheStats = () => needsNode('buildCacheStats');
export const pruneBuildCache: typeof prune.pruneBuildCache = () => needsNode('pruneBuildCache');
export const clearBuildCache: typeof prune.clearBuildCache = () => needsNode('clearBuildCache');
