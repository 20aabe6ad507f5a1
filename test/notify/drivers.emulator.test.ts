/**
 * The production drivers, sendPart and the rate limiter against the chat emulator
 * (test/emulator/chat): each driver posts to its emulated service with signing on, at its worst
 * allowed size, at its full rate, and through the faults of spec/chat-protocols.md §12.3.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type {
  Channel,
  ChannelDriver,
  ChannelType,
  OutgoingPart,
  SendOutcome,
} from '../../shared/notify/channel';
import { driverFor } from '../../shared/notify/drivers/index';
import { sendPart } from '../../shared/notify/send';
import { createRateLimiter } from '../../shared/pace/rate-limiter';
import { type ChatEmulator, type ChatHook, startChatEmulator } from '../emulator/chat/index';
import { createFakeClock, type FakeClock } from '../helpers/fake-clock';

const START = Date.UTC(2026, 11, 3);
const DING_SECRET = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';
const FEISHU_SECRET = 'feishuSigningSecret42';
const WH_SECRET = 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';

let emulator: ChatEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(): Promise<{ emu: ChatEmulator; clock: FakeClock }> {
  const clock = createFakeClock(START);
  emulator = await startChatEmulator({ clock });
  return { emu: emulator, clock };
}

/** A hook of each type with signing on where the service has it, and the matching channel. */
function addHook(emu: ChatEmulator, type: ChannelType): { hook: ChatHook; channel: Channel } {
  const common = { name: `${type}-ops`, type, minSeverity: 'high' as const, remindEvery: 86_400 };
  switch (type) {
    case 'dingtalk': {
      const hook = emu.addDingtalk({ secret: DING_SECRET, keywords: ['imagegw'] });
      return { hook, channel: { ...common, url: hook.url, secret: DING_SECRET } };
    }
    case 'feishu': {
      const hook = emu.addFeishu({ secret: FEISHU_SECRET });
      return { hook, channel: { ...common, url: hook.url, secret: FEISHU_SECRET } };
    }
    case 'wecom': {
      const hook = emu.addWecom();
      return { hook, channel: { ...common, url: hook.url } };
    }
    case 'slack': {
      const hook = emu.addSlack();
      return { hook, channel: { ...common, url: hook.url } };
    }
    default: {
      const hook = emu.addWebhook({ secrets: [WH_SECRET] });
      return { hook, channel: { ...common, url: hook.url, secret: WH_SECRET } };
    }
  }
}

function part(index = 1, overrides: Partial<OutgoingPart> = {}): OutgoingPart {
  return {
    id: `run-7/ops/${index}`,
    runId: 'run-7',
    channel: 'ops',
    index,
    total: 1,
    title: 'imagegw-audit: 2 new, 1 resolved',
    text: '**imagegw-audit: 2 new**\n- [CRITICAL] tls · off (1a2b3c4d)\n- [HIGH] auth · none (5e6f7a8b)',
    ...overrides,
  };
}

/** The secret part of a hook URL: its access_token/key, else its last path segment. */
function tokenOf(url: string): string {
  const parsed = new URL(url);
  const token =
    parsed.searchParams.get('access_token') ??
    parsed.searchParams.get('key') ??
    parsed.pathname.split('/').pop() ??
    '';
  expect(token.length).toBeGreaterThan(4);
  return token;
}

const TYPES: ChannelType[] = ['dingtalk', 'feishu', 'wecom', 'slack', 'webhook'];

/** The largest text each driver allows, made of what costs most on its wire. */
function worstText(driver: ChannelDriver): string {
  if (driver.type === 'wecom') return `${'告'.repeat(1365)}x`;
  if (driver.type === 'slack') {
    const line = `- ${'合'.repeat(700)} "x" & <y>`;
    return Array.from({ length: 40 }, () => line)
      .join('\n')
      .slice(0, driver.maxTextBytes / 3);
  }
  return `imagegw ${'"\\\n'.repeat(driver.maxTextBytes)}`.slice(0, driver.maxTextBytes);
}

