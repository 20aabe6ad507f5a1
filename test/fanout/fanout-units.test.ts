import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditTarget, FleetListing, TargetsAudit } from '../../shared/audit/run';
import { tryAssemble } from '../../shared/fanout/assemble';
import { fanOut } from '../../shared/fanout/coordinator';
import { recoverAbandonedRuns } from '../../shared/fanout/recover';
import { readShard, shardEvent, writeShard } from '../../shared/fanout/run-state';
import { ASYNC_PAYLOAD_LIMIT_BYTES, splitIntoShards } from '../../shared/fanout/shards';
import { parseShardEvent, runShard } from '../../shared/fanout/worker';
import { InvokeError } from '../../shared/fc/invoker';
import { parsePolicy } from '../../shared/policy/load';
import { FileStateStore } from '../../shared/state/file-store';
import { STRICT_POLICY } from '../helpers/audit';

const policy = parsePolicy(STRICT_POLICY, 'policy.yaml');
const otherPolicy = parsePolicy(`${STRICT_POLICY}\n# edited\n`, 'policy.yaml');
const NOW = new Date('2026-12-03T02:30:00Z');
const store = () => new FileStateStore(mkdtempSync(join(tmpdir(), 'fanout-')));

const targets = (count: number, region = 'cn-hangzhou'): AuditTarget[] =>
  Array.from({ length: count }, (_, index) => ({
    clusterId: `ehpc-hz-${String(index).padStart(6, '0')}`,
    region,
  }));

const listingOf = (list: AuditTarget[]): FleetListing => ({
  targets: list,
  regions: [{ region: 'cn-hangzhou', listed: list.length, totalCount: list.length }],
  unlisted: [],
  incompleteReasons: [],
});

/** What a worker's read would give: every target compliant, no findings. */
const compliant = async (list: readonly AuditTarget[]): Promise<TargetsAudit> => ({
  clusters: list.map((target) => ({ ...target, status: 'compliant' as const })),
  findings: [],
  notReached: 0,
});

/** Records events instead of invoking FC; `fail` lists shard numbers FC refuses. */
function recordingInvoker(fail: number[] = []) {
  const events: string[] = [];
  return {
    events,
    invoker: {
      async invokeAsync(event: string) {
        const { shard } = JSON.parse(event) as { shard: number };
        if (fail.includes(shard))
          throw new InvokeError(
            'invoking imagegw-audit-worker failed: ResourceThrottled',
            'ResourceThrottled',
            true,
          );
        events.push(event);
        return { requestId: `req-${shard}` };
      },
    },
  };
}

async function startRun(state: FileStateStore, list: AuditTarget[], shardSize: number, fail: number[] = []) {
  const recorder = recordingInvoker(fail);
  const result = await fanOut({
    runId: 'run-1',
    mode: 'scheduled',
    startedAt: NOW,
    policy,
    listing: listingOf(list),
    shardSize,
    store: state,
    invoker: recorder.invoker,
    by: 'coordinator-req',
    now: () => NOW,
  });
  return { ...recorder, result };
}

/** Runs a worker for one recorded event; `by` is its FC request id. */
async function work(state: FileStateStore, event: string, by: string, workerPolicy = policy) {
  const parsed = parseShardEvent(Buffer.from(event));
  const outcome = await runShard(parsed, { store: state, policy: workerPolicy, read: compliant, by });
  const report = await tryAssemble(state, parsed.runId, by, workerPolicy, NOW);
  return { outcome, report };
}

