/**
 * Random nested programs from a seed: an outer loop over rows (samples) whose body runs an
 * inner loop over columns (neurons) of one random template, reading params at strided
 * indices and the row's data, with accumulation across the inner copies (a sum, or a chain
 * where each copy reads the previous one) and sometimes across the outer copies (a carried
 * state, like weight gradients accumulated over samples). Traced, they are the shapes that
 * rerolling turns into loops nested two deep. Values stay bounded: every template result is
 * squashed with tanh.
 */
import { Value } from '@adjoint/autograd';
import type { Case } from './case.js';
import { Rng } from './rng.js';

const OPS = ['add', 'mul', 'sub'] as const;
const SQUASH = ['tanh', 'sin', null] as const;

export function nestedCase(seed: number): Case {
  const meta = new Rng(seed);
  const rows = 4 + meta.int(8);
  const cols = 4 + meta.int(10);
  const stride = 1 + meta.int(3);
  const nParams = cols * stride + 1 + meta.int(4);
  const nData = rows * 3;
  const template = Array.from({ length: 1 + meta.int(4) }, () =>
    ({ op: meta.pick(OPS), into: meta.int(4), from: meta.int(4), squash: meta.pick(SQUASH) }));
  const accumulate = meta.pick(['sum', 'chain', 'squares'] as const);
  const carryRows = Array.from({ length: rows }, () => meta.chance(0.5));
  const point = (): number[] => Array.from({ length: nParams + nData }, () => meta.range(-1, 1));
  return {
    name: `nested seed ${seed} (${rows} x ${cols}, ${accumulate})`,
    nInputs: nParams + nData,
    nParams,
    points: [point(), point()],
    build: (xs) => {
      const params = xs.slice(0, nParams);
      const data = xs.slice(nParams);
      const outs: Value[] = [];
      let carry = params[nParams - 1];
      for (let r = 0; r < rows; r++) {
        const h: Value[] = [];
        let prev = data[r * 3];
        for (let q = 0; q < cols; q++) {
          const srcs = [params[q * stride + (r % stride)], data[r * 3 + (q % 3)], prev, carry];
          let v = srcs[0];
          for (const t of template) {
            v = v[t.op](srcs[t.from]);
            if (t.squash !== null) v = v[t.squash]();
            srcs[t.into] = v;
          }
          v = v.tanh();
          h.push(v);
          if (accumulate === 'chain') prev = v;
        }
        const row = accumulate === 'squares' ? Value.sum(h.map((x) => x.square())) : Value.sum(h);
        outs.push(row);
        if (carryRows[r]) carry = carry.add(row.mul(0.01)).tanh();
      }
      return Value.mean(outs).add(carry);
    },
  };
}
