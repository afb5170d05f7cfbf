/**
 * The static HTML report: built from a small fixture run (deterministic, no bench needed), it
 * escapes the JSON's strings, and headless Chromium renders it with numeric table rows, drawn
 * SVG charts and no console errors. Screenshot: /tmp/report.png. Also the compile-stages part
 * of the HTML and markdown reports, with and without it in the run (older runs lack it).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { renderHtml, systems } from '../src/html.js';
import { markdown, type RunReport } from '../src/report.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = '/tmp/report.png';
const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (Debian: apt-get install chromium, or ./dev setup as root)`;
if (missing !== null) console.info(`report browser test skipped: ${missing}`);

const EVIL = '<script>alert("x")</script> & <b>';

const timing = (us: number) => ({ medianUs: us, minUs: us * 0.9, maxUs: us * 1.2, rounds: 5, callsPerRound: 100,
  warmup: { calls: 1000, ms: 100, stable: true, firstUs: us * 10, lastUs: us } });
const wasmCompile = (nodes: number) => ({ ms: 2 + nodes / 1000, codegenMs: 1, buildMs: 0.5, usPerTraceNode: 5, traceNodes: nodes,
  instructions: nodes, functions: 2, loops: 1, bytes: nodes * 10, bytesPerTraceNode: 10 });

/** One workload at one size; every time scales with the graph. */
function workload(id: string, label: string, n: number, nodes: number, eager: boolean) {
  const hand = nodes / 100;
  return {
    id, label, n, nParams: n, f: 1,
    compile: { buildMs: 1, ms: 1 + nodes / 500, phases: { trace: 1, gradient: 1, schedule: 1, codegen: 1, build: 1 }, traceNodes: nodes,
      gradientNodes: nodes * 2, instructions: nodes, chunks: 2, loops: 1, usPerTraceNode: 3, firstCallMs: 0.5 },
    hand: timing(hand),
    compiled: timing(hand * 1.5),
    straight: n >= 100 ? { ...timing(hand * 2), compileMs: 5 + nodes / 300 } : { skipped: `no loops ${EVIL}` },
    eager: eager ? timing(hand * 80) : { skipped: 'over budget', oneCallMs: 100 },
    native: { compile: { ms: 50 + nodes / 100, buildMs: 40, usPerTraceNode: 9, instructions: nodes, functions: 2, loops: 1, handBuildMs: 30 },
      c: timing(hand * 0.7), handC: timing(hand * 0.6), agreement: { cVsEager: 0, handCVsHandJs: 0 },
      ratios: { cToHand: 0.7, cToHandC: 1.17, handCToHand: 0.6 } },
    wasm: {
      import: { compile: wasmCompile(nodes), timing: timing(hand * 0.9), agreement: 0, ratios: { toHand: 0.9, toHandC: 1.5, toCompiled: 0.6 } },
      embedded: id === 'W4' ? { compile: wasmCompile(nodes), timing: timing(hand * 0.8), agreement: 1e-15, ratios: { toHand: 0.8, toHandC: 1.3, toCompiled: 0.5 } }
        : { skipped: 'same module as import mode' },
      emcc: n === 1000 ? { command: 'emcc', cSourceMs: 3, compileMs: 900, bytes: 5000, bytesPerTraceNode: 1, timing: timing(hand * 0.75), agreement: 0,
        ratios: { toHand: 0.75, toBinaryen: 0.8, toHandC: 1.2 } } : null,
    },
    f32: {
      c: { compile: { ms: 50 + nodes / 100, codegenMs: 1, buildMs: 40 }, timing: timing(hand * 0.5), error: { gradient: 1e-7, value: 2e-7 },
        tolerance: { gradient: 1e-5, value: 1e-5 }, ratios: { toHand: 0.5, toF64: 0.71 } },
      wasm: id === 'W4' ? { compile: { ms: 2 + nodes / 1000, codegenMs: 1, buildMs: 0.5 }, timing: timing(hand * 0.85), error: { gradient: 1e-7, value: 2e-7 },
        tolerance: { gradient: 1e-5, value: 1e-5 }, ratios: { toHand: 0.85, toF64: 0.94 } } : { skipped: `not in --quick ${EVIL}` },
    },
    compiledWarm: { minMs: 300, capped: false },
    ratios: { compiled: 1.5, straight: n >= 100 ? 2 : null, eager: eager ? 80 : null },
  };
}

