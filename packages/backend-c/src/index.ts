export * from './portable.js';
export {
  findCompiler, buildSharedLibrary, checkCompiles, buildExecutable,
  type CCompiler, type CompilerKind, type BuildOptions, type BuiltLibrary, type BuiltExecutable, type CheckOptions, type CheckResult,
} from './toolchain.js';
export { loadNativeKernel, nativeAvailable, type KernelLayout, type NativeKernel } from './native.js';
export { cacheDirectory } from './cache.js';
export {
  buildCacheStats, pruneBuildCache, clearBuildCache,
  type CacheOptions, type BuildCacheStats, type PruneResult,
} from './prune.js';
