/**
 * `npm run bench`: measures rules, coldStart, e2e and memory (docs/benchmarks.md), writes
 * bench/results/latest.json, prints a table of each metric with its target, and exits 1 if a
 * target is missed. Speed and memory are read against a baseline measured in the same run.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { cpus, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchColdStart, type ColdStartResult } from './cold-start';
import { ROOT } from './common';
import { benchE2e, type E2eResult } from './e2e';
import { benchMemory, type MemoryResult } from './memory';
import { benchRules, type RulesResult } from './rules';

export const TARGETS = {
  e2eRatioToBound: 1.15,
  e2eThrottledResponses: 0,
  /** 1.5 MB, counted in binary megabytes like the RSS figures: 1.5 × 2^20 bytes. */
  bundleBytes: 1.5 * 1024 * 1024,
  importMs: 150,
  peakRssMB: 256,
} as const;

interface Check {
  metric: string;
  value: string;
  baseline: string;
  target: string;
  /** undefined: reported only, no target. */
  pass: boolean | undefined;
}

type Section<T> = T | { error: string };

async function section<T>(name: string, run: () => Promise<T>): Promise<Section<T>> {
  process.stderr.write(`bench: ${name}…\n`);
  const started = performance.now();
  try {
    const result = await run();
    process.stderr.write(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`bench: ${name} FAILED: ${message}\n`);
    return { error: message };
  }
}

const failed = <T extends object>(result: Section<T>): result is { error: string } => 'error' in result;
const num = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function e2eChecks(e2e: Section<E2eResult>): Check[] {
  if (failed(e2e)) {
    return [{ metric: 'e2e', value: `error: ${e2e.error}`, baseline: '', target: 'runs', pass: false }];
  }
  return [
    {
      metric: 'e2e wallSeconds',
      value: `${num(e2e.wallSeconds, 2)} s`,
      baseline: `bound ${num(e2e.boundSeconds, 2)} s`,
      target: '',
      pass: undefined,
    },
    {
      metric: `e2e ratioToBound, concurrency ${e2e.concurrency}`,
      value: num(e2e.ratioToBound, 3),
      baseline: 'rate-limit bound',
      target: `<= ${TARGETS.e2eRatioToBound}`,
      pass: e2e.ratioToBound <= TARGETS.e2eRatioToBound,
    },
    {
      metric: 'e2e throttledResponses',
      value: num(e2e.throttledResponses),
      baseline: `${num(e2e.requests)} requests`,
      target: `= ${TARGETS.e2eThrottledResponses}`,
      pass: e2e.throttledResponses === TARGETS.e2eThrottledResponses,
    },
    {
      metric: 'e2e clusters audited',
      value: `${num(e2e.clusters - e2e.auditErrors)} / ${num(e2e.clusters)}`,
      baseline: '',
      target: 'all, no errors',
      pass: e2e.complete && e2e.auditErrors === 0,
    },
    {
      metric: `e2e ratioToBound, concurrency ${e2e.diagnostics.stressConcurrency.concurrency}`,
      value: num(e2e.diagnostics.stressConcurrency.ratioToBound, 3),
      baseline: `${num(e2e.diagnostics.stressConcurrency.throttledResponses)} throttled`,
      target: '',
      pass: undefined,
    },
    {
      metric: 'e2e speedupVsNaive',
      value: `${num(e2e.speedupVsNaive, 1)}x`,
      baseline: `naive ${num(e2e.naiveWallSeconds, 1)} s`,
      target: '',
      pass: undefined,
    },
  ];
}

function coldStartChecks(coldStart: Section<ColdStartResult>): Check[] {
  if (failed(coldStart)) {
    return [
      { metric: 'coldStart', value: `error: ${coldStart.error}`, baseline: '', target: 'runs', pass: false },
    ];
  }
  return coldStart.bundles.flatMap((bundle): Check[] => {
    if (bundle.error) {
      return [
        {
          metric: `coldStart ${bundle.name}`,
          value: bundle.error,
          baseline: '',
          target: 'builds, imports',
          pass: false,
        },
      ];
    }
    return [
      {
        metric: `coldStart ${bundle.name} bytes`,
        value: num(bundle.bytes),
        baseline: '',
        target: `< ${num(TARGETS.bundleBytes)}`,
        pass: bundle.bytes < TARGETS.bundleBytes,
      },
      {
        metric: `coldStart ${bundle.name} importMs`,
        value: `${num(bundle.importMs, 1)} ms (cpu ${num(bundle.importCpuMs, 1)})`,
        baseline: `trivial ${num(coldStart.baselineMs, 2)} ms (x${num(bundle.ratioToBaseline)})`,
        target: `< ${TARGETS.importMs} ms`,
        pass: bundle.importMs < TARGETS.importMs,
      },
      {
        metric: `coldStart ${bundle.name} firstCallMs`,
        value: `${num(bundle.firstCallMs, 1)} ms`,
        baseline: 'the deferred handler load',
        target: '-',
        pass: undefined,
      },
    ];
  });
}

