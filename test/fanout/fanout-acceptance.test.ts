/**
 * Issue #5's fan-out acceptance, end to end on the deployed bundles: the FC emulator fires the
 * timer at `scheduled-audit`, which lists 1,000 clusters and invokes `audit-worker` five times
 * through the real fc2 (signed, on FC 3.0's invoke path); one worker attempt fails and FC retries
 * it; the run ends with one complete report and one notification.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../../shared/audit/types';
import type { FcContext } from '../../shared/fc/events';
import { startChatEmulator } from '../emulator/chat/server';
import { generateFleet } from '../emulator/ehpc/fleet';
import { startEhpcEmulator } from '../emulator/ehpc/server';
import type { EmulatedCluster } from '../emulator/ehpc/types';
import { DEFAULT_FC_ROLE_CREDENTIALS, type FcFaultTiming, startFcEmulator } from '../emulator/fc';
import { startWebhookSink } from '../emulator/webhook-sink';
import { REPO } from '../helpers/cli';

type Handler = (event: Buffer, context: FcContext) => Promise<string>;
interface Bundle {
  createHandler(deps: { env: Record<string, string>; clock?: () => Date }): Handler;
}
const load = createRequire(__filename);
const bundle = (name: string) => load(join(REPO, 'dist', name, 'index.js')) as Bundle;
const fc2LazyModule = join(REPO, 'dist', 'scheduled-audit', 'lazy', 'fc2-invoker.js');
const HOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** 1,000 clusters in two regions; three of them pull over plain http, so the digest has news. */
function fleet(): Record<string, EmulatedCluster[]> {
  const hangzhou = generateFleet('cn-hangzhou', 600);
  const shanghai = generateFleet('cn-shanghai', 400);
  for (const cluster of [hangzhou[5], hangzhou[420], shanghai[77]]) {
    if (!cluster) throw new Error('the generated fleet is smaller than expected');
    const { Imagegw } = cluster.describe as { Imagegw: { Locations: { LocationInfo: { URL: string }[] } } };
    const first = Imagegw.Locations.LocationInfo[0];
    if (first) first.URL = 'http://insecure-mirror.example.com';
  }
  return { 'cn-hangzhou': hangzhou, 'cn-shanghai': shanghai };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function setup() {
  const ehpc = await startEhpcEmulator({ regions: fleet(), credentials: [DEFAULT_FC_ROLE_CREDENTIALS] });
  const chat = await startChatEmulator();
  const sink = await startWebhookSink();
  closers.push(ehpc.close, chat.close, sink.close);
  const hook = chat.addWebhook({ secrets: [HOOK_SECRET] });
  const dir = mkdtempSync(join(tmpdir(), 'fanout-e2e-'));
  writeFileSync(
    join(dir, 'channels.yaml'),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the channels file's own ${VAR} references
    'channels:\n  - { name: hooks, type: webhook, url: "${HOOK_URL}", secret: "${HOOK_SECRET}" }\n',
  );
  const env: Record<string, string> = {
    IMAGEGW_REGIONS: 'cn-hangzhou,cn-shanghai',
    IMAGEGW_ENDPOINT: Object.entries(ehpc.endpoints)
      .map(([region, url]) => `${region}=${url}`)
      .join(','),
    IMAGEGW_POLICY_FILE: join(REPO, 'examples', 'policy.yaml'),
    IMAGEGW_CHANNELS_FILE: join(dir, 'channels.yaml'),
    // Every "instance" shares this directory, as they would share the OSS bucket.
    IMAGEGW_STATE_DIR: join(dir, 'state'),
    IMAGEGW_WEBHOOK_URL: sink.url,
    IMAGEGW_CONCURRENCY: '8',
    IMAGEGW_QPS: '1000',
    HOOK_URL: hook.url,
    HOOK_SECRET,
  };
  return { ehpc, chat, sink, hook, dir, env };
}

async function fanOutRun(failure?: FcFaultTiming, failures = 1, crashingShardOfFirstRun?: number) {
  let crashingShard = crashingShardOfFirstRun;
  const world = await setup();
  // The scheduled function's clock: the trigger time of the timer being handled.
  let now = new Date('2026-12-03T02:30:00Z');
  // The FC emulator's endpoint is known only once it listens: the handlers read env lazily.
  const env = { ...world.env };
  const fc = await startFcEmulator({
    functions: [
      {
        service: 'imagegw-auditor',
        name: 'imagegw-scheduled-audit',
        handler: (event, context) =>
          bundle('scheduled-audit').createHandler({ env, clock: () => now })(event, context),
        timeoutSeconds: 600,
        maxAsyncRetryAttempts: 0,
      },
      {
        service: 'imagegw-auditor',
        name: 'imagegw-audit-worker',
        handler: (event, context) => {
          if ((JSON.parse(event.toString('utf8')) as { shard: number }).shard === crashingShard) {
            throw new Error('JavaScript heap out of memory');
          }
          return bundle('audit-worker').createHandler({ env })(event, context);
        },
        timeoutSeconds: 600,
        maxAsyncRetryAttempts: 3,
      },
    ],
  });
  closers.push(fc.close);
  Object.assign(env, {
    IMAGEGW_WORKER_FUNCTION: 'imagegw-audit-worker',
    IMAGEGW_SHARD_SIZE: '200',
    IMAGEGW_FC_ENDPOINT: fc.endpoint,
  });
  if (failure) fc.failNext('imagegw-audit-worker', { times: failures, when: failure });
  fc.fireTimer('imagegw-auditor', 'imagegw-scheduled-audit', {
    triggerName: 'daily-audit',
    triggerTime: '2026-12-03T02:30:00Z',
    payload: '{"source":"timer","mode":"full"}',
  });
  await fc.idle();
  /** Fires the timer again, `hours` after the first. */
  const fireAgain = async (hours: number) => {
    now = new Date(Date.parse('2026-12-03T02:30:00Z') + hours * 3_600_000);
    crashingShard = undefined;
    fc.fireTimer('imagegw-auditor', 'imagegw-scheduled-audit', {
      triggerName: 'daily-audit',
      triggerTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      payload: '{"source":"timer","mode":"full"}',
    });
    await fc.idle();
  };
  return { ...world, env, fc, fireAgain };
}

/** The same audit in one invocation, without chat or webhook: the reference the fan-out must equal. */
async function inlineRun(env: Record<string, string>) {
  const {
    IMAGEGW_WORKER_FUNCTION: _worker,
    IMAGEGW_SHARD_SIZE: _size,
    IMAGEGW_FC_ENDPOINT: _endpoint,
    IMAGEGW_CHANNELS_FILE: _channels,
    IMAGEGW_WEBHOOK_URL: _webhook,
    ...plain
  } = env;
  const context: FcContext = {
    requestId: 'inline-run',
    credentials: { ...DEFAULT_FC_ROLE_CREDENTIALS },
    function: { name: 'imagegw-scheduled-audit', timeout: 600 },
    region: 'cn-hangzhou',
    accountId: '1234567890123456',
  };
  const timer = Buffer.from(
    JSON.stringify({ triggerTime: '2026-12-03T02:30:00Z', triggerName: 'inline', payload: '' }),
  );
  return JSON.parse(await bundle('scheduled-audit').createHandler({ env: plain })(timer, context)) as {
    summary: Report['summary'];
    violating: string[];
  };
}

function storedReport(dir: string): Report {
  const runs = join(dir, 'state', 'fanout');
  const [run] = readdirSync(runs);
  return JSON.parse(readFileSync(join(runs, run ?? '', 'report.json'), 'utf8')) as Report;
}

describe('fan-out across Function Compute (FC emulator, fc2, bundles)', () => {
  it('loads fc2 only when a run fans out', async () => {
    const world = await setup();
    const small = {
      ...world.env,
      IMAGEGW_WORKER_FUNCTION: 'imagegw-audit-worker',
      IMAGEGW_SHARD_SIZE: '1000',
    };
    // First in this file: nothing here has fanned out yet, so fc2 must not be loaded.
    expect(Object.keys(load.cache)).not.toContain(fc2LazyModule);
    const context: FcContext = {
      requestId: 'small-run',
      credentials: { ...DEFAULT_FC_ROLE_CREDENTIALS },
      function: { name: 'imagegw-scheduled-audit', timeout: 600 },
      region: 'cn-hangzhou',
      accountId: '1234567890123456',
    };
    const timer = Buffer.from(
      JSON.stringify({ triggerTime: '2026-12-04T02:30:00Z', triggerName: 'daily-audit', payload: '' }),
    );
    const result = JSON.parse(await bundle('scheduled-audit').createHandler({ env: small })(timer, context));
    expect(result).toMatchObject({ kind: 'imagegw-audit.run-summary', summary: { clusters: 1000 } });
    expect(Object.keys(load.cache)).not.toContain(fc2LazyModule);
  });
  it('reports a run whose worker FC gave up on as incomplete at the next timer, before that run', async () => {
    // The worker of shard 2 dies on every attempt (one plus FC's three retries), say out of memory.
    const { fc, sink, fireAgain } = await fanOutRun(undefined, 0, 2);
    const lostAttempts = fc.invocations.filter((invocation) => invocation.outcome === 'error');
    expect(lostAttempts).toHaveLength(4);
    expect(new Set(lostAttempts.map((invocation) => invocation.requestId)).size).toBe(1);
    expect(sink.received).toHaveLength(0);
    await fireAgain(3);
    const posted = sink.received.map(
      (delivery) =>
        JSON.parse(delivery.body) as {
          runId: string;
          complete: boolean;
          summary: { clusters: number; errors: number };
        },
    );
    expect(posted).toHaveLength(2);
    expect(posted[0]).toMatchObject({
      runId: '2026-12-03T02:30:00Z-ea86',
      complete: false,
      summary: { clusters: 1000, errors: 200 },
    });
    expect(posted[1]).toMatchObject({
      runId: '2026-12-03T05:30:00Z-ea86',
      complete: true,
      summary: { clusters: 1000, errors: 0 },
    });
  });

  it.each(['after', 'before'] as const)(
    '1,000 clusters over 5 workers, one failing once (%s its work) and retried: one complete report, one notification',
    async (failure) => {
      const { fc, chat, hook, sink, dir, ehpc, env } = await fanOutRun(failure);
      const workers = fc.invocations.filter((invocation) => invocation.function === 'imagegw-audit-worker');
      const scheduled = fc.invocations.filter(
        (invocation) => invocation.function === 'imagegw-scheduled-audit',
      );
      expect(scheduled).toMatchObject([{ outcome: 'ok', attempt: 1 }]);
      // Five shards; one attempt failed and FC retried it under the same request id.
      expect(new Set(workers.map((invocation) => invocation.requestId)).size).toBe(5);
      expect(workers.filter((invocation) => invocation.outcome === 'error')).toHaveLength(1);
      const failed = workers.find((invocation) => invocation.outcome === 'error');
      const retry = workers.find(
        (invocation) => invocation.requestId === failed?.requestId && invocation.attempt === 2,
      );
      expect(retry?.outcome).toBe('ok');
      expect(workers).toHaveLength(6);
      // fc2 went to FC 3.0's path, signed: every invocation request was accepted.
      const invokeRequests = fc.requests.filter((request) => request.path.includes('/invocations'));
      expect(
        invokeRequests.filter((request) =>
          request.path.startsWith('/2023-03-30/functions/imagegw-audit-worker/'),
        ),
      ).toHaveLength(5);

      expect(Object.keys(load.cache)).toContain(fc2LazyModule);
      const report = storedReport(dir);
      expect(report).toMatchObject({ complete: true, summary: { clusters: 1000, errors: 0 } });
      const reads = ehpc.requests.filter((request) => request.action === 'DescribeImageGatewayConfig').length;
      // The same fleet audited in one invocation judges exactly alike.
      const inline = await inlineRun(env);
      expect(report.summary).toEqual(inline.summary);
      expect(
        report.clusters.filter((cluster) => cluster.status === 'violating').map((c) => c.clusterId),
      ).toEqual(inline.violating);
      expect(inline.violating).toEqual(
        expect.arrayContaining(['ehpc-hz-0006', 'ehpc-hz-0421', 'ehpc-sh-0078']),
      );
      expect(new Set(report.clusters.map((cluster) => cluster.clusterId)).size).toBe(1000);
      expect(report.regions).toEqual([
        { region: 'cn-hangzhou', listed: 600, totalCount: 600 },
        { region: 'cn-shanghai', listed: 400, totalCount: 400 },
      ]);
      // Each cluster read once: a retried worker whose shard is stored does not read it again.
      expect(reads).toBe(1000);

      // One notification: the run's digest, sent once (split into parts by the size limit, each
      // part once, all under this run's id).
      const posted = chat.requestsFor(hook.id).map((request) => String(request.headers['webhook-id']));
      expect(posted.length).toBeGreaterThan(0);
      expect(new Set(posted).size).toBe(posted.length);
      expect(posted.every((id) => id.startsWith(`${report.runId}/hooks/`))).toBe(true);
      expect(chat.delivered(hook.id)).toHaveLength(posted.length);
      expect(sink.received).toHaveLength(1);
      const summary = JSON.parse(sink.received[0]?.body ?? '{}') as Record<string, unknown>;
      expect(summary).toMatchObject({ runId: report.runId, complete: true, summary: { clusters: 1000 } });
      // The role's credentials went to E-HPC and FC only.
      expect(JSON.stringify(report)).not.toContain(DEFAULT_FC_ROLE_CREDENTIALS.securityToken);
      expect(sink.received[0]?.body).not.toContain(DEFAULT_FC_ROLE_CREDENTIALS.accessKeySecret);
    },
  );
});
