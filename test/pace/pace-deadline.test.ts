import { describe, expect, it } from 'vitest';
import { runFleetAudit } from '../../shared/audit/run';
import { createEhpcClient } from '../../shared/ehpc/pop-client';
import { createRateLimiter, TurnTooLateError } from '../../shared/pace/rate-limiter';
import { createRegionPacer } from '../../shared/pace/region-pacer';
import { baselinePolicy } from '../../shared/policy/load';
import { generateFleet } from '../emulator/ehpc/fleet';
import { useEhpcEmulator } from '../helpers/emulator';
import { createFakeClock } from '../helpers/fake-clock';

const KEY = { accessKeyId: 'pace-key-id', accessKeySecret: 'pace-key-secret' };
const start = useEhpcEmulator();

describe('per-region pace', () => {
  it('lets at most qps requests start in any second of a region, evenly spaced, regions independently', async () => {
    const clock = createFakeClock(1_000_000);
    const pace = createRegionPacer(5, clock);
    const starts: Record<string, number[]> = { a: [], b: [] };
    await Promise.all([
      ...Array.from({ length: 20 }, () => pace('a').then(() => starts.a?.push(clock.now()))),
      ...Array.from({ length: 5 }, () => pace('b').then(() => starts.b?.push(clock.now()))),
    ]);
    const a = starts.a ?? [];
    for (let index = 5; index < a.length; index += 1) {
      expect((a[index] ?? 0) - (a[index - 5] ?? 0)).toBeGreaterThanOrEqual(1000);
    }
    expect((a.at(-1) ?? 0) - 1_000_000).toBeGreaterThanOrEqual(3000);
    // Evenly spaced (no burst the service could count into its next second), and b does not wait for a.
    for (const list of [a, starts.b ?? []]) {
      for (let index = 1; index < list.length; index += 1) {
        expect((list[index] ?? 0) - (list[index - 1] ?? 0)).toBeGreaterThanOrEqual(200);
      }
    }
    expect(starts.b?.[0]).toBe(1_000_000);
    expect((starts.b?.at(-1) ?? 0) - 1_000_000).toBeLessThan(1000);
  });

  it('paces every request the client sends, listing pages and retries included', async () => {
    const emulator = await start({
      regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 7) },
      credentials: [KEY],
    });
    const paced: string[] = [];
    const reader = createEhpcClient({
      credentials: KEY,
      endpointFor: () => emulator.endpoints['cn-hangzhou'] ?? '',
      retry: { sleep: async () => {} },
      beforeRequest: async (region) => {
        paced.push(region);
      },
    });
    emulator.throttle({ next: 2 });
    const report = await runFleetAudit({
      reader,
      policy: baselinePolicy(),
      regions: ['cn-hangzhou'],
      mode: 'run',
    });
    expect(report.summary.clusters).toBe(7);
    expect(paced).toHaveLength(emulator.requests.length);
  });
});

describe('the run deadline', () => {
  it('starts no read after the deadline, lists what was not reached as not evaluated, and is incomplete', async () => {
    const emulator = await start({
      regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 12) },
      credentials: [KEY],
      latencyMs: 60,
    });
    const reader = createEhpcClient({
      credentials: KEY,
      endpointFor: () => emulator.endpoints['cn-hangzhou'] ?? '',
    });
    const report = await runFleetAudit({
      reader,
      policy: baselinePolicy(),
      regions: ['cn-hangzhou'],
      mode: 'run',
      concurrency: 1,
      deadline: Date.now() + 250,
    });
    const notEvaluated = report.clusters.filter((cluster) => cluster.error?.code === 'NotEvaluated');
    const read = report.clusters.filter((cluster) => cluster.status !== 'error');
    expect(report.clusters).toHaveLength(12);
    expect(notEvaluated.length).toBeGreaterThan(0);
    expect(report.complete).toBe(false);
    expect(report.incompleteReasons).toContain(
      `${notEvaluated.length} cluster(s) not evaluated: the run reached its deadline`,
    );
    const reads = emulator.requests.filter((request) => request.action === 'DescribeImageGatewayConfig');
    expect(reads).toHaveLength(read.length);
  });

  it("does not let the pace's own wait carry a read past the deadline", async () => {
    const emulator = await start({
      regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 20) },
      credentials: [KEY],
    });
    const deadline = Date.now() + 600;
    const reader = createEhpcClient({
      credentials: KEY,
      endpointFor: () => emulator.endpoints['cn-hangzhou'] ?? '',
      // 4 requests per second: the listing and three reads fit before the deadline, the fifth
      // request's turn (one second in) does not.
      beforeRequest: createRegionPacer(4, undefined, deadline),
    });
    const report = await runFleetAudit({
      reader,
      policy: baselinePolicy(),
      regions: ['cn-hangzhou'],
      mode: 'run',
      deadline,
    });
    const reads = emulator.requests.filter((request) => request.action === 'DescribeImageGatewayConfig');
    expect(reads.length).toBeLessThanOrEqual(3);
    expect(report.clusters.filter((cluster) => cluster.error?.code === 'NotEvaluated')).toHaveLength(
      20 - reads.length,
    );
    expect(Date.parse(report.finishedAt)).toBeLessThan(deadline + 500);
  });
});