const fixture = {
  date: '2026-01-02T03:04:05.000Z',
  command: `node bench/dist/main.js --quick ${EVIL}`,
  quick: true, only: null,
  machine: { node: 'v20.0.0', v8: '11.3.0', cpu: `Test CPU ${EVIL}`, cores: 2, platform: 'linux x64', memoryGB: 8 },
  settings: { quick: true, rounds: 5, roundMs: 25, warm: { minMs: 1, minCalls: 1, maxMs: 2 }, warmMsPerInstruction: 0.17, warmCapMs: 1, eagerBudgetMs: 1, w5Repeats: 3 },
  workloads: [
    workload('W1', 'W1 n=5', 5, 44, true), workload('W1', 'W1 n=100', 100, 1089, true), workload('W1', 'W1 n=1000', 1000, 10989, true),
    workload('W3', 'W3 n=10', 10, 73, true), workload('W3', 'W3 n=1000', 1000, 7993, false), workload('W4', 'W4 MLP', 337, 21010, true),
  ],
  w5: [
    { n: 100, iterations: 1000, eagerMs: 500, compiledMs: 20, compileMs: 5, speedup: 25, seed: null,
      c: { ms: 400, compileMs: 380, buildMs: 370, speedup: 1.25 },
      cBackground: { ms: 30, compileMs: 6, buildMs: 1, speedup: 500 / 30, nativeMs: 12 }, wasm: { skipped: `binaryen ${EVIL}` } },
    // A run from before W5 timed C and wasm.
    { n: 5, iterations: 100, eagerMs: 1, compiledMs: 0.5, compileMs: 0.25, speedup: 2, seed: null },
  ],
  native: { skipped: null, overhead: null, tiers: [] },
  wasm: { skipped: null, emcc: { version: 'emcc 3.1' } },
  peers: {
    skipped: null, unavailable: [],
    peers: [{ name: `peerlib ${EVIL}`, version: '1.0', dtype: 'float64', tolerance: 1e-6 }],
    rows: [
      { peer: `peerlib ${EVIL}`, workload: 'W1 n=100', us: 100, handUs: 10, ratio: 10, relError: 1e-16, tolerance: 1e-6, timing: null, skipped: null },
      { peer: `peerlib ${EVIL}`, workload: 'W4 MLP', us: null, handUs: null, ratio: null, relError: null, tolerance: 1e-6, timing: null, skipped: `cannot ${EVIL}` },
    ],
  },
  stages: {
    skipped: null, seconds: 5.4,
    rows: [
      { label: 'W1 n=100', traceNodes: 1089, gradientNodes: 1686, peakRssMB: 61.4,
        ms: { values: 0.2, trace: 0.5, gradient: 3.8, dce: 0.02, schedule: 0.8, codegen: 1, build: 0.6 } },
      { label: `irregular ${EVIL}`, error: `out of memory ${EVIL}` },
    ],
    levels: [
      { label: 'W1 n=100', nodes: [2774, 1686, 1686], compileAndCalls: [15.1, 2.6] },
      { label: 'W4 MLP', error: 'exit 1' },
    ],
  },
  totalSeconds: 42,
} as unknown as RunReport;

const html = renderHtml(fixture, `fixture ${EVIL}.json`);

/** The fixture as a run from before `./dev bench` measured the compile stages. */
const { stages: _, ...older } = fixture;

