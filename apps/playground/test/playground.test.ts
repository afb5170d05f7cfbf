/**
 * The built playground in headless Chromium: it loads without console errors and shows the IR
 * and the generated JS, C and WAT; the value and gradient it shows equal the library's in
 * Node, for every example and for an edited function; parse errors show inline at their line
 * and column; the IK arm draws and follows the pointer with either backend.
 * Screenshots go to apps/playground/screenshots/ (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ExpressionError, parseExpression } from '@adjoint/expr';
import { compileGradientFunction } from '@adjoint/jit';
import { EXAMPLES } from '../src/examples.js';
import { APP, buildAndServe, type Site } from './site.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = join(APP, 'screenshots');
const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (Debian: apt-get install chromium, or ./dev setup as root)`;
if (missing !== null) console.info(`playground browser test skipped: ${missing}`);

interface Shown {
  readonly names: string[];
  readonly value: number;
  readonly gradient: number[];
}

/** What the library computes in Node for `text` at `values` (0 for names not given). */
function reference(text: string, values: Readonly<Record<string, number>>): Shown {
  const { output, params } = parseExpression(text);
  const fn = compileGradientFunction(output, params);
  const r = fn.valueAndGradient(fn.paramNames.map((n) => values[n] ?? 0));
  return { names: [...fn.paramNames], value: r.value, gradient: Array.from(r.gradient) };
}

/** The value and gradient on the page; the page prints numbers so that Number() reads back the same double. */
async function shown(page: Page): Promise<Shown> {
  const got = await page.evaluate<{ names: string[]; value: string; gradient: string[] }>(`(() => {
    const outs = [...document.querySelectorAll('output.gradient')];
    return { names: outs.map((o) => o.dataset.name), value: document.getElementById('f-value').textContent, gradient: outs.map((o) => o.textContent) };
  })()`);
  return { names: got.names, value: Number(got.value), gradient: got.gradient.map(Number) };
}

/** sin, cos, tanh may differ in the last bit between Chromium's V8 and Node's; + - * / may not. */
function expectClose(got: Shown, want: Shown): void {
  expect(got.names).toEqual(want.names);
  const close = (a: number, b: number): boolean => Object.is(a, b) || Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
  expect(close(got.value, want.value), `f: page ${got.value}, node ${want.value}`).toBe(true);
  got.gradient.forEach((g, k) => expect(close(g, want.gradient[k]), `df/d${want.names[k]}: page ${g}, node ${want.gradient[k]}`).toBe(true));
}

async function edit(page: Page, text: string): Promise<void> {
  await page.fill('#source', text);   // the input event marks the page 'editing' at once
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
}

async function armState(page: Page): Promise<{ hand: number[]; target: number[]; frames: number }> {
  return page.evaluate(`(() => {
    const d = document.getElementById('arm').dataset;
    return { hand: d.hand.split(',').map(Number), target: d.target.split(',').map(Number), frames: Number(d.frames) };
  })()`);
}

/** Point at the canvas, dx, dy pixels from its centre, and wait until the hand is on the target. */
async function pointAndReach(page: Page, dx: number, dy: number): Promise<{ hand: number[]; target: number[] }> {
  const box = (await page.locator('#arm').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2 + dx, box.y + box.height / 2 + dy, { steps: 4 });
  await page.waitForFunction(`(() => {
    const d = document.getElementById('arm').dataset;
    const [hx, hy] = d.hand.split(',').map(Number), [tx, ty] = d.target.split(',').map(Number);
    return Math.hypot(hx - tx, hy - ty) < 1e-3;
  })()`, null, { timeout: 15_000 });
  return armState(page);
}

