// Derives every constant of the embedded libm and writes ./coefficients.ts.
//   node packages/backend-wasm/src/libm/fit.mjs
// Run once; the output is committed. Real numbers are BigInt fixed point with PREC fraction
// bits (far more than a double needs), so the series below are evaluated exactly enough and the
// only error left in a polynomial is the one the fit chooses. Each polynomial is a weighted
// minimax (Remez exchange) fit; its coefficients are rounded to doubles one at a time, refitting
// the rest after each rounding so the later ones absorb the earlier rounding errors.
import { writeFileSync } from 'node:fs';

const PREC = 400n;
const ONE = 1n << PREC;
const SCALE = 2 ** 400;

// ---- fixed point ----------------------------------------------------------------------------
const dv = new DataView(new ArrayBuffer(8));
/** Exact fixed-point value of a double (values below 2^-400 truncate; none are used). */
function fx(x) {
  if (x === 0) return 0n;
  dv.setFloat64(0, x);
  const bits = dv.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  let m = bits & ((1n << 52n) - 1n);
  if (e !== 0) m |= 1n << 52n;
  const sh = BigInt((e === 0 ? 1 : e) - 1075) + PREC;
  const v = sh >= 0n ? m << sh : m >> -sh;
  return bits >> 63n ? -v : v;
}
/** Nearest double (Number(bigint) rounds to nearest; dividing by 2^400 is exact). */
const dbl = (a) => Number(a) / SCALE;
// products truncate toward zero, so a shrinking series reaches exactly 0 from either side
const mul = (a, b) => { const p = a * b; return p < 0n ? -((-p) >> PREC) : p >> PREC; };
const div = (a, b) => (a << PREC) / b;
const abs = (a) => (a < 0n ? -a : a);
function isqrt(n) {   // floor(sqrt(n)) for n >= 0
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1);
  for (;;) { const y = (x + n / x) >> 1n; if (y >= x) return x; x = y; }
}
const sqrtF = (a) => isqrt(a << PREC);
/** Sums terms until they vanish at this precision. */
function series(first, next) {
  let sum = 0n;
  for (let t = first, n = 0; t !== 0n; t = next(t, ++n)) sum += t;
  return sum;
}
const expm1F = (x) => series(x, (t, n) => mul(t, x) / BigInt(n + 1));            // x^n/n!
function atanhF(x) { const z = mul(x, x); let sum = 0n; for (let n = 0, t = x; t !== 0n; n++, t = mul(t, z)) sum += t / BigInt(2 * n + 1); return sum; }
const logF = (x) => 2n * atanhF(div(x - ONE, x + ONE));                               // x near 1
const atanSmallF = (x) => { const z = mul(x, x); let sum = 0n, t = x; for (let n = 0; t !== 0n; n++, t = -mul(t, z)) sum += t / BigInt(2 * n + 1); return sum; };

// pi to 1400 bits (Machin), for the 2/pi words as well as everything below.
function piBits(bits) {
  const P = BigInt(bits + 16);
  const atanInv = (k) => { let sum = 0n, t = (1n << P) / k, n = 0n; const k2 = k * k; while (t !== 0n) { sum += (n % 2n ? -t : t) / (2n * n + 1n); t /= k2; n++; } return sum; };
  return 16n * atanInv(5n) - 4n * atanInv(239n);   // pi * 2^(bits+16)
}
const PI_BIG = piBits(1400);   // pi * 2^1416
const PI = PI_BIG >> (1416n - PREC);
const LN2 = logF(2n * ONE);

/** `a` rounded to `bits` significant bits, as a double (exact when bits <= 53). */
function roundBits(a, bits) {
  const len = BigInt(abs(a).toString(2).length);
  const drop = len - BigInt(bits);
  if (drop <= 0n) return dbl(a);
  const q = (abs(a) + (1n << (drop - 1n))) >> drop;
  return dbl((a < 0n ? -q : q) << drop);
}
/** [hi, lo]: hi = a to `bits` bits, lo = the rest rounded to a double. */
function split(a, bits = 53) { const hi = roundBits(a, bits); return [hi, dbl(a - fx(hi))]; }

