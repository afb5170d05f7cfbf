/**
 * The values of a background build's status word (background.ts): what the worker stores
 * when it is done, and what a caller compares with one Atomics.load. Its own module so the
 * browser entry can export them without loading worker_threads.
 */
export const BUILDING = 0;
export const BUILT = 1;
export const FAILED = 2;
