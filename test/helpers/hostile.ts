/**
 * Shared checks of the hostile-input suite (test/hostile): what "a clear error" means, running the
 * built CLI with a hard time limit, and listing what a handler left on disk.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { expect } from 'vitest';
import { CLI, REPO } from './cli';

/** A JavaScript stack frame line, as `Error.stack` prints it. */
export const STACK_FRAME = /^\s+at\s/m;

/** An error text is one non-empty line without a stack frame. */
export function expectOneLine(text: string, what = 'error'): void {
  expect(text.length, `${what} is empty`).toBeGreaterThan(0);
  expect(text, `${what} spans several lines: ${JSON.stringify(text.slice(0, 300))}`).not.toMatch(/[\r\n]/);
  expect(text, `${what} carries a stack frame`).not.toMatch(STACK_FRAME);
}

/** Every line of a (possibly multi-problem) message names the file it is about. */
export function expectEveryLineNames(message: string, file: string): void {
  for (const line of message.split('\n')) {
    expect(
      line.startsWith(`${file}:`),
      `line does not name ${file}: ${JSON.stringify(line.slice(0, 300))}`,
    ).toBe(true);
  }
  expect(message).not.toMatch(STACK_FRAME);
}

export type Settled<T> = { ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number };

/**
 * Runs `work` and says how it ended, and how long it took. A synchronous hang cannot be interrupted
 * in-process: callers keep inputs small enough that the time bound is a measurement, not a guard.
 */
export async function settle<T>(work: () => T | Promise<T>, boundMs: number): Promise<Settled<T>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${boundMs} ms`)), boundMs);
  });
  try {
    const value = await Promise.race([Promise.resolve().then(work), limit]);
    const ms = performance.now() - started;
    expect(ms, `took ${Math.round(ms)} ms, over the ${boundMs} ms bound`).toBeLessThan(boundMs);
    return { ok: true, value, ms };
  } catch (error) {
    const ms = performance.now() - started;
    if (error instanceof Error && error.message === `did not settle within ${boundMs} ms`) throw error;
    expect(ms, `took ${Math.round(ms)} ms, over the ${boundMs} ms bound`).toBeLessThan(boundMs);
    return { ok: false, error, ms };
  } finally {
    clearTimeout(timer);
  }
}

/** Synchronous variant of `settle` for pure functions. */
export function settleSync<T>(work: () => T, boundMs: number): Settled<T> {
  const started = performance.now();
  let outcome: Settled<T>;
  try {
    outcome = { ok: true, value: work(), ms: 0 };
  } catch (error) {
    outcome = { ok: false, error, ms: 0 };
  }
  outcome.ms = performance.now() - started;
  expect(outcome.ms, `took ${Math.round(outcome.ms)} ms, over the ${boundMs} ms bound`).toBeLessThan(boundMs);
  return outcome;
}

export interface BoundedCliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/**
 * The built CLI, killed (by its own pid) if it has not exited after `timeoutMs`: a hang is a
 * result to report, not a stuck suite.
 */
export function runCliBounded(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<BoundedCliResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? REPO,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ms: performance.now() - started });
    });
  });
}

/**
 * A failed CLI run's contract: exit 2 within the bound, nothing on stdout, and every stderr line
 * `imagegw-audit: <file>…` with no stack frame.
 */
export function expectCleanCliFailure(result: BoundedCliResult, file: string): void {
  expect(result.timedOut, 'the CLI did not exit within its bound').toBe(false);
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.replace(/\n$/, '').split('\n');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(
      line.startsWith(`imagegw-audit: ${file}`),
      `stderr line does not name ${file}: ${line.slice(0, 300)}`,
    ).toBe(true);
    expect(line).not.toMatch(/unexpected error/);
  }
  expect(result.stderr).not.toMatch(STACK_FRAME);
}

/** A fresh directory under the system temp dir. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `imagegw-hostile-${prefix}-`));
}

/** Every file under `dir`, as `/`-separated paths relative to it, sorted. */
export function filesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else found.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return found.sort();
}

/** The top-level entries of `dir`. */
export function entriesOf(dir: string): string[] {
  return readdirSync(dir).sort();
}