describe('under heavy flow control', () => {
  it('audits every cluster when about 30% of all calls are throttled, retrying with backoff', async () => {
    const emulator = await start({
      regions: {
        'cn-hangzhou': generateFleet('cn-hangzhou', 150),
        'cn-shanghai': generateFleet('cn-shanghai', 100),
      },
      credentials: [KEY],
    });
    // 30% of calls, chosen by a seeded generator (listing pages and retries included): before each
    // call, tell the emulator to throttle the next one it receives.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const waits: number[] = [];
    const reader = createEhpcClient({
      credentials: KEY,
      endpointFor: (region) => emulator.endpoints[region] ?? '',
      // The production retry budget; the backoff delays are computed but not slept, to keep it fast.
      retry: {
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
      beforeRequest: async () => {
        if (random() < 0.3) emulator.throttle({ next: 1 });
      },
    });
    const report = await runFleetAudit({
      reader,
      policy: baselinePolicy(),
      regions: ['cn-hangzhou', 'cn-shanghai'],
      concurrency: 8,
      mode: 'run',
    });
    const throttled = emulator.requests.filter((request) => request.code === 'Throttling.User').length;
    expect(throttled / emulator.requests.length).toBeGreaterThan(0.25);
    expect(report.summary).toMatchObject({ clusters: 250, errors: 0 });
    expect(report.complete).toBe(true);
    expect(waits.length).toBe(throttled);
  });
});

describe('rate limiter turns with a limit', () => {
  it('refuses a turn that would come too late without counting it, so those queued behind are not pushed back', async () => {
    const clock = createFakeClock(0);
    const limiter = createRateLimiter([{ max: 1, windowMs: 100 }], clock, { marginMs: 0 });
    await limiter.acquire();
    await expect(limiter.acquire(50)).rejects.toBeInstanceOf(TurnTooLateError);
    const next = limiter.acquire();
    await next;
    // The refused turn was not counted: the next send is one window after the first, not two.
    expect(clock.now()).toBe(101);
  });
});

describe('reading order', () => {
  it('takes turns between regions, so every region’s pace is used at once', async () => {
    const emulator = await start({
      regions: {
        'cn-hangzhou': generateFleet('cn-hangzhou', 6),
        'cn-shanghai': generateFleet('cn-shanghai', 3),
      },
      credentials: [KEY],
    });
    const reader = createEhpcClient({
      credentials: KEY,
      endpointFor: (region) => emulator.endpoints[region] ?? '',
    });
    await runFleetAudit({
      reader,
      policy: baselinePolicy(),
      regions: ['cn-hangzhou', 'cn-shanghai'],
      concurrency: 1,
      mode: 'run',
    });
    const order = emulator.requests
      .filter((request) => request.action === 'DescribeImageGatewayConfig')
      .map((request) => request.region);
    expect(order).toEqual([
      'cn-hangzhou',
      'cn-shanghai',
      'cn-hangzhou',
      'cn-shanghai',
      'cn-hangzhou',
      'cn-shanghai',
      'cn-hangzhou',
      'cn-hangzhou',
      'cn-hangzhou',
    ]);
  });
});