describe('splitIntoShards', () => {
  it('cuts by count, keeping every target once and in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 700 }), fc.integer({ min: 1, max: 300 }), (count, size) => {
        const list = targets(count);
        const shards = splitIntoShards(list, size);
        expect(shards.flat()).toEqual(list);
        expect(shards.every((shard) => shard.length >= 1 && shard.length <= size)).toBe(true);
        expect(shards).toHaveLength(Math.ceil(count / size));
      }),
    );
  });

  it("halves a shard until its event fits FC's async payload limit", () => {
    const long = targets(300).map((target) => ({ ...target, name: 'n'.repeat(900) }));
    const shards = splitIntoShards(long, 300);
    expect(shards.length).toBeGreaterThan(1);
    expect(shards.flat()).toEqual(long);
    for (const [index, shard] of shards.entries()) {
      expect(
        Buffer.byteLength(shardEvent('2026-12-03T02:30:00Z-abcd', index, shards.length, shard)),
      ).toBeLessThanOrEqual(ASYNC_PAYLOAD_LIMIT_BYTES);
    }
  });
});

describe('fan-out run state', () => {
  it('invokes one worker per shard and lets exactly one of the workers assemble', async () => {
    const state = store();
    const { events, result } = await startRun(state, targets(1000), 200);
    expect(result.summary).toMatchObject({ shards: 5, invoked: 5, notInvoked: [], clusters: 1000 });
    expect(events).toHaveLength(5);
    // All five finish "at the same moment".
    const outcomes = await Promise.all(events.map((event, index) => work(state, event, `worker-${index}`)));
    const reports = outcomes.flatMap((outcome) => (outcome.report ? [outcome.report] : []));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      runId: 'run-1',
      complete: true,
      summary: { clusters: 1000, compliant: 1000 },
    });
    expect(reports[0]?.startedAt).toBe(NOW.toISOString());
  });

  it('lets one of many parties racing for a complete run win, and the winner again on its retry', async () => {
    const state = store();
    const { events } = await startRun(state, targets(20), 10);
    for (const [index, event] of events.entries()) {
      const parsed = parseShardEvent(Buffer.from(event));
      await runShard(parsed, { store: state, policy, read: compliant, by: `worker-${index}` });
    }
    const parties = Array.from({ length: 8 }, (_, index) => `party-${index}`);
    const results = await Promise.all(parties.map((by) => tryAssemble(state, 'run-1', by, policy, NOW)));
    const winners = parties.filter((_, index) => results[index] !== undefined);
    expect(winners).toHaveLength(1);
    // FC retries the winner's invocation with the same request id: it may finish what it claimed.
    expect(await tryAssemble(state, 'run-1', winners[0] ?? '', policy, NOW)).toBeDefined();
    expect(await tryAssemble(state, 'run-1', 'someone-else', policy, NOW)).toBeUndefined();
  });

  it('assembles nothing while a shard is missing', async () => {
    const state = store();
    const { events } = await startRun(state, targets(30), 10);
    const first = await work(state, events[0] ?? '', 'w0');
    const second = await work(state, events[1] ?? '', 'w1');
    expect(first.report).toBeUndefined();
    expect(second.report).toBeUndefined();
    const last = await work(state, events[2] ?? '', 'w2');
    expect(last.report?.summary.clusters).toBe(30);
  });

  it('does not read a shard again when FC retries a worker that already stored it', async () => {
    const state = store();
    const { events } = await startRun(state, targets(10), 10);
    let reads = 0;
    const counting = async (list: readonly AuditTarget[]) => {
      reads += 1;
      return compliant(list);
    };
    const parsed = parseShardEvent(Buffer.from(events[0] ?? ''));
    expect(await runShard(parsed, { store: state, policy, read: counting, by: 'w' })).toMatchObject({
      reused: false,
    });
    expect(await runShard(parsed, { store: state, policy, read: counting, by: 'w' })).toMatchObject({
      reused: true,
    });
    expect(reads).toBe(1);
  });

  it('records a shard FC refused as not evaluated, and the run completes as incomplete', async () => {
    const state = store();
    const { events, result } = await startRun(state, targets(30), 10, [1]);
    expect(result.summary.invoked).toBe(2);
    expect(result.summary.notInvoked).toEqual([
      { shard: 1, error: expect.stringContaining('ResourceThrottled') },
    ]);
    expect(result.report).toBeUndefined();
    await work(state, events[0] ?? '', 'w0');
    const last = await work(state, events[1] ?? '', 'w2');
    expect(last.report).toMatchObject({ complete: false, summary: { clusters: 30, errors: 10 } });
    const refused = last.report?.clusters.filter((cluster) => cluster.error?.code === 'WorkerNotInvoked');
    expect(refused).toHaveLength(10);
  });

  it('completes the run when workers finish before the coordinator has recorded the refused shards', async () => {
    const state = store();
    const recorder = recordingInvoker([0, 1]);
    const workerReports: unknown[] = [];
    const invoker = {
      async invokeAsync(event: string) {
        const accepted = await recorder.invoker.invokeAsync(event);
        // The worker runs at once, while the coordinator is still recording shards 0 and 1.
        const { report } = await work(state, event, 'fast-worker');
        if (report) workerReports.push(report);
        return accepted;
      },
    };
    const { report, summary } = await fanOut({
      runId: 'run-1',
      mode: 'scheduled',
      startedAt: NOW,
      policy,
      listing: listingOf(targets(3)),
      shardSize: 1,
      store: state,
      invoker,
      by: 'coordinator-req',
      now: () => NOW,
    });
    expect(summary).toMatchObject({ invoked: 1, shards: 3 });
    // Whichever of the two saw the last shard assembled, and only one of them did.
    const reports = [...workerReports, ...(report ? [report] : [])];
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ complete: false, summary: { clusters: 3, errors: 2, compliant: 1 } });
  });

  it('assembles in the coordinator when it records the last shard itself', async () => {
    const state = store();
    // Shard 0 is accepted and its worker is done before FC refuses shard 1.
    let workerDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      workerDone = resolve;
    });
    const invoker = {
      async invokeAsync(event: string) {
        const { shard } = JSON.parse(event) as { shard: number };
        if (shard === 1) {
          await done;
          throw new InvokeError('invoking imagegw-audit-worker failed: AccessDenied', 'AccessDenied', false);
        }
        await work(state, event, 'worker-0');
        workerDone();
        return {};
      },
    };
    const { report } = await fanOut({
      runId: 'run-1',
      mode: 'scheduled',
      startedAt: NOW,
      policy,
      listing: listingOf(targets(2)),
      shardSize: 1,
      store: state,
      invoker,
      by: 'coordinator-req',
      now: () => NOW,
    });
    expect(report).toMatchObject({ complete: false, summary: { clusters: 2, errors: 1 } });
  });

  it('fans a run id out once: a retried trigger starts no second set of workers', async () => {
    const state = store();
    await startRun(state, targets(30), 10);
    const again = await startRun(state, targets(30), 10);
    expect(again.result.summary).toMatchObject({ alreadyStarted: true, invoked: 0 });
    expect(again.events).toHaveLength(0);
  });

  it('refuses to mix policies: a worker with another policy records its clusters as PolicyChanged', async () => {
    const state = store();
    const { events } = await startRun(state, targets(5), 5);
    const { report } = await work(state, events[0] ?? '', 'w', otherPolicy);
    // The assembler holds the other policy too; the report says so through its clusters.
    expect(report?.clusters.every((cluster) => cluster.error?.code === 'PolicyChanged')).toBe(true);
    expect(report?.complete).toBe(false);
    // Labelled with the policy the run started with, not the assembling worker's.
    expect(report?.policy.sha256).toBe(policy.sha256);
    expect(otherPolicy.sha256).not.toBe(policy.sha256);
    const stored = await readShard(state, 'run-1', 0);
    expect(stored?.result.clusters).toHaveLength(5);
  });
});

