/**
 * The WebAssembly JS API members this package uses, typed here: Node 20's @types/node
 * declares no `WebAssembly`, and the project's lib setting has no DOM. Nothing global is
 * declared, so this works whatever lib a consumer compiles with.
 */
export interface WasmInstance {
  readonly exports: Readonly<Record<string, unknown>>;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
export interface WasmGlobal {
  readonly value: unknown;
}
/** A compiled `WebAssembly.Module`. */
export interface WasmCompiled {
  readonly __wasmModule?: never;
}
export type WasmImports = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => WasmCompiled;
  readonly Instance: new (module: WasmCompiled, imports?: WasmImports) => WasmInstance;
  compile(bytes: Uint8Array): Promise<WasmCompiled>;
  instantiate(module: WasmCompiled, imports?: WasmImports): Promise<WasmInstance>;
}

export const wasmApi: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