describe('report html', () => {
  test('lists every system of the run, peers included', () => {
    expect(systems(fixture).map((s) => s.name)).toEqual([
      'hand-written JS', 'compiled JS', 'straight-line JS', 'eager', 'native C', 'hand C', 'wasm', 'wasm embedded', 'emcc', 'C f32', 'wasm f32', `peerlib ${EVIL}`,
    ]);
  });

  test('escapes every string from the JSON and has no script or external resource', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;');
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});

describe('compile stages in the reports', () => {
  test('the HTML page has both tables under the run date, failed rows with their reason', () => {
    expect(html).toContain('<h2>Compile stages</h2>');
    expect(html).toContain('Run of 2026-01-02 03:04 UTC, 5 s for this part.');
    expect(html).toMatch(/<table id="stages">.*<th>values<\/th><th>trace<\/th><th>gradient<\/th><th>dce<\/th><th>schedule<\/th><th>codegen<\/th><th>build<\/th>/);
    expect(html).toContain('<td class="num">3.489</td>');   // gradient: 3.8 ms over 1,089 trace nodes
    expect(html).toContain(`title="out of memory &lt;script&gt;`);
    expect(html).toMatch(/<table id="levels">/);
  });

  test('a run without stages (older, or not selected) renders the rest of the page without the section', () => {
    for (const rep of [older as RunReport, { ...fixture, stages: { skipped: 'not selected (--only)', rows: [], levels: [], seconds: 0 } }]) {
      const page = renderHtml(rep, 'old.json');
      expect(page).not.toContain('Compile stages');
      expect(page).not.toContain('id="levels"');
      expect(page).toContain('<table id="times">');
      expect(page).toContain('<table id="w5">');
    }
  });

  test('the markdown report prints both tables at its end under the run date, and nothing for an older run', () => {
    const md = markdown(fixture);
    const at = md.indexOf('### Compile throughput per stage');
    expect(at).toBeGreaterThan(md.indexOf('### W5'));
    // The W5 row has the background C run: when native code took over, and its speedup.
    expect(md).toContain('| 400 (380, 370) | 1.3x | 30.0 (6.00, native after 12.0) | 17x |');
    const part = md.slice(at).split('\n');
    expect(part).toContain('Run of 2026-01-02 03:04 UTC, 5 s for this part. Each graph is compiled in a process of its own after warming the compiler up (so peak RSS is its own): building the `Value`s, tracing, each pass of the gradient pipeline, schedule, codegen and the JS build, in µs per trace node; total ms is their sum.');
    expect(part).toContain('| W1 n=100 | 1,089 | 1,686 | 0.184 | 0.459 | 3.489 | 0.018 | 0.735 | 0.918 | 0.551 | 7 | 61 MB |');
    expect(part).toContain(`| irregular ${EVIL} | failed: out of memory ${EVIL} |`);
    expect(part).toContain('| W1 n=100 | 2,774 | 1,686 | 1,686 | 39.2% | 15.1 | 2.6 |');
    expect(part).toContain('| W4 MLP | failed: exit 1 |');
    const old = markdown(older as RunReport);
    expect(old).not.toContain('Compile throughput');
    expect(old).not.toContain('optimize level');
    expect(old).toContain('### W5');
  });
});

describe.skipIf(missing !== null)('report in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('renders tables with numbers and SVG charts, without console errors', async () => {
    const file = join(dir, 'index.html');
    writeFileSync(file, html);
    // playwright-core is a devDependency of the wasm backend (its browser test), not of bench.
    const require = createRequire(new URL('../../packages/backend-wasm/package.json', import.meta.url));
    const { chromium } = require('playwright-core') as { chromium: Chromium };
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(pathToFileURL(file).href);
      const got = await page.evaluate<Rendered>(`(() => {
        const rows = (id) => [...document.querySelectorAll('#' + id + ' tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent.trim()));
        const charts = [...document.querySelectorAll('svg.chart')].map((s) => ({
          title: s.querySelector('.title').textContent, paths: s.querySelectorAll('path.line').length,
          dots: s.querySelectorAll('circle.dot').length, bars: s.querySelectorAll('rect.bar').length, width: s.getBoundingClientRect().width,
        }));
        return { times: rows('times'), compile: rows('compile'), w5: rows('w5'), stages: rows('stages'), levels: rows('levels'), charts, scripts: document.scripts.length,
          machine: document.getElementById('machine').textContent };
      })()`);
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      console.info(`report screenshot: ${SCREENSHOT}`);

      expect(errors).toEqual([]);
      expect(got.scripts).toBe(0);
      expect(got.machine).toContain(`Test CPU ${EVIL}`);
      expect(got.machine).toContain('Node v20.0.0 (V8 11.3.0)');
      expect(got.times.map((r) => r[0])).toEqual(fixture.workloads.map((w) => w.label));
      for (const row of got.times) {
        expect(row.length).toBe(3 + 12);
        expect(row[3]).toMatch(/^[\d.,]+ 1\.0x$/);   // hand-written JS against itself
        expect(row[4]).toMatch(/^[\d.,]+ 1\.5x$/);   // compiled JS
      }
      expect(got.times[1][12]).toMatch(/^[\d.,]+ 0\.50x$/);   // C f32
      expect(got.times[1][13]).toBe('—');             // wasm f32: not run there (reason in a tooltip)
      expect(got.times[5][13]).toMatch(/^[\d.,]+ 0\.85x$/);
      expect(got.times[1][14]).toBe('100 10x');      // the peer on W1 n=100
      expect(got.times[5][14]).toBe('—');            // its reason is a tooltip
      expect(got.compile.length).toBe(6);
      for (const row of got.compile) expect(row[1]).toMatch(/^[\d,]+$/);
      expect(got.w5).toEqual([
        ['W1 Rosenbrock, 100 vars', '1,000', '500', '20.0', '5.00', '25x', '400', '380', '1.3x', '30.0', '6.00', '17x', '—', '—', '—'],
        ['W1 Rosenbrock, 5 vars', '100', '1.00', '0.500', '0.250', '2.0x', '—', '—', '—', '—', '—', '—', '—', '—', '—'],
      ]);
      expect(got.stages).toEqual([
        ['W1 n=100', '1,089', '1,686', '0.184', '0.459', '3.489', '0.018', '0.735', '0.918', '0.551', '7', '61 MB'],
        [`irregular ${EVIL}`, 'failed (hover for why)'],
      ]);
      expect(got.levels).toEqual([
        ['W1 n=100', '2,774', '1,686', '1,686', '39.2%', '15.1', '2.6'],
        ['W4 MLP', 'failed (hover for why)'],
      ]);

      const chart = (title: string) => got.charts.find((c) => c.title.startsWith(title))!;
      expect(got.charts.map((c) => c.title)).toHaveLength(4);
      expect(chart('W1:').paths).toBe(8);   // the systems with 2+ W1 sizes
      expect(chart('W1:').dots).toBe(7 * 3 + 2 + 1 + 1);   // + straight-line, emcc, the peer
      expect(chart('W3:').paths).toBeGreaterThan(0);
      // 5 workloads timed eager: hand, compiled, C, hand C, wasm, C f32 on each; straight-line
      // on 3; emcc on 1; wasm embedded, wasm f32 and the peer on 1 each.
      expect(chart('Speedup').bars).toBe(5 * 6 + 3 + 1 + 3);
      // compiled, C, wasm, C f32 on each of 6; straight-line on 4; emcc on 2; embedded, wasm f32 on W4.
      expect(chart('Compile').dots).toBe(6 * 4 + 4 + 2 + 2);
      for (const c of got.charts) expect(c.width).toBeGreaterThan(300);
    } finally {
      await browser.close();
    }
  });
});

interface Rendered {
  times: string[][];
  compile: string[][];
  w5: string[][];
  stages: string[][];
  levels: string[][];
  charts: { title: string; paths: number; dots: number; bars: number; width: number }[];
  scripts: number;
  machine: string;
}

/** The part of playwright-core's API used here (bench does not depend on it, so has no types). */
interface Chromium {
  launch(o: { executablePath: string; headless: boolean; args: string[] }): Promise<{
    newPage(o: { viewport: { width: number; height: number } }): Promise<Page>;
    close(): Promise<void>;
  }>;
}
interface Page {
  on(event: 'console', cb: (m: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', cb: (e: Error) => void): void;
  goto(url: string): Promise<unknown>;
  evaluate<T>(expression: string): Promise<T>;
  screenshot(o: { path: string; fullPage: boolean }): Promise<unknown>;
}