describe('parseShardEvent', () => {
  const good = JSON.parse(shardEvent('run-1', 0, 1, targets(1))) as Record<string, unknown>;
  it.each([
    ['', /the event is empty/],
    ['{', /not JSON/],
    [JSON.stringify({ ...good, shard: 1 }), /shard must be below shardCount/],
    [JSON.stringify({ ...good, targets: [] }), /^shard event: targets:/],
    [JSON.stringify({ ...good, extra: true }), /^shard event:/],
    [JSON.stringify({ ...good, kind: 'other' }), /^shard event: kind:/],
  ])('refuses %j with a one-line error', (text, message) => {
    expect(() => parseShardEvent(Buffer.from(text))).toThrow(message);
  });

  it('refuses a shard count that is not the run manifest’s', async () => {
    const state = store();
    const { events } = await startRun(state, targets(20), 10);
    const event = { ...(JSON.parse(events[0] ?? '{}') as Record<string, unknown>), shardCount: 3, shard: 2 };
    const parsed = parseShardEvent(Buffer.from(JSON.stringify(event)));
    await expect(runShard(parsed, { store: state, policy, read: compliant, by: 'w' })).rejects.toThrow(
      /run run-1 has 2 shards, not 3/,
    );
  });
});

// writeShard is used by the coordinator only for refused shards; keep its record shape honest.
it('stores shard records that read back', async () => {
  const state = store();
  await writeShard(state, {
    kind: 'imagegw-audit.fanout-shard',
    runId: 'r',
    shard: 3,
    by: 'x',
    result: await compliant(targets(2)),
  });
  expect((await readShard(state, 'r', 3))?.result.clusters).toHaveLength(2);
  expect(await readShard(state, 'r', 4)).toBeUndefined();
});

