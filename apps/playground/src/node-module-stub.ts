/**
 * Stands in for `node:module` in the browser build. binaryen's loader imports it only inside
 * `if (running in Node)`, so this is never called; if it were, it says why.
 */
export function createRequire(): never {
  throw new Error('node:module is not available in a browser');
}