function rulesChecks(rules: Section<RulesResult>): Check[] {
  if (failed(rules)) {
    return [{ metric: 'rules', value: `error: ${rules.error}`, baseline: '', target: 'runs', pass: false }];
  }
  return [
    {
      metric: 'rules configs/s (1 core)',
      value: num(rules.configsPerSecond),
      baseline: `JSON.parse ${num(rules.baseline.perSecond)}/s (x${num(rules.ratioToBaseline, 3)})`,
      target: '',
      pass: undefined,
    },
  ];
}

function memoryChecks(memory: Section<MemoryResult>): Check[] {
  if (failed(memory)) {
    return [{ metric: 'memory', value: `error: ${memory.error}`, baseline: '', target: 'runs', pass: false }];
  }
  return [
    {
      metric: `memory peak RSS, ${num(memory.clusters)} clusters`,
      value: `${num(memory.peakRssMB, 1)} MB`,
      baseline: `no audit ${num(memory.baselinePeakRssMB, 1)} MB (x${num(memory.ratioToBaseline, 2)})`,
      target: `< ${TARGETS.peakRssMB} MB`,
      pass: memory.peakRssMB < TARGETS.peakRssMB && memory.complete && memory.auditErrors === 0,
    },
  ];
}

function table(checks: readonly Check[]): string {
  const rows = [
    ['Metric', 'Value', 'Baseline', 'Target', 'Result'],
    ...checks.map((check) => [
      check.metric,
      check.value,
      check.baseline,
      check.target || '-',
      check.pass === undefined ? 'info' : check.pass ? 'PASS' : 'FAIL',
    ]),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(rows[0] ?? []),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}

/**
 * JSON.stringify(value, null, 2), except that arrays of plain values are kept on one line when it
 * fits, as Biome formats JSON (so `biome check` accepts the committed results as written).
 */
function formatJson(value: unknown, indent = '', prefix = 0, comma = false): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((item) => item === null || typeof item !== 'object')) {
      const inline = `[${value.map((item) => JSON.stringify(item) ?? 'null').join(', ')}]`;
      if (prefix + inline.length + (comma ? 1 : 0) <= 110) return inline;
    }
    const items = value.map(
      (item, i) => `${inner}${formatJson(item, inner, inner.length, i < value.length - 1)}`,
    );
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return '{}';
    const lines = entries.map(([key, item], i) => {
      const head = `${inner}${JSON.stringify(key)}: `;
      return `${head}${formatJson(item, inner, head.length, i < entries.length - 1)}`;
    });
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

async function main(): Promise<number> {
  // The CPU-bound measure first, while nothing else runs in this process.
  const rules = await section('rules', benchRules);
  const coldStart = await section('coldStart', benchColdStart);
  const e2e = await section('e2e', benchE2e);
  const memory = await section('memory', benchMemory);

  const checks = [
    ...e2eChecks(e2e),
    ...coldStartChecks(coldStart),
    ...rulesChecks(rules),
    ...memoryChecks(memory),
  ];
  const missed = checks.filter((check) => check.pass === false);
  const results = {
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      platform: `${platform()}-${process.arch}`,
      totalMemoryMB: Math.round(totalmem() / 2 ** 20),
    },
    date: new Date().toISOString(),
    e2e,
    coldStart,
    rules,
    memory,
    targets: {
      definitions: TARGETS,
      checks: checks
        .filter((check) => check.pass !== undefined)
        .map((check) => ({
          metric: check.metric,
          value: check.value,
          target: check.target,
          pass: check.pass,
        })),
      pass: missed.length === 0,
    },
  };
  const dir = join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  await writeFile(`${file}.tmp`, `${formatJson(results)}\n`);
  await rename(`${file}.tmp`, file);

  process.stdout.write(`\n${table(checks)}\n\nResults: bench/results/latest.json\n`);
  if (missed.length > 0) {
    process.stdout.write(`\nTargets missed (${missed.length}):\n`);
    for (const check of missed)
      process.stdout.write(`  - ${check.metric}: ${check.value} (target ${check.target})\n`);
    return 1;
  }
  process.stdout.write('\nAll targets met.\n');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