describe('recovering a run a lost worker left unassembled', () => {
  const hours = (count: number) => new Date(NOW.getTime() + count * 3_600_000);

  it('reports a run whose assembler died after claiming it, before saving the report', async () => {
    const state = store();
    const { events } = await startRun(state, targets(20), 10);
    for (const [index, event] of events.entries()) {
      await runShard(parseShardEvent(Buffer.from(event)), {
        store: state,
        policy,
        read: compliant,
        by: `w${index}`,
      });
    }
    await state.create(
      'fanout/run-1/assembled',
      JSON.stringify({ by: 'dead-assembler', at: NOW.toISOString() }),
    );
    const recover = (now: Date) =>
      recoverAbandonedRuns(state, { policy, now, by: 'next-timer', currentRunId: 'run-2' });
    expect(await recover(hours(1))).toEqual([]);
    const [report] = await recover(hours(3));
    expect(report).toMatchObject({ runId: 'run-1', complete: true, summary: { clusters: 20 } });
    expect(await recover(hours(4))).toEqual([]);
  });

  it('reports it as incomplete once it is two hours old, its missing shards in error; then prunes it after a week', async () => {
    const state = store();
    const { events } = await startRun(state, targets(30), 10);
    await work(state, events[0] ?? '', 'w0');
    const recover = (now: Date, currentRunId = 'run-2') =>
      recoverAbandonedRuns(state, { policy, now, by: 'next-timer', currentRunId });
    expect(await recover(hours(1))).toEqual([]);
    // The run being started now is never "abandoned", whatever its age.
    expect(await recover(hours(3), 'run-1')).toEqual([]);
    const [report, ...others] = await recover(hours(3));
    expect(others).toEqual([]);
    expect(report).toMatchObject({ runId: 'run-1', complete: false, summary: { clusters: 30, errors: 20 } });
    const lost = report?.clusters.filter((cluster) => cluster.error?.code === 'WorkerLost') ?? [];
    expect(lost.map((cluster) => cluster.clusterId)).toEqual(
      targets(30)
        .slice(10)
        .map((target) => target.clusterId),
    );
    expect(report?.incompleteReasons.some((reason) => reason.includes('WorkerLost'))).toBe(true);
    // Once assembled, never again, even if the lost worker finally shows up.
    expect(await recover(hours(4))).toEqual([]);
    expect((await work(state, events[1] ?? '', 'w1')).report).toBeUndefined();
    expect((await state.list('fanout')).length).toBeGreaterThan(0);
    expect(await recover(hours(24 * 8))).toEqual([]);
    expect(await state.list('fanout')).toEqual([]);
  });
});
