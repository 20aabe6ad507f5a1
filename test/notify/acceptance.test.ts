import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluateGateway } from '../../shared/audit/evaluate';
import { buildReport, clusterStatus } from '../../shared/audit/report';
import type { ClusterResult, Finding, Report } from '../../shared/audit/types';
import type { Channel, ChannelDriver } from '../../shared/notify/channel';
import { notifyRun } from '../../shared/notify/deliver';
import { driverFor } from '../../shared/notify/drivers/index';
import { parsePolicy } from '../../shared/policy/load';
import { FileStateStore } from '../../shared/state/file-store';
import { startChatEmulator } from '../emulator/chat/server';
import type { ChatEmulator } from '../emulator/chat/types';
import { compliantGateway, STRICT_POLICY } from '../helpers/audit';
import { createFakeClock } from '../helpers/fake-clock';

const START = Date.UTC(2026, 11, 3, 2, 30);
const POLICY = parsePolicy(STRICT_POLICY, 'policy.yaml');
const ROBOT_SECRET = 'SECrobot-signing-secret-DO-NOT-LEAK';
const MONGO_PASSWORD = 'mongo-PASSWORD-do-not-leak';

let chat: ChatEmulator | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

/** A violating gateway: an http mirror outside the allow-list (four findings), and a MongoDB password. */
function violating(clusterId: string, note = ''): Record<string, unknown> {
  return compliantGateway({
    MongoDBURI: `mongodb://imagegw:${MONGO_PASSWORD}@localhost/imagegw`,
    Locations: {
      LocationInfo: [
        {
          URL: '',
          RemoteType: 'dockerv2',
          Location: 'registry.cn-hangzhou.cr.aliyuncs.com',
          Authentication: 'https',
        },
        {
          URL: `http://mirror-${clusterId.toLowerCase()}.example${note}`,
          RemoteType: 'dockerv2',
          Location: 'mirror.example',
          Authentication: 'http',
        },
      ],
    },
  });
}

/** Audits an in-memory fleet with the real engine: what a run over the E-HPC API would report. */
function audit(runId: string, fleet: Record<string, Record<string, unknown>>, now: number): Report {
  const clusters: ClusterResult[] = [];
  const findings: Finding[] = [];
  for (const [clusterId, gateway] of Object.entries(fleet)) {
    const evaluation = evaluateGateway({ clusterId, region: 'cn-hangzhou' }, { Imagegw: gateway }, POLICY, {
      now: new Date(now),
    });
    findings.push(...evaluation.findings);
    clusters.push({ clusterId, region: 'cn-hangzhou', status: clusterStatus(evaluation.findings) });
  }
  const count = clusters.length;
  return buildReport({
    runId,
    mode: 'scheduled',
    startedAt: new Date(now),
    finishedAt: new Date(now),
    policy: POLICY,
    clusters,
    findings,
    regions: [{ region: 'cn-hangzhou', listed: count, totalCount: count }],
  });
}

