/**
 * Inline SVG charts for the HTML report, drawn at build time: a log-log line/scatter chart and
 * a grouped bar chart on a log scale. No script runs in the page; every text is escaped.
 */

/** Escapes text for HTML element content and double-quoted attributes (also valid in SVG). */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface Point {
  x: number;
  y: number;
  /** Shown as the point's tooltip. */
  label: string;
}

export interface Series {
  name: string;
  color: string;
  points: Point[];
}

export interface Bar {
  name: string;
  color: string;
  value: number;
}

const W = 760;
const H = 420;
const M = { left: 70, right: 190, top: 34, bottom: 72 };

/** Numbers with at most 4 significant digits, without exponent for everyday magnitudes. */
function num(v: number): string {
  if (v >= 1e5 || (v > 0 && v < 1e-3)) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** A log10 axis from the data's range, widened to whole decades. */
class LogAxis {
  readonly lo: number;
  readonly hi: number;
  constructor(values: readonly number[], private readonly from: number, private readonly to: number) {
    const pos = values.filter((v) => v > 0 && Number.isFinite(v));
    const min = pos.length ? Math.min(...pos) : 1;
    const max = pos.length ? Math.max(...pos) : 10;
    this.lo = Math.floor(Math.log10(min));
    this.hi = Math.max(this.lo + 1, Math.ceil(Math.log10(max)));
  }
  at(v: number): number {
    return this.from + ((Math.log10(v) - this.lo) / (this.hi - this.lo)) * (this.to - this.from);
  }
  /** Decades, thinned to at most 8 labels. */
  ticks(): number[] {
    const step = Math.ceil((this.hi - this.lo + 1) / 8);
    const out: number[] = [];
    for (let k = this.lo; k <= this.hi; k += step) out.push(10 ** k);
    return out;
  }
}

const f1 = (v: number): string => v.toFixed(1);

function frame(title: string, xLabel: string, yLabel: string, body: string[]): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`,
    `<text class="title" x="${M.left}" y="20">${esc(title)}</text>`,
    `<rect class="plot" x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}"/>`,
    ...body,
    `<text class="axis-label" x="${M.left + plotW / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text class="axis-label" transform="translate(16 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    '</svg>',
  ].join('\n');
}

function yGrid(axis: LogAxis): string[] {
  return axis.ticks().flatMap((t) => {
    const y = f1(axis.at(t));
    return [
      `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}"/>`,
      `<text class="tick" x="${M.left - 6}" y="${y}" dy="0.32em" text-anchor="end">${num(t)}</text>`,
    ];
  });
}

function legend(items: readonly { name: string; color: string }[]): string[] {
  const x = W - M.right + 14;
  return items.flatMap((s, k) => {
    const y = M.top + 8 + k * 18;
    return [
      `<rect class="swatch" x="${x}" y="${y - 5}" width="12" height="10" fill="${esc(s.color)}"/>`,
      `<text class="legend" x="${x + 18}" y="${y}" dy="0.32em"><title>${esc(s.name)}</title>${esc(s.name.length > 28 ? `${s.name.slice(0, 27)}…` : s.name)}</text>`,
    ];
  });
}

function empty(title: string): string {
  return frame(title, '', '', [`<text class="tick" x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text>`]);
}

/** Log-log chart: one polyline (or only markers) per series, a tooltip per point. */
export function logLogChart(o: { title: string; xLabel: string; yLabel: string; series: Series[]; lines: boolean }): string {
  const series = o.series.filter((s) => s.points.some((p) => p.x > 0 && p.y > 0));
  if (series.length === 0) return empty(o.title);
  const pts = series.flatMap((s) => s.points);
  const xa = new LogAxis(pts.map((p) => p.x), M.left, W - M.right);
  const ya = new LogAxis(pts.map((p) => p.y), H - M.bottom, M.top);
  const body = [...yGrid(ya)];
  for (const t of xa.ticks()) {
    const x = f1(xa.at(t));
    body.push(
      `<line class="grid" x1="${x}" x2="${x}" y1="${M.top}" y2="${H - M.bottom}"/>`,
      `<text class="tick" x="${x}" y="${H - M.bottom + 16}" text-anchor="middle">${num(t)}</text>`,
    );
  }
  for (const s of series) {
    const ok = s.points.filter((p) => p.x > 0 && p.y > 0).sort((a, b) => a.x - b.x);
    const color = esc(s.color);
    if (o.lines && ok.length > 1) {
      const d = ok.map((p, k) => `${k === 0 ? 'M' : 'L'}${f1(xa.at(p.x))},${f1(ya.at(p.y))}`).join(' ');
      body.push(`<path class="line" d="${d}" stroke="${color}"><title>${esc(s.name)}</title></path>`);
    }
    for (const p of ok) {
      body.push(`<circle class="dot" cx="${f1(xa.at(p.x))}" cy="${f1(ya.at(p.y))}" r="3.5" fill="${color}"><title>${esc(`${s.name}: ${p.label}`)}</title></circle>`);
    }
  }
  body.push(...legend(series));
  return frame(o.title, o.xLabel, o.yLabel, body);
}

/** Grouped bars on a log scale, growing up from 1 (above 1) or down from it (below 1). */
export function logBarChart(o: { title: string; yLabel: string; groups: { label: string; bars: Bar[] }[]; legend: { name: string; color: string }[] }): string {
  const groups = o.groups.map((g) => ({ label: g.label, bars: g.bars.filter((b) => b.value > 0 && Number.isFinite(b.value)) })).filter((g) => g.bars.length > 0);
  if (groups.length === 0) return empty(o.title);
  const ya = new LogAxis([1, ...groups.flatMap((g) => g.bars.map((b) => b.value))], H - M.bottom, M.top);
  const body = [...yGrid(ya)];
  const plotW = W - M.left - M.right;
  const slot = plotW / groups.length;
  const base = ya.at(1);
  const seen = new Set<string>();
  groups.forEach((g, k) => {
    const x0 = M.left + k * slot + slot * 0.1;
    const bw = (slot * 0.8) / g.bars.length;
    g.bars.forEach((b, j) => {
      seen.add(b.name);
      const y = ya.at(b.value);
      const top = Math.min(y, base);
      const h = Math.max(1, Math.abs(y - base));
      body.push(`<rect class="bar" x="${f1(x0 + j * bw)}" y="${f1(top)}" width="${f1(Math.max(1, bw - 1))}" height="${f1(h)}" fill="${esc(b.color)}"><title>${esc(`${g.label}, ${b.name}: ${num(b.value)}x`)}</title></rect>`);
    });
    const lx = f1(M.left + (k + 0.5) * slot);
    const ly = H - M.bottom + 14;
    body.push(`<text class="tick" x="${lx}" y="${ly}" text-anchor="end" transform="rotate(-30 ${lx} ${ly})">${esc(g.label)}</text>`);
  });
  body.push(`<line class="base" x1="${M.left}" x2="${W - M.right}" y1="${f1(base)}" y2="${f1(base)}"/>`);
  body.push(...legend(o.legend.filter((l) => seen.has(l.name))));
  return frame(o.title, 'workload', o.yLabel, body);
}
