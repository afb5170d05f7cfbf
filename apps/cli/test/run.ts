/**
 * Running the built CLI as a subprocess, the way users run it: `node apps/cli/dist/cli.js`.
 * `buildCli` runs `tsc -b apps/cli` (incremental: about a second when nothing changed), so the
 * tests never run a stale build.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const CLI = join(ROOT, 'apps/cli/dist/cli.js');

/**
 * Test files run in parallel, so builds take turns: a directory is the lock (mkdir is atomic);
 * one left behind by a killed run is taken over after two minutes.
 */
export function buildCli(): void {
  const lock = join(ROOT, 'apps/cli/.test-build-lock');
  const start = Date.now();
  for (;;) {
    try { mkdirSync(lock); break; } catch { /* another file is building */ }
    if (Date.now() - start > 120_000) { rmSync(lock, { recursive: true, force: true }); continue; }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  try {
    const r = spawnSync('npx', ['tsc', '-b', 'apps/cli'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tsc -b apps/cli failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `adjoint ...args` in `cwd`. */
export function adjoint(cwd: string, ...args: string[]): Result {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'adjoint-cli-'));
}

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
