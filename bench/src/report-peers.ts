/** The peers part of the markdown report: each peer library against hand-written JS, same run. */
import type { PeersReport } from './peers.js';
import { fmt, ratio } from './report.js';

export function peersSection(p: PeersReport): string[] {
  const out = ['', '### Peers: other JS autodiff libraries', ''];
  if (p.skipped !== null) return [...out, `Not run: ${p.skipped}.`];
  out.push(
    'Each peer builds the workload idiomatically (jax-js: `jit(valueAndGrad(f))`; tfjs: `tf.valueAndGrad(s)`), takes the params from a Float64Array on every call and returns value and gradient to JS (`dataSync()`); W4\'s samples are uploaded once. Timed interleaved with the hand-written JS gradient in the peer\'s own group; ×hand = peer / hand JS of that group. Error = norm-wise relative error of the gradient (or f, if larger) to the hand-written one, checked before timing against the peer\'s tolerance.',
    '',
    '| peer | workload | µs per gradient | hand JS µs | ×hand JS | max rel. error (tolerance) |',
    '|---|---|---|---|---|---|',
  );
  for (const r of p.rows) {
    const err = r.relError === null ? '—' : `${r.relError.toExponential(1)} (${r.tolerance.toExponential(0)})`;
    if (r.us === null) out.push(`| ${r.peer} | ${r.workload} | —: ${r.skipped ?? 'not run'} | | | ${err} |`);
    else out.push(`| ${r.peer} | ${r.workload} | ${fmt(r.us)} | ${fmt(r.handUs!)} | ${ratio(r.ratio!)} | ${err} |`);
  }
  const versions = p.peers.map((x) => `${x.name} ${x.version}`).join('; ');
  if (versions) out.push('', `Versions: ${versions}.`);
  for (const u of p.unavailable) out.push('', `—: ${u.name} did not load: ${u.reason}`);
  return out;
}
