/**
 * A small seeded PRNG of our own: xorshift32 for the state, plus an output mix because
 * xorshift's low bits are weak. Deterministic per seed on every platform (integer math only),
 * which is all a conformance suite needs: a failing seed reproduces anywhere.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    // Scramble the seed so nearby seeds start far apart; xorshift's state must not be 0.
    let z = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    this.state = z === 0 ? 0x6d2b79f5 : z;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    let z = Math.imul(this.state ^ (this.state >>> 16), 0x7feb352d);
    z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.u32() >>> 5;   // 27 bits
    const lo = this.u32() >>> 6;   // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}
