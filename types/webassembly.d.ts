/**
 * The WebAssembly JS API, as far as the tests use it: Node 20's @types/node declares no
 * `WebAssembly` and the project compiles without the DOM lib. Test files only (see
 * tsconfig.test.json); the packages type the few members they use themselves (wasm-api.ts).
 */
declare namespace WebAssembly {
  interface Memory { readonly buffer: ArrayBuffer }
  interface Global { value: unknown }
  interface Instance { readonly exports: Record<string, unknown> }
  interface ModuleImportDescriptor { module: string; name: string; kind: string }
  class Module {
    constructor(bytes: Uint8Array);
    static imports(module: Module): ModuleImportDescriptor[];
    static exports(module: Module): { name: string; kind: string }[];
  }
  function validate(bytes: Uint8Array): boolean;
  function compile(bytes: Uint8Array): Promise<Module>;
  function instantiate(bytes: Uint8Array, imports?: object): Promise<{ module: Module; instance: Instance }>;
  function instantiate(module: Module, imports?: object): Promise<Instance>;
}
