export * from './portable.js';
export {
  findCompiler, nativeUnavailable, buildSharedLibrary, lookupSharedLibrary, checkCompiles, buildExecutable,
  type CacheLookup, type CCompiler, type CompilerKind, type BuildOptions, type BuiltLibrary, type BuiltExecutable, type CheckOptions, type CheckResult,
} from './toolchain.js';
export { loadNativeKernel, nativeAvailable, type KernelLayout, type NativeKernel } from './native.js';
export { cacheDirectory } from './cache.js';
export { startBackgroundBuild, type BackgroundBuild, type BuildOutcome } from './background.js';
export { BUILDING, BUILT, FAILED } from './build-status.js';
export {
  buildCacheStats, pruneBuildCache, clearBuildCache,
  type CacheOptions, type BuildCacheStats, type PruneResult,
} from './prune.js';