describe('drivers against the chat emulator', () => {
  it.each(TYPES)('%s: a signed post is delivered as sent', async (type) => {
    const { emu, clock } = await start();
    const { hook, channel } = addHook(emu, type);
    const driver = driverFor(type);
    const outcome = await sendPart(driver, channel, part(), { clock });
    expect(outcome).toEqual({ status: 'delivered' });
    const delivered = emu.delivered(hook.id);
    expect(delivered).toHaveLength(1);
    expect(JSON.stringify(delivered[0])).toContain('[CRITICAL] tls');
  });

  it.each(TYPES)('%s: the worst text of maxTextBytes with the worst title is accepted', async (type) => {
    const { emu, clock } = await start();
    const { hook, channel } = addHook(emu, type);
    const driver = driverFor(type);
    const text = worstText(driver);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(driver.maxTextBytes);
    const outcome = await sendPart(driver, channel, part(1, { text, title: `imagegw ${'"'.repeat(400)}` }), {
      clock,
    });
    expect(outcome).toEqual({ status: 'delivered' });
    expect(emu.delivered(hook.id)).toHaveLength(1);
  });

  it.each([
    ['dingtalk', 50],
    ['feishu', 130],
    ['wecom', 45],
    ['slack', 8],
  ] as const)('%s: %i parts through the rate limiter, never rate limited', async (type, count) => {
    const { emu, clock } = await start();
    const { hook, channel } = addHook(emu, type);
    const driver = driverFor(type);
    const limiter = createRateLimiter(driver.rate, clock);
    const outcomes: SendOutcome[] = [];
    for (let i = 1; i <= count; i += 1) {
      await limiter.acquire();
      outcomes.push(await sendPart(driver, channel, part(i), { clock }));
    }
    expect(outcomes.filter((o) => o.status !== 'delivered')).toEqual([]);
    expect(emu.delivered(hook.id)).toHaveLength(count);
    expect(clock.now()).toBeGreaterThan(START);
  });

  it('DingTalk: the 21st post in a minute is 130101 → retry after the 10-minute block; 302 mode likewise', async () => {
    const { emu, clock } = await start();
    const { hook, channel } = addHook(emu, 'dingtalk');
    const driver = driverFor('dingtalk');
    for (let i = 1; i <= 20; i += 1)
      expect(await sendPart(driver, channel, part(i), { clock })).toEqual({ status: 'delivered' });
    expect(await sendPart(driver, channel, part(21), { clock })).toMatchObject({
      status: 'retry',
      code: 'dingtalk_130101',
      retryAfterMs: 600_000,
    });
    emu.configure(hook.id, { throttleMode: '302' });
    expect(await sendPart(driver, channel, part(21), { clock })).toMatchObject({
      status: 'retry',
      code: 'http_302',
      retryAfterMs: 600_000,
    });
    // Not followed: no request reached the redirect target.
    expect(emu.requests.filter((r) => r.channel === null)).toHaveLength(0);
    clock.advance(600_001);
    expect(await sendPart(driver, channel, part(21), { clock })).toEqual({ status: 'delivered' });
  });

  it('Feishu 11232, WeCom 45009 and Slack 429 without the limiter: retry', async () => {
    const { emu, clock } = await start();
    const feishu = addHook(emu, 'feishu');
    const wecom = addHook(emu, 'wecom');
    const slack = addHook(emu, 'slack');
    const burst = async (type: ChannelType, channel: Channel, n: number) => {
      const outcomes: SendOutcome[] = [];
      for (let i = 1; i <= n; i += 1)
        outcomes.push(await sendPart(driverFor(type), channel, part(i), { clock }));
      return outcomes.filter((o) => o.status !== 'delivered');
    };
    expect(await burst('feishu', feishu.channel, 6)).toMatchObject([
      { status: 'retry', code: 'feishu_11232' },
    ]);
    expect(await burst('wecom', wecom.channel, 21)).toMatchObject([{ status: 'retry', code: 'wecom_45009' }]);
    const slackOutcomes = await burst('slack', slack.channel, 2);
    expect(slackOutcomes).toMatchObject([{ status: 'retry', code: 'http_429' }]);
    expect((slackOutcomes[0] as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
  });

  it('a slow answer that the service recorded anyway: uncertain, and it was in fact delivered', async () => {
    const { emu, clock } = await start();
    const { hook, channel } = addHook(emu, 'dingtalk');
    emu.fault(hook.id, { kind: 'slow', delayMs: 2_000, recordAnyway: true, times: 1 });
    const outcome = await sendPart(driverFor('dingtalk'), channel, part(), { clock, timeoutMs: 250 });
    expect(outcome).toMatchObject({ status: 'uncertain', code: 'timeout' });
    expect(emu.delivered(hook.id)).toHaveLength(1);
    emu.fault(hook.id, { kind: 'slow', delayMs: 2_000, recordAnyway: true, phase: 'body', times: 1 });
    expect(await sendPart(driverFor('dingtalk'), channel, part(2), { clock, timeoutMs: 250 })).toMatchObject({
      status: 'uncertain',
    });
  });

  it('resets, 5xx, HTML 200 and business errors', async () => {
    const { emu, clock } = await start();
    const { hook, channel } = addHook(emu, 'feishu');
    const send = () => sendPart(driverFor('feishu'), channel, part(), { clock });
    emu.fault(hook.id, { kind: 'reset', times: 1 });
    expect(await send()).toMatchObject({ status: 'retry', code: 'connection_reset' });
    emu.fault(hook.id, { kind: 'reset', phase: 'after-headers', times: 1 });
    expect(await send()).toMatchObject({ status: 'uncertain' });
    emu.fault(hook.id, { kind: 'status', status: 503, retryAfter: 7, times: 1 });
    expect(await send()).toMatchObject({ status: 'retry', code: 'http_503', retryAfterMs: 7_000 });
    emu.fault(hook.id, { kind: 'status', status: 200, times: 1 });
    expect(await send()).toMatchObject({ status: 'retry', code: 'malformed_response' });
    emu.fault(hook.id, { kind: 'business', code: 19024, msg: 'Key Words Not Found', times: 1 });
    expect(await send()).toMatchObject({ status: 'failed', code: 'feishu_19024' });
    expect(emu.delivered(hook.id)).toHaveLength(0);
    expect(await send()).toEqual({ status: 'delivered' });
  });

  it('Slack: a JSON 200 is not delivered, 404 after revocation fails', async () => {
    const { emu, clock } = await start();
    const { hook, channel } = addHook(emu, 'slack');
    emu.fault(hook.id, {
      kind: 'status',
      status: 200,
      body: '{"ok":true}',
      contentType: 'application/json',
      times: 1,
    });
    expect(await sendPart(driverFor('slack'), channel, part(), { clock })).toMatchObject({
      status: 'failed',
      code: 'unexpected_response',
    });
    emu.revoke(hook.id);
    expect(await sendPart(driverFor('slack'), channel, part(), { clock })).toMatchObject({
      status: 'failed',
      code: 'slack_no_service',
    });
  });

  it('wrong secrets and clock skew fail for good, and no message carries a token', async () => {
    const { emu, clock } = await start();
    const cases: [ChannelType, string][] = [
      ['dingtalk', 'dingtalk_310000'],
      ['feishu', 'feishu_19021'],
      ['webhook', 'http_401'],
    ];
    for (const [type, code] of cases) {
      const { channel } = addHook(emu, type);
      const wrong = type === 'webhook' ? 'whsec_d3Jvbmcgc2VjcmV0IHdyb25nIHNlY3JldA==' : 'SECwrong';
      const outcome = await sendPart(driverFor(type), { ...channel, secret: wrong }, part(), { clock });
      expect(outcome).toMatchObject({ status: 'failed', code });
      expect(outcome.status !== 'delivered' && outcome.message).not.toContain(tokenOf(channel.url));
    }
    const { hook, channel } = addHook(emu, 'dingtalk');
    emu.setClockOffset(3_600_001);
    const skewed = await sendPart(driverFor('dingtalk'), channel, part(), { clock });
    expect(skewed).toMatchObject({ status: 'failed', code: 'dingtalk_310000' });
    expect(skewed.status !== 'delivered' && skewed.message).toMatch(/invalid timestamp/);
    emu.setClockOffset(0);
    emu.revoke(hook.id);
    expect(await sendPart(driverFor('dingtalk'), channel, part(), { clock })).toMatchObject({
      status: 'failed',
    });
  });

  it('webhook: a retry keeps webhook-id, so the receiver drops the duplicate', async () => {
    const { emu, clock } = await start();
    const { hook, channel } = addHook(emu, 'webhook');
    expect(await sendPart(driverFor('webhook'), channel, part(), { clock })).toEqual({ status: 'delivered' });
    clock.advance(60_000);
    expect(await sendPart(driverFor('webhook'), channel, part(), { clock })).toEqual({ status: 'delivered' });
    expect(emu.delivered(hook.id)).toHaveLength(1);
    expect(emu.requestsFor(hook.id).map((r) => r.verdict.code)).toEqual(['ok', 'duplicate']);
  });

  it('the service down: connection refused → retry', async () => {
    const { emu, clock } = await start();
    const { channel } = addHook(emu, 'wecom');
    await emu.down();
    const outcome = await sendPart(driverFor('wecom'), channel, part(), { clock });
    expect(outcome).toMatchObject({ status: 'retry', code: 'connection_refused' });
    expect(outcome.status !== 'delivered' && outcome.message).not.toContain(tokenOf(channel.url));
    await emu.up();
    expect(await sendPart(driverFor('wecom'), channel, part(), { clock })).toEqual({ status: 'delivered' });
  });
});
