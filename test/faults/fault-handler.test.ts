/**
 * Issue #7, the fault suite through the scheduled-audit function: `createHandler` of
 * functions/scheduled-audit with an environment pointing at the E-HPC emulator, a timer event and
 * an STS role context, as Function Compute invokes it. The only thing not production-default is the
 * E-HPC client's timeout (400 ms instead of 10 s) and its backoff, so hung and trickled answers and
 * persistent throttling fit in a test. The handler must resolve for every fault (a throw would make
 * FC run the audit again); the full report it records in the state directory must be sound (see
 * expectSoundReport), and the summary it returns and posts must agree with it.
 */
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/scheduled-audit/index';
import type { Report } from '../../shared/audit/types';
import { startWebhookSink, type WebhookSink } from '../emulator/webhook-sink';
import {
  captureOutput,
  expectSoundReport,
  FAULT_CASES,
  miscountedScenario,
  perClusterScenario,
  ROLE_KEY,
  regionsDownScenario,
  type Scenario,
  secondPageScenario,
  shortTimeoutReader,
  throttledScenario,
  vanishingScenario,
} from '../helpers/faults';
import { fcContext, timerEvent } from '../helpers/fc';

let sink: WebhookSink;
beforeAll(async () => {
  sink = await startWebhookSink();
});
afterAll(async () => {
  await sink.close();
});

let day = 0;

async function invoke(make: () => Promise<Scenario>) {
  const scenario = await make();
  const stateDir = mkdtempSync(join(tmpdir(), 'fault-handler-'));
  const handler = createHandler({
    env: {
      IMAGEGW_REGIONS: scenario.regions.join(','),
      IMAGEGW_ENDPOINT: scenario.endpoint,
      IMAGEGW_STATE_DIR: stateDir,
      IMAGEGW_QPS: '200',
      IMAGEGW_CONCURRENCY: '16',
      IMAGEGW_WEBHOOK_URL: sink.url,
    },
    readerFactory: shortTimeoutReader(400),
  });
  day += 1;
  const before = sink.received.length;
  const output = captureOutput();
  let text: string;
  try {
    // Resolves, never rejects: per-cluster and per-region failures are in the result.
    text = await handler(
      timerEvent(`2026-12-${String(day).padStart(2, '0')}T02:30:00Z`),
      fcContext(ROLE_KEY),
    );
  } finally {
    output.restore();
    await scenario.close();
  }
  const result = JSON.parse(text) as {
    runId: string;
    complete: boolean;
    incompleteReasons: string[];
    errors: { clusterId: string; region: string; code: string }[];
    violating: string[];
    delivery?: { delivered: boolean };
  };
  const report = JSON.parse(await readFile(join(stateDir, 'reports', 'latest.json'), 'utf8')) as Report;
  expect(report.runId).toBe(result.runId);
  // What the function returns and posts is what the full report says.
  expect(result.complete).toBe(report.complete);
  expect(result.incompleteReasons).toEqual(report.incompleteReasons);
  expect(result.errors).toEqual(
    report.clusters
      .filter((cluster) => cluster.status === 'error')
      .map((cluster) => ({
        clusterId: cluster.clusterId,
        region: cluster.region,
        code: cluster.error?.code,
      })),
  );
  expect(result.delivery).toMatchObject({ delivered: true });
  const posted = sink.received.slice(before);
  expect(posted).toHaveLength(1);
  expect(JSON.parse(posted[0]?.body ?? '{}')).toMatchObject({
    runId: result.runId,
    complete: report.complete,
  });
  // Its log lines are JSON or one-line errors, never a stack trace.
  expect(output.text()).not.toMatch(/\n\s+at /);
  return { scenario, result, report };
}

describe('scheduled-audit handler under E-HPC faults (400 ms client timeout)', () => {
  it('resolves with every cluster audited or in error, for every per-cluster fault including hangs', async () => {
    const { scenario, report } = await invoke(() => perClusterScenario(FAULT_CASES));
    expectSoundReport(report, scenario.expected);
    const hung = report.clusters.find((cluster) => cluster.clusterId === 'ehpc-hz-Hung');
    expect(hung?.error?.message).toMatch(/timed out/);
    const throttled = scenario.emulators[0]?.requests.filter(
      (r) => r.params.ClusterId === 'ehpc-hz-ThrottledAlways',
    );
    expect(throttled).toHaveLength(10);
  });

  it('resolves with the region in error when its second ListClusters page keeps failing', async () => {
    const { scenario, report } = await invoke(() => secondPageScenario(true));
    expectSoundReport(report, scenario.expected);
  });

  it('resolves complete when the second page fails twice and then answers', async () => {
    const { scenario, report } = await invoke(() => secondPageScenario(false));
    expectSoundReport(report, scenario.expected);
    expect(report.complete).toBe(true);
  });

  it('resolves complete under 30% throttling', async () => {
    const { scenario, report } = await invoke(() => throttledScenario(11));
    expectSoundReport(report, scenario.expected);
    expect(report.complete).toBe(true);
  });

  it('resolves with vanished clusters in error (ClusterNotFound, InvalidParams)', async () => {
    const { scenario, report } = await invoke(() => vanishingScenario());
    expectSoundReport(report, scenario.expected);
  });

  it('resolves incomplete when a TotalCount does not match what was listed', async () => {
    const { scenario, report } = await invoke(() => miscountedScenario());
    expectSoundReport(report, scenario.expected);
  });

  it('resolves with a refused region and an HTML-answering region in error, the healthy one audited', async () => {
    const { scenario, report } = await invoke(() => regionsDownScenario());
    expectSoundReport(report, scenario.expected);
  });
});
