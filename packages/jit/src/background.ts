/**
 * backend 'c' with `background: true` (and compileGradientFunctionAsync's C builds): the
 * library builds in a worker thread (startBackgroundBuild) while calls run the JS backend's
 * code for the same schedule; each GradFn's kernel switches to native code on its first call
 * after the build is done, which it learns from a shared status word. JS and C
 * give the same bits for + - * / sqrt and comparisons; libm functions (sin, exp, ...) may
 * differ in the last bit at the switch (docs/backends.md).
 */
import {
  BUILDING, DEFAULT_C_NAME, loadNativeKernel, startBackgroundBuild,
  type BackgroundBuild, type BuildOptions, type BuiltLibrary, type CCompiler, type KernelLayout,
} from '@adjoint/backend-c';
import { compileFactory, generateJs, type JsFactory } from '@adjoint/backend-js';
import { AdjointError, type Schedule } from '@adjoint/ir';
import type { Kernel } from './gradfn.js';

/** Where a background C build stands, as compileStats and nativeReady report it. */
export interface NativeStatus {
  /**
   * 'building': the C compiler runs in a worker, calls run the JS backend's code;
   * 'native': the library is built and calls run it (each GradFn switches on its next call);
   * 'failed': calls keep running the JS code, and `error` says why.
   */
  readonly state: 'building' | 'native' | 'failed';
  /** Milliseconds from the start of the build (as compileGradientFunction returned) until it was done; absent while building. */
  readonly ms?: number;
  /** The C compiler's own milliseconds, in the worker (0 on a build-cache hit); absent until native. */
  readonly compilerMs?: number;
  /** 'failed': the build's error, with the compiler's messages and the fix. */
  readonly error?: string;
}


/**
 * A call reads the status word only every this many instructions' worth of calls: one
 * Atomics.load costs ~13 ns here (V8 11 calls a builtin for it), as much as a whole call of
 * a two-op graph in JS. Reading it every ceil(256 / instructions) calls keeps its share of a
 * call's time near 5%, and delays the switch by at most ~256 instructions of JS work.
 */
const CHECK_EVERY_INSTRUCTIONS = 256;

/** One background build, shared by every GradFn compiled from the same artifact. */
export class BackgroundNative {
  private state: NativeStatus['state'] = 'building';
  private library: BuiltLibrary | null = null;
  private error: AdjointError | null = null;
  private doneMs: number | undefined;
  /** A kernel loaded when the build was seen done (so a pruned file cannot fail a later switch), for the first GradFn to ask. */
  private spare: Kernel | null = null;
  private jsFactory: JsFactory | null = null;
  private jsSpill = 0;
  /** Calls fall back to JS code while building or after a failure (not so for compileGradientFunctionAsync, which rejects instead). */
  private readonly fallsBack: boolean;

  /**
   * `schedule`: what the JS backend compiles for calls made while building (null when no call
   * runs before the build is over: compileGradientFunctionAsync). Dropped once native.
   */
  constructor(
    private readonly build: BackgroundBuild | null,
    hit: BuiltLibrary | null,
    private readonly layout: KernelLayout,
    private schedule: Schedule | null,
    private readonly instructions: number,
  ) {
    this.fallsBack = schedule !== null;
    // A cached library that does not load throws here, as it would without background.
    if (hit !== null) this.useLibrary(hit, 0, loadNativeKernel(hit.path, `${DEFAULT_C_NAME}_ws`, layout));
    // Settle when the worker ends, for a caller that yields but makes no more calls: it gets
    // its warning. Does not keep the process alive; the promise is never rejected.
    else void build?.finished(false).then(() => this.poll()).catch(() => { /* the next call or compileStats reports it */ });
  }

  /** Starts the build of `source` in a worker, unless the cache has the library. Throws synchronously on a bad compiler or a missing addon. */
  static start(source: string, options: BuildOptions, found: { library: BuiltLibrary | null; compiler: CCompiler }, layout: KernelLayout, schedule: Schedule | null, instructions: number): BackgroundNative {
    const build = found.library !== null ? null : startBackgroundBuild(source, options, found.compiler);
    return new BackgroundNative(build, found.library, layout, schedule, instructions);
  }

