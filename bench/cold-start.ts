/**
 * `coldStart`: for each function bundle dist/<name>/index.js, its size and the time to `require` it
 * in a fresh Node process (the median of several), next to the same measure for a trivial module:
 * what a Function Compute cold start pays for our code, beyond Node's own start-up.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BENCH_DIST, median, ROOT, round } from './common';

export interface BundleResult {
  name: string;
  path: string;
  bytes: number;
  /** Median of `runs` fresh processes, each timing `require(bundle)` with performance.now(). */
  importMs: number;
  samplesMs: number[];
  /**
   * Median CPU time (user + system, every thread) of the same requires: close to importMs when the
   * time is spent computing, not waiting for a busy machine.
   */
  importCpuMs: number;
  /** importMs / the trivial module's importMs. */
  ratioToBaseline: number;
  /** Median time of the first invocation after the import: the deferred load of the handler and engine. */
  firstCallMs: number;
  /** Set when the bundle is missing or its import failed. */
  error?: string;
}

export interface ColdStartResult {
  runs: number;
  bundles: BundleResult[];
  /** The same measure for `module.exports = {}` (dist/bench/trivial.js). */
  baselineMs: number;
  baselineSamplesMs: number[];
}

const RUNS = 7;

// Runs in the fresh process: only the require is timed, not Node's start-up. Then the first
// invocation's extra cost: the entries load their handler and engine lazily (shared/fc/lazy-entry.ts),
// so an empty event (refused by every handler) measures that load, reported beside importMs.
const PROBE = [
  'const cpu = process.cpuUsage();',
  'const started = performance.now();',
  'const entry = require(process.argv[1]);',
  'const ms = performance.now() - started;',
  'const used = process.cpuUsage(cpu);',
  'const firstStarted = performance.now();',
  'Promise.resolve(typeof entry.handler === "function" ? entry.handler(Buffer.from(""), { requestId: "bench" }) : undefined)',
  '  .catch(() => undefined)',
  '  .then(() => {',
  '    const firstCallMs = performance.now() - firstStarted;',
  '    process.stdout.write(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, firstCallMs }));',
  '    process.exit(0);',
  '  });',
].join('\n');

interface Sample {
  ms: number;
  cpuMs: number;
  /** The first invocation (an empty event), which loads the handler module the entry deferred. */
  firstCallMs: number;
}

function importOnce(path: string): Sample {
  const stdout = execFileSync(process.execPath, ['-e', PROBE, path], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  return JSON.parse(stdout) as Sample;
}

/** dist/<name>/index.js for every directory that has one, and for every function in functions/. */
async function discoverBundles(): Promise<{ name: string; path: string }[]> {
  const names = new Set<string>();
  for (const entry of await readdir(join(ROOT, 'dist'), { withFileTypes: true })) {
    if (
      entry.isDirectory() &&
      entry.name !== 'bench' &&
      existsSync(join(ROOT, 'dist', entry.name, 'index.js'))
    )
      names.add(entry.name);
  }
  // A function whose bundle is missing is reported (and fails), not silently skipped.
  for (const entry of await readdir(join(ROOT, 'functions'), { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(join(ROOT, 'functions', entry.name, 'index.ts')))
      names.add(entry.name);
  }
  return [...names].sort().map((name) => ({ name, path: join(ROOT, 'dist', name, 'index.js') }));
}

export async function benchColdStart(): Promise<ColdStartResult> {
  const trivial = join(BENCH_DIST, 'trivial.js');
  await writeFile(trivial, 'module.exports = {};\n');
  const bundles = await discoverBundles();
  const samples = new Map<string, Sample[]>();
  const errors = new Map<string, string>();
  const targets = [{ name: '(baseline)', path: trivial }, ...bundles];
  for (const target of targets) {
    samples.set(target.name, []);
    if (!existsSync(target.path)) errors.set(target.name, 'bundle missing: run node scripts/build.mjs');
  }
  // One unmeasured import each (file cache), then the runs interleaved, so a slow moment of the
  // machine falls on every target alike rather than on one.
  for (let run = -1; run < RUNS; run += 1) {
    for (const target of targets) {
      if (errors.has(target.name)) continue;
      try {
        const sample = importOnce(target.path);
        if (run >= 0) samples.get(target.name)?.push(sample);
      } catch (error) {
        errors.set(
          target.name,
          `import failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        );
      }
    }
  }
  const wall = (name: string) => (samples.get(name) ?? []).map((sample) => sample.ms);
  const baselineSamples = wall('(baseline)');
  const baselineMs = median(baselineSamples);
  const results: BundleResult[] = [];
  for (const bundle of bundles) {
    const bundleSamples = wall(bundle.name);
    const importMs = median(bundleSamples);
    const importCpuMs = median((samples.get(bundle.name) ?? []).map((sample) => sample.cpuMs));
    const error = errors.get(bundle.name);
    results.push({
      name: bundle.name,
      path: `dist/${bundle.name}/index.js`,
      bytes: existsSync(bundle.path) ? (await stat(bundle.path)).size : 0,
      importMs: round(importMs, 2),
      samplesMs: bundleSamples.map((ms) => round(ms, 2)),
      importCpuMs: round(importCpuMs, 2),
      ratioToBaseline: round(importMs / baselineMs, 1),
      firstCallMs: round(median((samples.get(bundle.name) ?? []).map((sample) => sample.firstCallMs)), 2),
      ...(error ? { error } : {}),
    });
  }
  const baselineError = errors.get('(baseline)');
  if (baselineError) throw new Error(`coldStart baseline: ${baselineError}`);
  return {
    runs: RUNS,
    bundles: results,
    baselineMs: round(baselineMs, 3),
    baselineSamplesMs: baselineSamples.map((ms) => round(ms, 3)),
  };
}
