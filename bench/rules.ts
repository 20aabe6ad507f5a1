/**
 * `rules`: gateway configurations judged per second on one core (this process's single thread),
 * by shared/audit/evaluate.ts against the example policy, with JSON.parse of the same bodies as the
 * baseline loop: the ratio says how many JSON parses one evaluation costs, whatever the machine.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { evaluateGateway } from '../shared/audit/evaluate';
import { loadPolicyFile } from '../shared/policy/load';
import { generateFleet } from '../test/emulator/ehpc/fleet';
import { EXAMPLE_POLICY, REGIONS, ROOT, round } from './common';

export interface RulesResult {
  /** Distinct bodies cycled through. */
  configs: number;
  /** Findings per pass over the bodies (shows the mix is not all-compliant). */
  findingsPerPass: number;
  seconds: number;
  configsPerSecond: number;
  baseline: { name: 'JSON.parse of the same bodies'; perSecond: number };
  /** configsPerSecond / baseline.perSecond. */
  ratioToBaseline: number;
}

const DURATION_MS = 2000;
const WARMUP_PASSES = 20;

/** Calls `step(i)` for i = 0, 1, 2... for about `durationMs`; returns how many calls per second. */
function rate(durationMs: number, step: (i: number) => void): { perSecond: number; seconds: number } {
  const started = performance.now();
  let elapsed = 0;
  let count = 0;
  while (elapsed < durationMs) {
    for (let batch = 0; batch < 64; batch += 1) {
      step(count);
      count += 1;
    }
    elapsed = performance.now() - started;
  }
  return { perSecond: count / (elapsed / 1000), seconds: elapsed / 1000 };
}

export async function benchRules(): Promise<RulesResult> {
  const policy = await loadPolicyFile(EXAMPLE_POLICY);
  const now = Date.now();
  // The generated fleet's four compliant shapes (one fails registry.not-allowed under the example
  // policy) and the documentation's example, which breaks several rules.
  const fixture = await readFile(
    join(ROOT, 'test', 'fixtures', 'describe-image-gateway-config.example.json'),
    'utf8',
  );
  const texts = [
    ...REGIONS.flatMap((region) =>
      generateFleet(region, 25, { now }).map((cluster) => JSON.stringify(cluster.describe)),
    ),
    fixture,
  ];
  const cases = texts.map((text, i) => ({
    text,
    body: JSON.parse(text) as unknown,
    subject: { clusterId: `ehpc-bench-${i}`, region: 'cn-hangzhou' },
  }));
  const context = { now: new Date(now) };
  const evaluate = (item: (typeof cases)[number]) =>
    evaluateGateway(item.subject, item.body, policy, context).findings.length;

  let findingsPerPass = 0;
  for (let pass = 0; pass < WARMUP_PASSES; pass += 1) {
    findingsPerPass = 0;
    for (const item of cases) {
      findingsPerPass += evaluate(item);
      JSON.parse(item.text);
    }
  }

  // Both loops pay the same indexing; `sink` keeps their results alive.
  let sink = 0;
  const evaluated = rate(DURATION_MS, (i) => {
    const item = cases[i % cases.length];
    if (item) sink += evaluate(item);
  });
  const parsed = rate(DURATION_MS, (i) => {
    const item = cases[i % cases.length];
    if (item) sink += (JSON.parse(item.text) as { RequestId?: string }).RequestId ? 1 : 0;
  });
  if (sink < 0) throw new Error('unreachable');
  return {
    configs: cases.length,
    findingsPerPass,
    seconds: round(evaluated.seconds, 2),
    configsPerSecond: Math.round(evaluated.perSecond),
    baseline: { name: 'JSON.parse of the same bodies', perSecond: Math.round(parsed.perSecond) },
    ratioToBaseline: round(evaluated.perSecond / parsed.perSecond, 4),
  };
}