function fleetOf(ids: string[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(ids.map((id) => [id, violating(id)]));
}

async function setup(type: 'dingtalk' | 'wecom' = 'dingtalk', driverOverride?: Partial<ChannelDriver>) {
  const clock = createFakeClock(START);
  chat = await startChatEmulator({ clock });
  const hook = type === 'dingtalk' ? chat.addDingtalk({ secret: ROBOT_SECRET }) : chat.addWecom();
  const channel: Channel = {
    name: 'ops',
    type,
    url: hook.url,
    ...(type === 'dingtalk' ? { secret: ROBOT_SECRET } : {}),
    minSeverity: 'low',
    remindEvery: 86_400,
  };
  const stateDir = mkdtempSync(join(tmpdir(), 'notify-'));
  const store = new FileStateStore(stateDir);
  const drivers = () => ({ ...driverFor(type), ...driverOverride });
  const notify = (report: Report) => notifyRun(report, [channel], { store, clock, drivers, timeoutMs: 2000 });
  const emulator = chat;
  const messages = () =>
    (emulator.delivered(hook.id) as { markdown?: { text?: string; content?: string } }[]).map(
      (body) => body.markdown?.text ?? body.markdown?.content ?? '',
    );
  return { clock, chat: emulator, hook, channel, store, stateDir, notify, messages };
}

const fingerprintsIn = (texts: string[]) =>
  new Set(
    texts
      .join('\n')
      .match(/\(([0-9a-f]{8})\)/g)
      ?.map((m) => m.slice(1, -1)),
  );

describe('notifications, end to end against the chat emulators', () => {
  it('four runs — all violating, unchanged, one fixed, one deleted — post the new findings, nothing, and each resolved cluster', async () => {
    const { notify, messages, clock } = await setup();
    const ids = ['ehpc-hz-a', 'ehpc-hz-b', 'ehpc-hz-c'];
    const run1 = audit('2026-12-03T02:30:00Z-0001', fleetOf(ids), clock.now());
    await notify(run1);
    expect(messages()).toHaveLength(1);
    expect(fingerprintsIn(messages())).toEqual(new Set(run1.findings.map((f) => f.fingerprint.slice(0, 8))));

    clock.advance(3600_000);
    await notify(audit('2026-12-03T03:30:00Z-0002', fleetOf(ids), clock.now()));
    expect(messages()).toHaveLength(1);

    clock.advance(3600_000);
    const fixed = { ...fleetOf(['ehpc-hz-a', 'ehpc-hz-c']), 'ehpc-hz-b': compliantGateway() };
    await notify(audit('2026-12-03T04:30:00Z-0003', fixed, clock.now()));
    expect(messages()).toHaveLength(2);
    const third = messages()[1] ?? '';
    expect(third).toMatch(/Resolved \(\d+\)/);
    expect(third).toContain('ehpc-hz-b');
    expect(third).not.toMatch(/ehpc-hz-[ac]\b/);
    expect(third).toMatch(/0 new/);

    clock.advance(3600_000);
    const deleted = { 'ehpc-hz-a': violating('ehpc-hz-a'), 'ehpc-hz-b': compliantGateway() };
    await notify(audit('2026-12-03T05:30:00Z-0004', deleted, clock.now()));
    expect(messages()).toHaveLength(3);
    const fourth = messages()[2] ?? '';
    expect(fourth).toContain('ehpc-hz-c');
    expect(fourth).toContain('cluster no longer exists');
    expect(fourth).not.toMatch(/ehpc-hz-[ab]\b/);
  });

  it('45 violating clusters to one DingTalk robot: nothing rejected for rate, every finding reaches the chat', async () => {
    // A small part budget forces ~30+ messages through the 20-per-minute robot.
    const { notify, messages, chat: emulator, clock } = await setup('dingtalk', { maxTextBytes: 900 });
    const ids = Array.from({ length: 45 }, (_, index) => `ehpc-hz-${String(index).padStart(4, '0')}`);
    const report = audit('2026-12-03T02:30:00Z-0045', fleetOf(ids), clock.now());
    const result = await notify(report);
    expect(result.undelivered).toEqual([]);
    expect(messages().length).toBeGreaterThan(20);
    expect(
      emulator.requests.filter((request) => request.verdict.code !== 0 && request.verdict.code !== '0'),
    ).toEqual([]);
    expect(fingerprintsIn(messages())).toEqual(
      new Set(report.findings.map((f) => f.fingerprint.slice(0, 8))),
    );
    // Parts are numbered (i/n) in order.
    expect(messages()[0]).toMatch(/^\(1\/\d+\)/);
  });

  it('120 findings with Chinese text to WeCom: every part at most 4096 bytes, none rejected, every finding present', async () => {
    const { notify, messages, chat: emulator, clock } = await setup('wecom');
    const ids = Array.from({ length: 30 }, (_, index) => `ehpc-hz-镜像${String(index).padStart(3, '0')}`);
    const fleet = Object.fromEntries(ids.map((id) => [id, violating(id, '/路径/仓库')]));
    const report = audit('2026-12-03T02:30:00Z-0120', fleet, clock.now());
    expect(report.findings.length).toBeGreaterThanOrEqual(120);
    const result = await notify(report);
    expect(result.undelivered).toEqual([]);
    expect(emulator.requests.every((request) => request.verdict.code === 0)).toBe(true);
    for (const text of messages()) expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(4096);
    expect(messages().length).toBeGreaterThan(1);
    expect(fingerprintsIn(messages())).toEqual(
      new Set(report.findings.map((f) => f.fingerprint.slice(0, 8))),
    );
  });

  it('the sink down for a whole run: the next run delivers the missed message, once', async () => {
    const { notify, messages, chat: emulator, clock } = await setup();
    const fleet = fleetOf(['ehpc-hz-a']);
    await emulator.down();
    const first = await notify(audit('2026-12-03T02:30:00Z-down', fleet, clock.now()));
    expect(first.undelivered.map((part) => part.status)).toEqual(['pending']);
    await emulator.up();
    clock.advance(3600_000);
    const second = await notify(audit('2026-12-03T03:30:00Z-next', fleet, clock.now()));
    expect(second.delivered).toEqual(['2026-12-03T02:30:00Z-down/ops/1']);
    expect(messages()).toHaveLength(1);
    clock.advance(3600_000);
    await notify(audit('2026-12-03T04:30:00Z-more', fleet, clock.now()));
    expect(messages()).toHaveLength(1);
  });

  it('the same run invoked twice posts no part twice, even one accepted after the client gave up', async () => {
    const { notify, messages, chat: emulator, hook, clock } = await setup('dingtalk', { maxTextBytes: 900 });
    const report = audit(
      '2026-12-03T02:30:00Z-twice',
      fleetOf(['ehpc-hz-a', 'ehpc-hz-b', 'ehpc-hz-c']),
      clock.now(),
    );
    // The second part is held past the client's timeout but counts as posted (accepted late).
    emulator.fault(hook.id, { kind: 'slow', delayMs: 2500, recordAnyway: true, after: 1, times: 1 });
    const first = await notify(report);
    expect(first.undelivered.some((part) => part.status === 'uncertain')).toBe(true);
    const again = await notify(report);
    expect(again.queued).toBe(0);
    const texts = messages();
    expect(new Set(texts).size).toBe(texts.length);
  }, 20_000);

  it('puts no secret in any message, state file or result', async () => {
    const { notify, messages, stateDir, hook, clock } = await setup();
    const result = await notify(audit('2026-12-03T02:30:00Z-secret', fleetOf(['ehpc-hz-a']), clock.now()));
    const token = new URL(hook.url).searchParams.get('access_token') ?? 'missing-token';
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(readFileSync(path, 'utf8'));
      }
    };
    walk(stateDir);
    // The state keeps the run history too.
    expect(files.some((file) => file.includes('"runId":"2026-12-03T02:30:00Z-secret"'))).toBe(true);
    const everything = [...messages(), ...files, JSON.stringify(result)].join('\n');
    for (const secret of [ROBOT_SECRET, token, MONGO_PASSWORD]) expect(everything).not.toContain(secret);
  });

  it('waits out a 429 with Retry-After and retries; does not retry a permanent error', async () => {
    const clock = createFakeClock(START);
    chat = await startChatEmulator({ clock });
    const slack = chat.addSlack();
    const robot = chat.addDingtalk({ secret: ROBOT_SECRET });
    const channels: Channel[] = [
      { name: 'slack', type: 'slack', url: slack.url, minSeverity: 'low', remindEvery: 86_400 },
      // The robot's secret is wrong: a signature failure is permanent.
      {
        name: 'robot',
        type: 'dingtalk',
        url: robot.url,
        secret: 'SECwrong',
        minSeverity: 'low',
        remindEvery: 86_400,
      },
    ];
    chat.fault(slack.id, { kind: 'status', status: 429, retryAfter: 30, times: 1 });
    const store = new FileStateStore(mkdtempSync(join(tmpdir(), 'notify-')));
    const before = clock.now();
    const result = await notifyRun(
      audit('2026-12-03T02:30:00Z-wait', fleetOf(['ehpc-hz-a']), clock.now()),
      channels,
      {
        store,
        clock,
      },
    );
    expect(chat.requestsFor(slack.id)).toHaveLength(2);
    expect(chat.delivered(slack.id)).toHaveLength(1);
    expect((chat.requestsFor(slack.id)[1]?.at ?? 0) - before).toBeGreaterThanOrEqual(30_000);
    expect(chat.requestsFor(robot.id)).toHaveLength(1);
    expect(result.undelivered).toEqual([
      expect.objectContaining({ channel: 'robot', status: 'failed', error: expect.stringMatching(/310000/) }),
    ]);
    expect(JSON.stringify(result)).not.toContain('SECwrong');
  });

  it('a run that died mid-send and is invoked again does not post that part a second time', async () => {
    const { channel, store, messages, clock } = await setup();
    const report = audit('2026-12-03T02:30:00Z-crash', fleetOf(['ehpc-hz-a']), clock.now());
    // The service accepts the post, then the process "dies" before recording it: the request
    // never returns to us. The first invocation is abandoned, as FC abandons a killed instance.
    const dying: typeof fetch = async (input, init) => {
      await fetch(input, init);
      return new Promise<Response>(() => {});
    };
    void notifyRun(report, [channel], { store, clock, fetch: dying, timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(messages()).toHaveLength(1);
    const again = await notifyRun(report, [channel], { store, clock });
    expect(again.delivered).toEqual([]);
    expect(again.undelivered.map((part) => part.status)).toEqual(['uncertain']);
    expect(messages()).toHaveLength(1);
  });

  it('a part refused for a bad secret is not lost: the next run, with the secret fixed, delivers it once', async () => {
    const { channel, store, messages, clock } = await setup();
    const broken = { ...channel, secret: 'SECwrong' };
    const first = await notifyRun(
      audit('2026-12-03T02:30:00Z-bad', fleetOf(['ehpc-hz-a']), clock.now()),
      [broken],
      { store, clock },
    );
    expect(first.undelivered.map((part) => part.status)).toEqual(['failed']);
    clock.advance(3600_000);
    const second = await notifyRun(
      audit('2026-12-03T03:30:00Z-fixed', fleetOf(['ehpc-hz-a']), clock.now()),
      [channel],
      { store, clock },
    );
    expect(second.delivered).toEqual(['2026-12-03T02:30:00Z-bad/ops/1']);
    expect(messages()).toHaveLength(1);
  });

  it('two runs at the same moment on one state directory yield one notification', async () => {
    const { channel, store, messages, clock } = await setup();
    const fleet = fleetOf(['ehpc-hz-a', 'ehpc-hz-b']);
    const [one, two] = await Promise.all([
      notifyRun(audit('2026-12-03T02:30:00Z-aaaa', fleet, clock.now()), [channel], { store, clock }),
      notifyRun(audit('2026-12-03T02:30:00Z-bbbb', fleet, clock.now()), [channel], { store, clock }),
    ]);
    expect([one?.deferredTo, two?.deferredTo].filter(Boolean)).toHaveLength(1);
    expect(messages()).toHaveLength(1);
  });
});
