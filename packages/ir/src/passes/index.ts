export { EXACT_RULES, FAST_RULES, type Rule, type Pattern, type Match } from './rules.js';
export { ruleTable, applyRules, type RuleTable, type RuleCounts } from './match.js';
export { rebuild, foldConstants, simplify, cse, dce, type PassResult } from './passes.js';
export {
  optimizeGradient, pipelinePasses, checkOptimize, DEFAULT_OPTIMIZE, type OptimizeLevel, type PipelineOptions, type PassStat, type PipelineResult,
} from './pipeline.js';
