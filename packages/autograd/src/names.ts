/**
 * Named leaves by name, for the trace's checks (duplicate names, inputs missing from
 * options.inputs). An open-addressing table of indices over a string hash: a W1 trace with
 * 10^6 params spent a second in a Map<string, Value>, this takes a fifth of that and puts
 * nothing on the garbage-collected heap but one array.
 */
import type { Value } from './value.js';

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

export class NameTable {
  private readonly values: Value[] = [];
  /** values index + 1 per slot, 0 = empty; at most half full. */
  private table = new Int32Array(64);

  /** The Value named `name`, if any. */
  get(name: string): Value | undefined {
    const mask = this.table.length - 1;
    for (let h = hash(name) & mask; this.table[h] !== 0; h = (h + 1) & mask) {
      const v = this.values[this.table[h] - 1];
      if (v.paramName === name) return v;
    }
    return undefined;
  }

  /** Adds `v` under its name, unless a Value has that name already: then returns that one. */
  claim(v: Value): Value | undefined {
    const name = v.paramName!;
    const mask = this.table.length - 1;
    let h = hash(name) & mask;
    for (; this.table[h] !== 0; h = (h + 1) & mask) {
      const other = this.values[this.table[h] - 1];
      if (other.paramName === name) return other;
    }
    this.values.push(v);
    this.table[h] = this.values.length;
    if (this.values.length * 2 > this.table.length) this.grow();
    return undefined;
  }

  private grow(): void {
    this.table = new Int32Array(this.table.length * 2);
    const mask = this.table.length - 1;
    for (let k = 0; k < this.values.length; k++) {
      let h = hash(this.values[k].paramName!) & mask;
      while (this.table[h] !== 0) h = (h + 1) & mask;
      this.table[h] = k + 1;
    }
  }
}