  /** The state, after reading the status word: a finished build is taken in (and a failure warned about) here. */
  poll(): NativeStatus['state'] {
    if (this.state !== 'building') return this.state;
    const o = this.build!.outcome();
    if (o === null) return this.state;
    const ms = Math.max(0, o.doneAt - this.build!.startedAt);
    if (o.ok) this.done(o.library, ms);
    else this.fail(o.error, ms);
    return this.state;
  }

  private done(library: BuiltLibrary, ms: number): void {
    let kernel: Kernel;
    try {
      kernel = loadNativeKernel(library.path, `${DEFAULT_C_NAME}_ws`, this.layout);
    } catch (e) {
      this.fail(e instanceof AdjointError ? e : new AdjointError('native-load-failed', String(e)), ms);
      return;
    }
    this.useLibrary(library, ms, kernel);
  }

  private useLibrary(library: BuiltLibrary, ms: number, kernel: Kernel): void {
    this.doneMs = ms;
    this.spare = kernel;
    this.library = library;
    this.state = 'native';
    this.schedule = null;
  }

  private fail(error: AdjointError, ms: number): void {
    this.doneMs = ms;
    this.error = error;
    this.state = 'failed';
    if (!this.fallsBack) return;
    // Once per build: every GradFn of it shares this object.
    process.emitWarning(`the background C build failed, so this gradient function keeps computing with the JS backend `
      + `(the same results; slower on big graphs). Without background: true the compile would throw this error:\n${error.message}`,
    { type: 'AdjointWarning', code: 'ADJOINT_C_BUILD_FAILED' });
  }

  /** What compileStats reports. */
  status(): NativeStatus {
    const state = this.poll();
    return {
      state,
      ...(this.doneMs !== undefined ? { ms: this.doneMs } : {}),
      ...(this.library !== null ? { compilerMs: this.library.cached ? 0 : this.library.ms } : {}),
      ...(this.error !== null ? { error: this.error.message } : {}),
    };
  }

  /** The build's error when it failed, else null. */
  failure(): AdjointError | null {
    return this.poll() === 'failed' ? this.error : null;
  }

  /** Fulfilled when the build is over (keeping the process alive until then); never rejected. */
  async ready(): Promise<NativeStatus> {
    if (this.poll() === 'building') await this.build!.finished(true);
    return this.status();
  }

  /**
   * A fresh kernel for one GradFn: native when the library is there; otherwise the JS code,
   * behind a wrapper that looks at the status word (one Atomics.load, on the first call and
   * then every few calls: CHECK_EVERY_INSTRUCTIONS) until the build is over, and then runs
   * native code if it succeeded.
   */
  kernel(): Kernel {
    if (this.poll() === 'native') return this.nativeKernel();
    let run = this.jsKernel();
    if (this.state === 'failed') return run;
    const status = this.build!.status;
    const every = Math.ceil(CHECK_EVERY_INSTRUCTIONS / Math.max(1, this.instructions));
    let waiting = true;
    let countdown = 1;
    return (x, g) => {
      if (waiting && --countdown === 0) {
        countdown = every;
        if (Atomics.load(status, 0) !== BUILDING) {
          waiting = false;
          if (this.poll() === 'native') run = this.nativeKernel();
        }
      }
      return run(x, g);
    };
  }

  private nativeKernel(): Kernel {
    const k = this.spare;
    if (k !== null) {
      this.spare = null;
      return k;
    }
    return loadNativeKernel(this.library!.path, `${DEFAULT_C_NAME}_ws`, this.layout);
  }

  private jsKernel(): Kernel {
    if (this.jsFactory === null) {
      if (this.schedule === null) throw new AdjointError('internal', 'a background C build without a JS schedule was asked for a kernel before it was done');
      const p = generateJs(this.schedule);
      this.jsFactory = compileFactory(p.source);
      this.jsSpill = p.nSpill;
    }
    return this.jsFactory(new Float64Array(this.jsSpill));
  }
}
