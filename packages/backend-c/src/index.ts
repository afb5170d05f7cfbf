export { generateC, commentText, type CProgram, type CGenOptions } from './codegen.js';
export { cLiteral, cRenders, cType, helperSource, type Precision, type CType } from './render.js';
export { checkCName, checkPrecision, checkMaxStackBytes, DEFAULT_C_NAME, DEFAULT_MAX_STACK_BYTES, type COptions } from './options.js';
export { mathProbeSource, LIBM_OPS, PROBE_NAME } from './probe.js';
export {
  findCompiler, buildSharedLibrary, checkCompiles, buildExecutable, sharedLibraryFlags, STRICT_C99_FLAGS,
  type CCompiler, type CompilerKind, type BuildOptions, type BuiltLibrary, type BuiltExecutable, type CheckOptions, type CheckResult,
} from './toolchain.js';
export { loadNativeKernel, nativeAvailable, type KernelLayout, type NativeKernel } from './native.js';
export { cacheDirectory } from './cache.js';