describe.skipIf(missing !== null)('the playground in headless Chromium', () => {
  let site: Site;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const outDir = mkdtempSync(join(tmpdir(), 'adjoint-playground-'));

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    site = await buildAndServe(outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(site.url);
    await page.waitForSelector('body[data-state="ready"][data-wasm="ready"][data-timings="done"]', { timeout: 60_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  test('the build has no warnings', () => {
    expect(site.buildWarnings).toEqual([]);
  });

  test('shows the IR, the generated JS, C and WAT and the timings of the first example', async () => {
    const text = async (id: string): Promise<string> => (await page.textContent(`#${id}`)) ?? '';
    expect(await page.inputValue('#source')).toBe(EXAMPLES[0].text);
    expect(await text('ir-trace')).toMatch(/^%0 = input f64 0 "theta0"$/m);
    expect(await text('ir-gradient')).toMatch(/^%\d+ = cos f64 %\d+$/m);
    expect(await text('code-js')).toContain('Math.cos(');
    expect(await text('code-c')).toContain('double adjoint_grad(const double *inputs, double *grad)');
    expect(await text('code-wat')).toMatch(/\(import "Math" "cos"/);
    for (const backend of ['js', 'wasm']) {
      const cells = await page.locator(`#backends-body tr[data-backend="${backend}"] td`).allTextContents();
      expect(cells[1]).toMatch(/^(\d[\d.]* (ns|µs|ms)|< 0\.1 ms)$/);   // compile time
      expect(cells[2]).toMatch(/^\d[\d.]* (ns|µs|ms)$/);                // time per gradient call
    }
    expect(await page.textContent('#wasm-check')).toBe('WebAssembly gives the same bits as JavaScript.');
    await page.screenshot({ path: join(SHOTS, 'loaded.png'), fullPage: true });
  });

  test('every example shows the value and gradient the library computes in Node', async () => {
    for (const example of EXAMPLES) {
      await page.selectOption('#example', example.id);
      await page.waitForSelector('body[data-state="ready"]');
      expectClose(await shown(page), reference(example.text, example.values));
    }
  });

  test('an edited function and edited values: the gradient equals Node\'s bit for bit', async () => {
    const text = 'u = x*y - z   # edited in the test\nu*u + x/z';
    await edit(page, text);
    expect(await page.inputValue('#example')).toBe('custom');
    const values = { x: 1.5, y: -2.25, z: 0.3 };
    for (const [name, v] of Object.entries(values)) await page.fill(`input.value-input[data-name="${name}"]`, String(v));
    const got = await shown(page);
    const want = reference(text, values);
    expect(got).toEqual(want);   // toEqual compares numbers with Object.is: same bits, -0 included
    expect(await page.textContent('#wasm-check')).toBe('WebAssembly gives the same bits as JavaScript.');
    await page.screenshot({ path: join(SHOTS, 'edited.png'), fullPage: true });

    await page.fill('input.value-input[data-name="y"]', 'two');
    expect(await page.getAttribute('input.value-input[data-name="y"]', 'class')).toContain('bad');
    expect(await page.textContent('#f-value')).toBe('—');
    await page.fill('input.value-input[data-name="y"]', String(values.y));
    expect(await shown(page)).toEqual(want);
  });

  test('parse errors and unsupported input show inline with their line and column', async () => {
    const bad = [
      'a = x*y\nb = (a + 2\nb*b',      // an unclosed parenthesis
      'a = x*y\nsine(a) + 2x',         // an unknown function, then implicit multiplication
      'x < y',                         // a comparison is not a number
    ];
    for (const text of bad) {
      let want: ExpressionError | undefined;
      try { parseExpression(text); } catch (e) { want = e as ExpressionError; }
      expect(want).toBeInstanceOf(ExpressionError);
      await edit(page, text);
      expect(await page.getAttribute('body', 'data-state')).toBe('error');
      expect(await page.isVisible('#error')).toBe(true);
      expect(await page.textContent('#error .error-where')).toBe(`Line ${want!.line}, column ${want!.column}`);
      expect(await page.textContent('#error .error-reason')).toBe(want!.reason);
      expect(await page.textContent('#error .error-excerpt')).toContain('^');
      expect(await page.locator('#gutter .bad').allTextContents()).toEqual([String(want!.line)]);
      // The last function that compiled stays on show, marked as such.
      expect(await page.isVisible('#stale')).toBe(true);
      expect(await page.textContent('#code-js')).toContain('"use strict"');
    }
    await page.screenshot({ path: join(SHOTS, 'parse-error.png'), fullPage: true });
    await edit(page, 'x*x');
    expect(await page.isVisible('#error')).toBe(false);
    expect(await page.isVisible('#stale')).toBe(false);
    expect((await shown(page)).names).toEqual(['x']);
  });

  test('the IK arm is drawn, and follows the pointer with the JS and the wasm gradient', async () => {
    const before = await armState(page);
    await page.waitForFunction(`Number(document.getElementById('arm').dataset.frames) > ${before.frames + 5}`);
    const pixels = await page.evaluate<{ link: number; target: number }>(`(() => {
      const c = document.getElementById('arm');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const near = (i, r, g, b) => d[i + 3] > 200 && Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 40;
      let link = 0, target = 0;
      for (let i = 0; i < d.length; i += 4) { if (near(i, 31, 41, 55)) link++; else if (near(i, 217, 72, 15)) target++; }
      return { link, target };
    })()`);
    expect(pixels.link).toBeGreaterThan(500);    // three links 9 px wide, ~130 px long in all
    expect(pixels.target).toBeGreaterThan(30);   // the target's cross and ring

    const right = await pointAndReach(page, 70, -45);   // up and to the right of the base
    expect(right.target[0]).toBeGreaterThan(0.5);
    expect(right.target[1]).toBeGreaterThan(0.3);
    await page.locator('#arm').screenshot({ path: join(SHOTS, 'arm.png') });

    await page.selectOption('#arm-backend', 'wasm');
    const left = await pointAndReach(page, -60, 50);    // down and to the left
    expect(left.target[0]).toBeLessThan(-0.5);
    expect(left.target[1]).toBeLessThan(-0.3);
    expect(await page.textContent('#arm-readout')).toContain('WebAssembly');
  });

  test('fits a phone-sized screen', async () => {
    await page.selectOption('#example', 'rosenbrock');
    await page.waitForSelector('body[data-state="ready"]');
    await page.setViewportSize({ width: 400, height: 860 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'phone.png') });
  });

  test('without binaryen the JS backend still works, and the wasm rows say why', async () => {
    const other = await browser.newPage();
    try {
      await other.route(/\/assets\/binaryen-[^/]*\.js$/, (route) => route.fulfill({ status: 404, body: '' }));
      await other.goto(site.url);
      await other.waitForSelector('body[data-state="ready"][data-wasm="failed"]');
      expect(await other.textContent('#backends-body tr[data-backend="wasm"]')).toContain('binaryen did not load');
      expect(await other.textContent('#code-wat')).toContain('binaryen did not load');
      expectClose(await shown(other), reference(EXAMPLES[0].text, EXAMPLES[0].values));
      expect(await other.isVisible('#fatal')).toBe(false);
    } finally {
      await other.close();
    }
  });

  test('a script that fails to load is reported on the page, not left as a dead page', async () => {
    const other = await browser.newPage();
    try {
      await other.route(/\/assets\/index-[^/]*\.js$/, (route) => route.fulfill({ status: 500, body: 'broken' }));
      await other.goto(site.url);
      await other.waitForSelector('#fatal:not([hidden])');
      expect(await other.textContent('#fatal')).toContain('could not load the script');
      expect(await other.isVisible('#source')).toBe(true);
    } finally {
      await other.close();
    }
  });

  test('nothing went wrong on the way: no console errors or warnings, no error banner', async () => {
    expect(problems).toEqual([]);
    expect(await page.isVisible('#fatal')).toBe(false);
  });
});
