/** Value types: the two float widths, and the bool a comparison makes. */
export const F64 = 0;
export const F32 = 1;
export const BOOL = 2;
export type DType = typeof F64 | typeof F32 | typeof BOOL;
export const DTYPE_NAMES = ['f64', 'f32', 'bool'] as const;
