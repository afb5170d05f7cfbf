/**
 * The serialized form of a compiled JS gradient: a text file that loads without the
 * compiler. Layout, line by line:
 *
 *   // adjoint-js-gradient v1
 *   // checksum <14 hex digits over everything below this line>
 *   // meta <one line of JSON: names, defaults, spill size>
 *   <the factory source>
 *
 * `parseSerialized` checks the header and the checksum before anything is evaluated. The
 * checksum detects corruption and casual edits; it is not a signature.
 */
import { AdjointError, checksum } from '@adjoint/ir';

export const FORMAT_HEADER = '// adjoint-js-gradient v1';
/** A bound on the spill buffer a file may ask for (2^27 doubles = 1 GiB). */
const MAX_SPILL = 2 ** 27;

export interface SerializedMeta {
  /** Input names in argument order: params first. */
  readonly inputNames: readonly string[];
  readonly nParams: number;
  /** Default input values (the traced data), written with String() so NaN/Infinity survive. */
  readonly defaults: readonly string[];
  readonly nSpill: number;
}

export function serializeProgram(source: string, meta: SerializedMeta): string {
  // JSON.stringify escapes \n and \r but not U+2028/U+2029, which also end a JS comment:
  // escape them too, so the meta stays one comment line whatever the names hold.
  const json = JSON.stringify(meta).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const body = `// meta ${json}\n${source}\n`;
  return `${FORMAT_HEADER}\n// checksum ${checksum(body)}\n${body}`;
}

export function parseSerialized(text: string): { source: string; meta: SerializedMeta } {
  if (typeof text !== 'string') {
    const buffer = text !== null && typeof text === 'object' && ArrayBuffer.isView(text);
    throw new AdjointError('bad-serialized', buffer
      ? "loadCompiledFunction needs a string, got bytes; read the file as text: fs.readFileSync(path, 'utf-8')"
      : `loadCompiledFunction needs the string from serializeCompiledFunction, got ${typeof text}`);
  }
  const fail = (why: string): never => {
    throw new AdjointError('bad-serialized', `this is not a valid serialized Adjoint gradient: ${why}; serialize it again with serializeCompiledFunction`);
  };
  const norm = text.replace(/\r\n/g, '\n');
  const first = norm.indexOf('\n');
  if (first < 0 || norm.slice(0, first) !== FORMAT_HEADER) fail(`the first line must be "${FORMAT_HEADER}"`);
  const second = norm.indexOf('\n', first + 1);
  const sumLine = norm.slice(first + 1, second);
  const m = /^\/\/ checksum ([0-9a-f]{14})$/.exec(sumLine);
  if (second < 0 || !m) fail('the second line must be "// checksum <hex>"');
  const body = norm.slice(second + 1);
  if (checksum(body) !== m![1]) fail('the checksum does not match (the file was changed or corrupted)');
  const third = body.indexOf('\n');
  const metaLine = body.slice(0, third);
  if (!metaLine.startsWith('// meta ')) fail('missing the "// meta" line');
  let meta: SerializedMeta;
  try {
    meta = JSON.parse(metaLine.slice(8)) as SerializedMeta;
  } catch {
    return fail('the meta line is not valid JSON');
  }
  const ok = Array.isArray(meta.inputNames) && meta.inputNames.every((n) => typeof n === 'string')
    && Number.isInteger(meta.nParams) && meta.nParams >= 0 && meta.nParams <= meta.inputNames.length
    && Array.isArray(meta.defaults) && meta.defaults.length === meta.inputNames.length
    && Number.isInteger(meta.nSpill) && meta.nSpill >= 0 && meta.nSpill <= MAX_SPILL;
  if (!ok) fail('the meta line is missing fields');
  return { source: body.slice(third + 1).replace(/\n$/, ''), meta };
}
