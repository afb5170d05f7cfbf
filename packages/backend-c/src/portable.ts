/**
 * Everything of the package that is plain code generation: no compiler, no file system, no
 * native addon. Both entries export it: index.ts (Node) adds the toolchain and the loader,
 * browser.ts stand-ins that say they need Node.
 */
export { generateC, commentText, type CProgram, type CGenOptions } from './codegen.js';
export { cLiteral, cRenders, cType, helperSource, type Precision, type CType } from './render.js';
export { checkCName, checkPrecision, checkMaxStackBytes, DEFAULT_C_NAME, DEFAULT_MAX_STACK_BYTES, type COptions } from './options.js';
export { mathProbeSource, LIBM_OPS, PROBE_NAME } from './probe.js';
export { sharedLibraryFlags, STRICT_C99_FLAGS } from './flags.js';
