/**
 * The playground as users get it: `vite build` with the app's own config (into a temporary
 * directory, so the tests never touch apps/playground/dist), served by `vite preview`. The
 * build is made from the packages' sources, so a test never sees a stale build.
 */
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build, createLogger, preview, type Logger, type PreviewServer } from 'vite';

export const APP = fileURLToPath(new URL('..', import.meta.url));

export interface Site {
  readonly url: string;
  /** What vite warned about or reported as an error while building. */
  readonly buildWarnings: readonly string[];
  close(): Promise<void>;
}

/** A logger that keeps warnings and errors instead of printing them. */
function collectingLogger(into: string[]): Logger {
  const logger = createLogger('warn', { allowClearScreen: false });
  logger.warn = (msg) => { into.push(msg); };
  logger.warnOnce = (msg) => { into.push(msg); };
  logger.error = (msg) => { into.push(msg); };
  return logger;
}

export async function buildAndServe(outDir: string): Promise<Site> {
  const buildWarnings: string[] = [];
  await build({
    root: APP, configFile: `${APP}vite.config.ts`, mode: 'production', logLevel: 'warn', customLogger: collectingLogger(buildWarnings),
    build: { outDir, emptyOutDir: true },
  });
  const server: PreviewServer = await preview({
    root: APP, configFile: `${APP}vite.config.ts`, logLevel: 'silent',
    build: { outDir }, preview: { host: '127.0.0.1', port: 0, open: false },
  });
  const { port } = server.httpServer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, buildWarnings, close: () => server.close() };
}
