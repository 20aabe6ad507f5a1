import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dingtalkDriver } from '../../shared/notify/drivers/dingtalk';
import { feishuDriver } from '../../shared/notify/drivers/feishu';
import { slackDriver } from '../../shared/notify/drivers/slack';
import { wecomDriver } from '../../shared/notify/drivers/wecom';
import { createRateLimiter, type RateRule } from '../../shared/pace/rate-limiter';
import { createFakeClock } from '../helpers/fake-clock';

const START = Date.UTC(2026, 11, 3);

/** Sends `count` times through a limiter, returning the clock time of each send. */
async function sendTimes(rules: readonly RateRule[], count: number, options = {}): Promise<number[]> {
  const clock = createFakeClock(START);
  const limiter = createRateLimiter(rules, clock, options);
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    await limiter.acquire();
    times.push(clock.now());
  }
  return times;
}

/** The most sends in any closed window [t, t + windowMs]. */
function busiestWindow(times: readonly number[], windowMs: number): number {
  let most = 0;
  for (let i = 0; i < times.length; i += 1) {
    const start = times[i] ?? 0;
    most = Math.max(most, times.filter((t) => t >= start && t <= start + windowMs).length);
  }
  return most;
}

describe('createRateLimiter', () => {
  it('DingTalk: 20 sends in any 60 s window, never 21', async () => {
    const times = await sendTimes(dingtalkDriver.rate, 70);
    expect(busiestWindow(times, 60_000)).toBe(20);
    // The first 20 go at once; the 21st waits just over a minute (window + margin), not 10.
    expect(times.slice(0, 20).every((t) => t === START)).toBe(true);
    const wait = (times[20] ?? 0) - START;
    expect(wait).toBeGreaterThan(60_000);
    expect(wait).toBeLessThanOrEqual(62_000);
  });

  it('Feishu: 5 per second AND 100 per minute, both at once', async () => {
    const times = await sendTimes(feishuDriver.rate, 260);
    expect(busiestWindow(times, 1_000)).toBeLessThanOrEqual(5);
    expect(busiestWindow(times, 60_000)).toBeLessThanOrEqual(100);
    expect(busiestWindow(times, 60_000)).toBe(100);
    // 100 sends at 5 per second take about 20 s; the 101st waits for the minute.
    expect((times[100] ?? 0) - START).toBeGreaterThan(60_000);
  });

  it('WeCom 20 per minute and Slack 1 per second', async () => {
    expect(busiestWindow(await sendTimes(wecomDriver.rate, 45), 60_000)).toBe(20);
    const slack = await sendTimes(slackDriver.rate, 10);
    expect(busiestWindow(slack, 1_000)).toBe(1);
  });

  it('any rules, any margin: no window ever holds more than its max', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ max: fc.integer({ min: 1, max: 6 }), windowMs: fc.integer({ min: 1, max: 5_000 }) }),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
        async (rules, marginMs) => {
          const times = await sendTimes(rules, 30, marginMs === undefined ? {} : { marginMs });
          for (const rule of rules) expect(busiestWindow(times, rule.windowMs)).toBeLessThanOrEqual(rule.max);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('no rules: never waits', async () => {
    const times = await sendTimes([], 50);
    expect(new Set(times)).toEqual(new Set([START]));
  });

  it('block(untilMs) holds every send until then; the later block wins', async () => {
    const clock = createFakeClock(START);
    const limiter = createRateLimiter(dingtalkDriver.rate, clock);
    await limiter.acquire();
    limiter.block(START + 600_000); // DingTalk's 10-minute block
    limiter.block(START + 5_000); // an earlier one does not shorten it
    expect(limiter.nextAllowedAt()).toBe(START + 600_000);
    await limiter.acquire();
    expect(clock.now()).toBe(START + 600_000);
    await limiter.acquire();
    expect(clock.now()).toBe(START + 600_000);
  });

  it('concurrent acquires are served in order and never share the last slot', async () => {
    const clock = createFakeClock(START);
    const limiter = createRateLimiter([{ max: 2, windowMs: 1_000 }], clock, { marginMs: 0 });
    const order: [number, number][] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => limiter.acquire().then(() => order.push([i, clock.now()]))),
    );
    expect(order.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(order.map(([, t]) => t - START)).toEqual([0, 0, 1_001, 1_001, 2_002, 2_002]);
  });

  it('rejects nonsense rules', () => {
    const clock = createFakeClock(START);
    expect(() => createRateLimiter([{ max: 0, windowMs: 1000 }], clock)).toThrow(RangeError);
    expect(() => createRateLimiter([{ max: 1, windowMs: 0 }], clock)).toThrow(RangeError);
  });
});