// ---- Remez -----------------------------------------------------------------------------------
/** Solves A x = y in fixed point (Gaussian elimination with partial pivoting). */
function solve(A, y) {
  const n = y.length;
  const M = A.map((row, i) => [...row, y[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (abs(M[r][c]) > abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = div(M[r][c], M[c][c]);
      for (let k = c; k <= n; k++) M[r][k] -= mul(f, M[c][k]);
    }
  }
  const x = new Array(n).fill(0n);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= mul(M[r][k], x[k]);
    x[r] = div(s, M[r][r]);
  }
  return x;
}

/**
 * Weighted minimax fit of g(z) = f(z) - sum(fixed) on [a, b] by sum_j c_j z^powers[j]:
 * minimizes max |w(z) (p(z) - g(z))|. f returns fixed point, w a double (w(z) = 0 is allowed
 * at an end: such a point is never an extremum).
 */
function remez(spec, powers, fixed) {
  const { a, b, w } = spec;
  const n = powers.length;
  const g = (z) => {
    let v = spec.fc(z);
    for (const [p, c] of fixed) v -= mul(c, zPow(z, p));
    return v;
  };
  const err = (c, z) => {   // powers are consecutive: Horner, then shift by z^powers[0]
    let p = 0n;
    const zf = fx(z);
    for (let j = n - 1; j >= 0; j--) p = mul(p, zf) + c[j];
    return w(z) * dbl(mul(p, zPow(z, powers[0])) - g(z));
  };
  const G = 1200;
  const grid = Array.from({ length: G }, (_, k) => a + ((b - a) * (1 - Math.cos((Math.PI * k) / (G - 1)))) / 2);
  let ref = Array.from({ length: n + 1 }, (_, i) => a + ((b - a) * (1 - Math.cos((Math.PI * (i + 0.5)) / (n + 1)))) / 2);
  let c = null;
  let maxErr = Infinity;
  for (let iter = 0; iter < 25; iter++) {
    const A = ref.map((z, i) => [...powers.map((p) => mul(fx(w(z)), zPow(z, p))), (i % 2 ? ONE : -ONE)]);
    const y = ref.map((z) => mul(fx(w(z)), g(z)));
    c = solve(A, y).slice(0, n);
    // extrema of the error: the largest |e| in each run of one sign, refined by golden section
    const e = grid.map((z) => err(c, z));
    const ext = [];
    for (let k = 0; k < G;) {
      if (e[k] === 0) { k++; continue; }
      const s = Math.sign(e[k]);
      let best = k;
      let j = k;
      for (; j < G && Math.sign(e[j]) !== -s; j++) if (Math.abs(e[j]) > Math.abs(e[best])) best = j;
      let lo = grid[Math.max(best - 1, 0)], hi = grid[Math.min(best + 1, G - 1)];
      for (let it = 0; it < 30; it++) {
        const m1 = hi - (hi - lo) / 1.618, m2 = lo + (hi - lo) / 1.618;
        if (Math.abs(err(c, m1)) > Math.abs(err(c, m2))) hi = m2; else lo = m1;
      }
      const zb = (lo + hi) / 2;
      const eb = err(c, zb);
      ext.push(Math.abs(eb) > Math.abs(e[best]) ? [zb, eb] : [grid[best], e[best]]);
      k = j;
    }
    while (ext.length > n + 1) {
      let i = 0;
      for (let k = 1; k < ext.length; k++) if (Math.abs(ext[k][1]) < Math.abs(ext[i][1])) i = k;
      if (i === 0 || i === ext.length - 1 || ext.length - (n + 1) < 2) {
        ext.splice(Math.abs(ext[0][1]) < Math.abs(ext[ext.length - 1][1]) ? 0 : ext.length - 1, 1);
      } else {
        ext.splice(Math.abs(ext[i - 1][1]) < Math.abs(ext[i + 1][1]) ? i - 1 : i, 2);
      }
    }
    const mags = ext.map((p) => Math.abs(p[1]));
    maxErr = Math.max(...mags);
    if (ext.length < n + 1) break;   // the error is down at the precision floor
    ref = ext.map((p) => p[0]);
    if (maxErr - Math.min(...mags) <= 1e-3 * maxErr) break;
  }
  return { c, maxErr };
}
const zPow = memo2((z, p) => { let r = ONE; const zf = fx(z); for (let i = 0; i < p; i++) r = mul(r, zf); return r; });
function memo2(f) { const m = new Map(); return (z, p) => { const k = `${z}/${p}`; let v = m.get(k); if (v === undefined) { v = f(z, p); m.set(k, v); } return v; }; }

/** Fit, then round coefficients to doubles one by one (lowest power first), refitting the rest. */
function fitRounded(spec, degree) {
  const powers = Array.from({ length: degree + 1 }, (_, j) => j);
  const fixed = [];
  const out = [];
  let maxErr = 0;
  for (let j = 0; j <= degree; j++) {
    const r = remez(spec, powers.slice(j), fixed);
    const cj = dbl(r.c[0]);
    out.push(cj);
    fixed.push([j, fx(cj)]);
    maxErr = r.maxErr;
  }
  return { coeffs: out, maxErr };
}

/** The lowest degree whose rounded fit meets the target (weighted error <= 2^-target). */
function fit(name, spec) {
  const t0 = Date.now();
  for (let d = spec.minDegree ?? 3; d < 40; d++) {
    const exact = remez(spec, Array.from({ length: d + 1 }, (_, j) => j), []);
    if (process.env.FIT_DEBUG) console.log(name, d, Math.log2(exact.maxErr), Date.now() - t0);
    if (exact.maxErr > 0.7 * 2 ** -spec.target) continue;
    const r = fitRounded(spec, d);
    if (r.maxErr <= 2 ** -spec.target) {
      console.log(`${name}: degree ${d}, weighted error 2^${Math.log2(r.maxErr).toFixed(1)} (${Date.now() - t0} ms)`);
      return { ...r, log2Err: Math.log2(r.maxErr) };
    }
  }
  throw new Error(`${name}: no degree below 40 reaches 2^-${spec.target}`);
}

// ---- the target functions, each as a series in z -------------------------------------------
const memo = (f) => { const m = new Map(); return (z) => { let v = m.get(z); if (v === undefined) { v = f(z); m.set(z, v); } return v; }; };
// sum_{n>=0} sign^n z^n / den(n) for den growing fast enough
function zSeries(z, den, alternate = false) {
  const zf = fx(z);
  let sum = 0n;
  for (let n = 0, pw = ONE; pw !== 0n; n++, pw = mul(pw, zf)) {
    const t = pw / den(n);
    if (t === 0n) break;   // terms only shrink from here on
    sum += alternate && n % 2 ? -t : t;
  }
  return sum;
}
const facts = [1n];
function factorial(n) { while (facts.length <= n) facts.push(facts[facts.length - 1] * BigInt(facts.length)); return facts[n]; }
const rel = (z, f) => (z === 0 ? 1 : f(z));   // x/f(x) -> 1 at 0

const specs = {
  // e^r = 1 + r + r^2/2 + r^3 P(r); error weighted relative to expm1(r) (the stricter of exp/expm1)
  EXP: { a: -0.3466, b: 0.3466, target: 63, minDegree: 6,
    fc: memo((r) => { const x = fx(r); let sum = 0n, t = ONE / 6n; for (let n = 3; t !== 0n; n++) { sum += t; t = mul(t, x) / BigInt(n + 1); } return sum; }),
    w: (r) => r * r * rel(r, (x) => x / Math.expm1(x)) },
  // log(m) = 2s + s z R(z), s = (m-1)/(m+1), z = s^2, |s| <= (sqrt2-1)/(sqrt2+1)
  LOG: { a: 0, b: 0.02944, target: 63, fc: memo((z) => zSeries(z, (n) => BigInt(2 * n + 3)) * 2n), w: (z) => z / 2 },
  // pow: log(m/c) = u (1 + z/3 + z^2 Q(z)), u = 2s, |s| <= 0.0585; Q carries the relative error
  POW_LOG: { a: 0, b: 0.0035, target: 74, fc: memo((z) => zSeries(z, (n) => BigInt(2 * n + 5))), w: (z) => z * z },
  // sin(r) = r + r^3 S(r^2) on |r| <= pi/4
  SIN: { a: 0, b: 0.6171, target: 63, fc: memo((z) => -zSeries(z, (n) => factorial(2 * n + 3), true)), w: (z) => z * rel(z, (q) => Math.sqrt(q) / Math.sin(Math.sqrt(q))) },
  // cos(r) = 1 - r^2/2 + r^4 C(r^2)
  COS: { a: 0, b: 0.6171, target: 63, fc: memo((z) => zSeries(z, (n) => factorial(2 * n + 4), true)), w: (z) => (z * z) / Math.cos(Math.sqrt(z)) },
  // cosh(x) = 1 + x^2/2 + x^4 K(x^2) on |x| <= 1/2
  COSH: { a: 0, b: 0.2501, target: 63, fc: memo((z) => zSeries(z, (n) => factorial(2 * n + 4))), w: (z) => (z * z) / Math.cosh(Math.sqrt(z)) },
  // sinh(x) = x + x^3 H(x^2) on |x| <= 1
  SINH: { a: 0, b: 1.0001, target: 63, fc: memo((z) => zSeries(z, (n) => factorial(2 * n + 3))), w: (z) => z * rel(z, (q) => Math.sqrt(q) / Math.sinh(Math.sqrt(q))) },
  // tanh(x) = x + x^3 T(x^2) on |x| <= 0.55
  TANH: { a: 0, b: 0.3026, target: 63,
    fc: memo((z) => {
      if (z < 2 ** -80) return -ONE / 3n + (fx(z) * 2n) / 15n;
      const x = sqrtF(fx(z));
      const e = expm1F(2n * x);
      const t = div(e, e + 2n * ONE);
      return div(t - x, mul(x, fx(z)));
    }),
    w: (z) => z * rel(z, (q) => Math.sqrt(q) / Math.tanh(Math.sqrt(q))) },
  // asin(x) = x + x z A(z), z = x^2 <= 1/4 (also the w = (1-|x|)/2 branch)
  ASIN: { a: 0, b: 0.25, target: 63,
    fc: memo((z) => {
      const zf = fx(z);
      let sum = 0n, g = ONE / 2n, pw = ONE;   // g_n = (2n)!/(4^n n!^2), from n = 1
      for (let n = 1; pw !== 0n; n++) { sum += mul(g, pw) / BigInt(2 * n + 1); g = (g * BigInt(2 * n + 1)) / BigInt(2 * n + 2); pw = mul(pw, zf); }
      return sum;
    }),
    w: (z) => z * rel(z, (q) => Math.sqrt(q) / Math.asin(Math.sqrt(q))) },
  // atan(v) = v + v z T(z), |v| <= 0.375 (the widest of the five argument regions)
  ATAN: { a: 0, b: 0.1407, target: 63, fc: memo((z) => -zSeries(z, (n) => BigInt(2 * n + 3), true)), w: (z) => z * rel(z, (q) => Math.sqrt(q) / Math.atan(Math.sqrt(q))) },
};

const fits = {};
for (const [name, spec] of Object.entries(specs)) fits[name] = fit(name, spec);

// ---- constants -------------------------------------------------------------------------------
const PIO2 = PI / 2n;
// pi/2 in four pieces: the first three have 31 bits, so n * piece is exact for n < 2^22
const p1 = roundBits(PIO2, 31);
const p2 = roundBits(PIO2 - fx(p1), 31);
const p3 = roundBits(PIO2 - fx(p1) - fx(p2), 31);
const p4 = dbl(PIO2 - fx(p1) - fx(p2) - fx(p3));
// 2/pi bits for the large-argument reduction: 37 words of 32 bits after the binary point
const WORDS = 37;
const twoOverPi = (2n << (1416n + 32n * BigInt(WORDS))) / PI_BIG;
const words = Array.from({ length: WORDS }, (_, i) => Number((twoOverPi >> (32n * BigInt(WORDS - 1 - i))) & 0xffffffffn));
// pow's log centres: 2^(-1/3) and 2^(1/3) to 8 bits, so m - c is exact; boundaries between the
// three centres are their geometric means (any nearby value would do)
const c0 = Math.round(2 ** (-1 / 3) * 256) / 256;
const c2 = Math.round(2 ** (1 / 3) * 128) / 128;
const atanBases = [0n, atanSmallF(ONE / 2n), PI / 4n, PIO2 - atanSmallF(ONE / 2n), PIO2];

const fmt = (x) => (Object.is(x, -0) ? '-0' : String(x));
const arr = (xs) => `[${xs.map(fmt).join(', ')}]`;
const pair = (a) => arr(split(a));
const lines = [
  '// Generated by fit.mjs — do not edit; rerun `node src/libm/fit.mjs` instead.',
  '// Polynomials list coefficients from the lowest power up. "err" is the weighted minimax error',
  '// of the rounded polynomial (weight: relative to the function\'s result), before evaluation rounding.',
  '',
];
for (const [name, f] of Object.entries(fits)) {
  lines.push(`/** err 2^${f.log2Err.toFixed(1)} */`);
  lines.push(`export const ${name} = ${arr(f.coeffs)} as const;`);
}
lines.push('',
  '/** ln 2 = LN2_HI + LN2_LO; LN2_HI has 42 bits so k * LN2_HI is exact for |k| < 2^11. */',
  `export const LN2_HI = ${fmt(roundBits(LN2, 42))};`,
  `export const LN2_LO = ${fmt(dbl(LN2 - fx(roundBits(LN2, 42))))};`,
  `export const INV_LN2 = ${fmt(dbl(div(ONE, LN2)))};`,
  '/** pi/2 = PIO2_1 + PIO2_2 + PIO2_3 + PIO2_4 (+ ~2^-150); the first three have 31 bits. */',
  `export const PIO2_1 = ${fmt(p1)};`, `export const PIO2_2 = ${fmt(p2)};`,
  `export const PIO2_3 = ${fmt(p3)};`, `export const PIO2_4 = ${fmt(p4)};`,
  `export const INV_PIO2 = ${fmt(dbl(div(2n * ONE, PI)))};`,
  '/** pi/2 - PIO2_1 rounded: with PIO2_1 a quick two-piece reduction. */',
  `export const PIO2_1T = ${fmt(dbl(PIO2 - fx(p1)))};`,
  `export const PIO2 = ${pair(PIO2)} as const;`,
  `export const PI = ${pair(PI)} as const;`,
  `/** 2/pi = sum_i TWO_OVER_PI[i] * 2^(-32(i+1)). */`,
  `export const TWO_OVER_PI = [${words.map((w) => '0x' + w.toString(16).padStart(8, '0')).join(', ')}] as const;`,
  '/** atan of the five centres 0, 1/2, 1, 2, infinity, and pi minus each, as [hi, lo]. */',
  `export const ATAN_BASE = [${atanBases.map(pair).join(', ')}] as const;`,
  `export const ATAN_BASE_FROM_PI = [${atanBases.map((a) => pair(PI - a)).join(', ')}] as const;`,
  '/** pow: log(m) = log(c) + 2 atanh((m-c)/(m+c)) around c in POW_C; POW_SPLIT are the region bounds. */',
  `export const POW_C = ${arr([c0, 1, c2])} as const;`,
  `export const POW_LOG_C = [${[c0, 1, c2].map((c) => (c === 1 ? '[0, 0]' : pair(logF(fx(c))))).join(', ')}] as const;`,
  `export const POW_SPLIT = ${arr([Math.sqrt(c0), Math.sqrt(c2)])} as const;`,
  '');
writeFileSync(new URL('./coefficients.ts', import.meta.url), lines.join('\n'));
console.log('wrote coefficients.ts');
