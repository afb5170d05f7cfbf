export { Value, CompilableValue, topoOrder, type Operand } from './value.js';
export { traceValue, type Trace, type TraceOptions } from './trace.js';
