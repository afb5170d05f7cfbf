/**
 * @adjoint/jit — the package users import. Build a graph with Value / CompilableValue,
 * compile its gradient once, call it many times.
 */
export { Value, CompilableValue, type Operand } from '@adjoint/autograd';
export { AdjointError, GraphBuilder, parseGraph, printGraph, type Graph } from '@adjoint/ir';
export {
  compileGradientFunction, compileGraphGradient, inspectGeneratedCode, inspectIR, serializeCompiledFunction, loadCompiledFunction,
  compileStats, compileToC, compileToWasm, compileToWasmAsync, compileGradientFunctionAsync, loadWasmBackend, nativeReady,
  type CSourceOptions, type WasmModuleOptions, type CompileOptions, type CompileStep, type GraphCompileOptions, type PassStat, type RerollThresholds, type CompileStats, type BackendName, type NativeStatus,
} from './compile.js';
export { type GradFn } from './gradfn.js';
export { measureCompilationTime, measureExecutionTime } from './measure.js';
export { compileCacheStats, clearCompileCache } from './cache.js';
