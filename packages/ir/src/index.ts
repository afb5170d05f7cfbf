export { AdjointError, quote } from './errors.js';
export {
  OP_NAMES, OP_CODE, OPS_BY_CODE, ARITY, ops, opName, isOpName, numericEmit, makeEmit, softplus,
  type OpName, type ComputeOp, type OpCode, type OpDef, type Kind, type Emit, type Vjp,
} from './ops.js';
export {
  GraphBuilder, F64, F32, BOOL, CONST, INPUT, DTYPE_NAMES, isLeaf, argArray,
  type Graph, type DType, type BuilderOptions,
} from './graph.js';
export { printGraph, printNode, parseGraph, formatNumber } from './text.js';
export { verifyGraph } from './verify.js';
export { interpret, evaluateAll, type MathOverrides } from './interp.js';
export { toFloat32 } from './precision.js';
export { gradientGraph, differentiateWithStats, type GradientOptions } from './gradient.js';
export {
  scheduleGraph, emittedInstructions, loopCounts, DEFAULT_CHUNK_SIZE,
  type Schedule, type ScheduleOptions, type Unit, type StraightUnit, type LoopUnit, type LoopInstr, type LoopOperand,
  type Carried, type Addr, type InnerLoop,
} from './schedule.js';
export { verifySchedule } from './verify-schedule.js';
export { findRuns, verifyRun, instructionTokens, type Run, type RerollOptions } from './reroll.js';
export { addrAt } from './loop-plan.js';
export { hashGraph, graphsEqual, checksum } from './hash.js';
export { unitText, affine, type TextSyntax, type Decl, type UnitText } from './text-units.js';
export {
  EXACT_RULES, FAST_RULES, foldConstants, simplify, cse, dce, rebuild, optimizeGradient, pipelinePasses, checkOptimize, DEFAULT_OPTIMIZE,
  type Rule, type PassResult, type OptimizeLevel, type PipelineOptions, type PassStat, type PipelineResult, type RuleCounts,
} from './passes/index.js';
