export { jsRender, jsLiteral, type JsRender } from './render.js';
export { generateJs, compileFactory, type JsProgram, type RunFn, type JsFactory } from './codegen.js';
export { serializeProgram, parseSerialized, FORMAT_HEADER, type SerializedMeta } from './serialize.js';
