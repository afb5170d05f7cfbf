/** The text form (.wat) of a module's bytes, for inspectGeneratedCode and error reports. */
import type { Binaryen } from './binaryen.js';

export function watText(binaryen: Binaryen, bytes: Uint8Array): string {
  const m = binaryen.readBinary(bytes);
  try {
    return m.emitText();
  } finally {
    m.dispose();
  }
}
