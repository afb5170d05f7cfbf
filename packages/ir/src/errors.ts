/**
 * The one error type every Adjoint package throws for bad input. The message names the
 * problem and the fix; `code` is stable, so callers can branch on it without parsing text.
 */
export class AdjointError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'AdjointError';
    this.code = code;
  }
}

/** Quote a user string for an error message (never for generated code). */
export function quote(s: string): string {
  return JSON.stringify(s);
}
