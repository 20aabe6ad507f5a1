/**
 * The chat emulator against spec/chat-protocols.md: §11 vectors through its verifiers and over HTTP,
 * window and byte boundaries, rate limits under a fake clock, and every fault kind of §12.3.
 * The signing side is written here from §13 on purpose: no product code is imported.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChatEmulator,
  type ChatEmulatorOptions,
  createFakeClock,
  type FakeClock,
  FEISHU_SUCCESS,
  startChatEmulator,
  verifyDingtalkSign,
  verifyFeishuSign,
  verifyStandardWebhook,
} from './chat/index';

// ---- signing side, inline from §13.1 ----
const dingtalkSign = (secret: string, ts: number | string): string =>
  createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
function dingtalkSignedUrl(webhookUrl: string, secret: string, nowMs: number): string {
  const url = new URL(webhookUrl);
  url.searchParams.set('timestamp', String(nowMs));
  url.searchParams.set('sign', dingtalkSign(secret, nowMs));
  return url.toString();
}
const feishuSign = (secret: string, nowSec: number): { timestamp: string; sign: string } => ({
  timestamp: String(nowSec),
  sign: createHmac('sha256', `${nowSec}\n${secret}`).digest('base64'),
});
const swSign = (secret: string, id: string, ts: number, payload: string): string =>
  `v1,${createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
    .update(`${id}.${ts}.`)
    .update(payload)
    .digest('base64')}`;

// ---- §11 constants ----
const V1_SIGN = '7LVwF0dAF3/+MRRulbpE4y72Ogzykc6bS2nG4I99T4s=';
const V1_QUERY = '7LVwF0dAF3%2F%2BMRRulbpE4y72Ogzykc6bS2nG4I99T4s%3D';
const V8_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const V8_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const V8_TS = 1614265330;
const V8_BODY = '{"test": 2432232314}';
const V8_SIG = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const T0 = 1_700_000_000_000;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: () => Record<string, unknown>;
}

async function post(
  url: string,
  body: string | object,
  init: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...init.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
    signal: AbortSignal.timeout(init.timeoutMs ?? 5000),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}

function causeCode(error: unknown): string | undefined {
  return (error as { cause?: { code?: string } }).cause?.code;
}

const text = (content: string) => ({ msgtype: 'text', text: { content } });
const fsText = (t: string) => ({ msg_type: 'text', content: { text: t } });

let emu: ChatEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});
async function start(options: ChatEmulatorOptions = {}): Promise<ChatEmulator> {
  emu = await startChatEmulator(options);
  return emu;
}
async function startFake(startMs = T0): Promise<{ e: ChatEmulator; clock: FakeClock }> {
  const clock = createFakeClock(startMs);
  return { e: await start({ clock }), clock };
}

describe('verifiers: §11 positive and negative vectors', () => {
  it('V1, V1u, V2: DingTalk signatures, query encoding and the verifier', () => {
    expect(dingtalkSign('SECtestsecret', 1700000000000)).toBe(V1_SIGN);
    expect(encodeURIComponent(V1_SIGN)).toBe(V1_QUERY);
    expect(
      dingtalkSignedUrl('https://oapi.dingtalk.com/robot/send?access_token=abc123', 'SECtestsecret', T0),
    ).toBe(
      `https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1700000000000&sign=${V1_QUERY}`,
    );
    expect(verifyDingtalkSign('SECtestsecret', '1700000000000', V1_SIGN, T0)).toBe('ok');
    const v2 = dingtalkSign('SEC0123456789abcdef', 1712345678901);
    expect(v2).toBe('/u4QgPPso/9UQq5oC1P0zpxacXFngs0+h5ZcQLDrBas=');
    expect(encodeURIComponent(v2)).toBe('%2Fu4QgPPso%2F9UQq5oC1P0zpxacXFngs0%2Bh5ZcQLDrBas%3D');
    expect(verifyDingtalkSign('SEC0123456789abcdef', '1712345678901', v2, 1712345678901)).toBe('ok');
  });

  it('N1, N2, N3: DingTalk mis-encoded signs and second timestamps are rejected', () => {
    expect(verifyDingtalkSign('SECtestsecret', '1700000000000', V1_SIGN.replace('+', ' '), T0)).toBe(
      'sign not match',
    );
    expect(verifyDingtalkSign('SECtestsecret', '1700000000000', V1_QUERY, T0)).toBe('sign not match');
    expect(
      verifyDingtalkSign('SECtestsecret', '1700000000', dingtalkSign('SECtestsecret', 1700000000), T0),
    ).toBe('invalid timestamp');
  });

  it('§11.3 DingTalk window: Δ = 3 600 000 ms inside (inclusive default), one more ms outside', () => {
    expect(verifyDingtalkSign('SECtestsecret', '1700000000000', V1_SIGN, 1700003600000)).toBe('ok');
    expect(verifyDingtalkSign('SECtestsecret', '1700000000000', V1_SIGN, 1700003600001)).toBe(
      'invalid timestamp',
    );
    expect(verifyDingtalkSign('SECtestsecret', '1700000000000', V1_SIGN, 1699996400000)).toBe('ok');
    expect(verifyDingtalkSign('SECtestsecret', '1700000000000', V1_SIGN, 1700003600000, 'exclusive')).toBe(
      'invalid timestamp',
    );
  });

  it('V4, V5, N4, N5: Feishu signatures', () => {
    const v4 = feishuSign('testsecret', 1700000000);
    expect(v4.sign).toBe('AOc8oJ7//5OlQlfWC3nRL0R+IkuzcD1FKcAyibRK9Q8=');
    expect(verifyFeishuSign('testsecret', v4.timestamp, v4.sign, T0)).toBe(true);
    expect(verifyFeishuSign('testsecret', 1700000000, v4.sign, T0)).toBe(true);
    const v5 = feishuSign('testsecret', 1599360473);
    expect(v5.sign).toBe('363UeKLKin0EeG+hrOQd23TNUSH+orqAFf6mWFdhcD4=');
    expect(verifyFeishuSign('testsecret', '1599360473', v5.sign, 1599360473_000)).toBe(true);
    const n4 = createHmac('sha256', 'testsecret').update('1700000000\ntestsecret').digest('base64');
    expect(n4).toBe('QtI24SK3/m8+lKf0d89/bclcePXhBxolugiWin8Kl3c=');
    expect(verifyFeishuSign('testsecret', '1700000000', n4, T0)).toBe(false);
    const n5 = feishuSign('testsecret', T0);
    expect(verifyFeishuSign('testsecret', n5.timestamp, n5.sign, T0)).toBe(false);
  });

  it('§11.3 Feishu window: 1700003600 inside, 1700003601 outside', () => {
    const { timestamp, sign } = feishuSign('testsecret', 1700000000);
    expect(verifyFeishuSign('testsecret', timestamp, sign, 1700003600_000)).toBe(true);
    expect(verifyFeishuSign('testsecret', timestamp, sign, 1700003600_999)).toBe(true);
    expect(verifyFeishuSign('testsecret', timestamp, sign, 1700003601_000)).toBe(false);
  });

  it('V8, V9, N8, N9, N11: Standard Webhooks', () => {
    const base = { id: V8_ID, timestamp: String(V8_TS), nowMs: V8_TS * 1000 };
    expect(swSign(V8_SECRET, V8_ID, V8_TS, V8_BODY)).toBe(V8_SIG);
    expect(verifyStandardWebhook({ ...base, secrets: [V8_SECRET], signature: V8_SIG, body: V8_BODY })).toBe(
      'ok',
    );
    const v9Secret = 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
    const v9Body = '{"type":"finding.created","data":{"cluster":"cluster-x","violations":3}}';
    const v9 = swSign(v9Secret, 'msg_2b7f3c9e', 1700000000, v9Body);
    expect(v9).toBe('v1,O8t7izmFvHkcnclcxR6YnOZs1CmqX+oh6KY9QBMxEAc=');
    expect(
      verifyStandardWebhook({
        secrets: [v9Secret],
        id: 'msg_2b7f3c9e',
        timestamp: '1700000000',
        signature: v9,
        body: Buffer.from(v9Body),
        nowMs: T0,
      }),
    ).toBe('ok');
    for (const n8 of [
      'v1,TcxlhK9b6UD6iVI1ZU2tTqp8PEVfYRseNNfa6b+LcUg=',
      'v1,ELhqG0Ku1gwOc1f4jyKdp3SFGFLAOdJ9bvpWLciCakI=',
    ]) {
      expect(verifyStandardWebhook({ ...base, secrets: [V8_SECRET], signature: n8, body: V8_BODY })).toBe(
        'bad_signature',
      );
    }
    expect(
      verifyStandardWebhook({
        ...base,
        secrets: [V8_SECRET],
        signature: V8_SIG,
        body: '{"test":2432232314}',
      }),
    ).toBe('bad_signature');
    const n11 = `v1,bm90LXRoZS1yaWdodC1zaWc= ${V8_SIG}`;
    expect(verifyStandardWebhook({ ...base, secrets: [V8_SECRET], signature: n11, body: V8_BODY })).toBe(
      'ok',
    );
  });

  it('§11.3 Standard Webhooks window: 300 s inside, 301 s stale either way', () => {
    const input = {
      secrets: [V8_SECRET],
      id: V8_ID,
      timestamp: String(V8_TS),
      signature: V8_SIG,
      body: V8_BODY,
    };
    expect(verifyStandardWebhook({ ...input, nowMs: 1614265630_000 })).toBe('ok');
    expect(verifyStandardWebhook({ ...input, nowMs: 1614265631_000 })).toBe('too_old');
    expect(verifyStandardWebhook({ ...input, nowMs: (V8_TS - 301) * 1000 })).toBe('too_new');
    expect(verifyStandardWebhook({ ...input, nowMs: 1614265631_000, toleranceSec: 600 })).toBe('ok');
  });
});

describe('fake clock', () => {
  it('sleep advances now at once; concurrent sleeps overlap, sequential ones add up', async () => {
    const clock = createFakeClock(1000);
    const started = Date.now();
    await clock.sleep(600_000);
    expect(clock.now()).toBe(601_000);
    const order: number[] = [];
    await Promise.all([
      clock.sleep(1000).then(() => order.push(clock.now())),
      clock.sleep(500).then(() => order.push(clock.now())),
    ]);
    expect(order).toEqual([601_500, 602_000]);
    clock.advance(-2000);
    clock.set(5);
    expect(clock.now()).toBe(5);
    expect(clock.sleeps).toEqual([600_000, 1000, 500]);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('DingTalk /robot/send', () => {
  it('accepts a signed message, records it, and rejects N1 / N2 / N3 and a wrong secret', async () => {
    const { e } = await startFake();
    const hook = e.addDingtalk({ secret: 'SECtestsecret' });
    expect(hook.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/robot\/send\?access_token=[0-9a-f]{64}$/);
    const ok = await post(dingtalkSignedUrl(hook.url, 'SECtestsecret', T0), text('hello'));
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(e.delivered(hook.id)).toEqual([text('hello')]);
    const rec = e.requests[0];
    expect(rec).toMatchObject({
      channel: 'dingtalk',
      hookId: hook.id,
      method: 'POST',
      path: '/robot/send',
      at: T0,
    });
    expect(rec?.query.sign).toBe(V1_SIGN);
    expect(rec?.verdict).toEqual({ status: 200, code: 0, message: 'ok', delivered: true });
    expect(rec?.body).toBe(JSON.stringify(text('hello')));

    const n1 = await post(`${hook.url}&timestamp=1700000000000&sign=${V1_SIGN}`, text('x'));
    expect(n1.json()).toEqual({ errcode: 310000, errmsg: 'sign not match' });
    const n2 = await post(
      `${hook.url}&timestamp=1700000000000&sign=${encodeURIComponent(V1_QUERY)}`,
      text('x'),
    );
    expect(n2.json()).toEqual({ errcode: 310000, errmsg: 'sign not match' });
    const n3 = await post(dingtalkSignedUrl(hook.url, 'SECtestsecret', 1700000000), text('x'));
    expect(n3.json()).toEqual({ errcode: 310000, errmsg: 'invalid timestamp' });
    const wrong = await post(dingtalkSignedUrl(hook.url, 'SECother', T0), text('x'));
    expect(wrong.json()).toEqual({ errcode: 310000, errmsg: 'sign not match' });
    const unsigned = await post(hook.url, text('x'));
    expect(unsigned.json()).toEqual({ errcode: 310000, errmsg: 'invalid timestamp' });
    expect(e.delivered(hook.id)).toHaveLength(1);
  });

  it('applies the ±1 h window on the emulator clock, with offset and the exclusive setting', async () => {
    const { e, clock } = await startFake();
    const hook = e.addDingtalk({ secret: 'SECtestsecret' });
    const signed = dingtalkSignedUrl(hook.url, 'SECtestsecret', T0);
    clock.set(T0 + 3_600_000);
    expect((await post(signed, text('a'))).json().errcode).toBe(0);
    clock.set(T0 + 3_600_001);
    expect((await post(signed, text('a'))).json()).toEqual({ errcode: 310000, errmsg: 'invalid timestamp' });
    clock.set(T0);
    e.setClockOffset(-3_600_001);
    expect((await post(signed, text('a'))).json().errmsg).toBe('invalid timestamp');
    e.setClockOffset(0);
    await e.close();
    const strict = await start({ clock, windowBoundary: 'exclusive' });
    const h2 = strict.addDingtalk({ secret: 'SECtestsecret' });
    clock.set(T0 + 3_600_000);
    expect((await post(dingtalkSignedUrl(h2.url, 'SECtestsecret', T0), text('a'))).json().errmsg).toBe(
      'invalid timestamp',
    );
  });

  it('answers unknown / missing tokens, keywords, IP allow-lists and bad bodies in HTTP 200', async () => {
    const { e } = await startFake();
    const hook = e.addDingtalk({ keywords: ['合规'] });
    expect((await post(`${e.baseUrl}/robot/send?access_token=nope`, text('合规'))).json()).toEqual({
      errcode: 300005,
      errmsg: 'token is not exist',
    });
    expect((await post(`${e.baseUrl}/robot/send`, text('合规'))).json()).toEqual({
      errcode: 40035,
      errmsg: '缺少参数 access_token',
    });
    const noKeyword = await post(hook.url, text('plain'));
    expect(noKeyword.status).toBe(200);
    expect(noKeyword.json()).toEqual({ errcode: 310000, errmsg: 'keywords not in content' });
    const md = { msgtype: 'markdown', markdown: { title: '[合规] prod', text: '#### [合规] prod' } };
    expect((await post(hook.url, md)).json().errcode).toBe(0);
    expect(
      (await post(hook.url, { msgtype: 'markdown', markdown: { text: '合规 only text' } })).json(),
    ).toEqual({ errcode: 40035, errmsg: '缺少参数 markdown.title' });
    expect((await post(hook.url, { msgtype: 'video', video: { text: '合规' } })).json().errmsg).toBe(
      '缺少参数 msgtype',
    );
    expect((await post(hook.url, '合规 not json')).json().errmsg).toBe('缺少参数 json');
    expect(e.delivered(hook.id)).toEqual([md]);

    const denied = e.addDingtalk({ ipAllowList: ['10.1.2.0/24'], moreLink: true });
    const answer = (await post(denied.url, text('x'))).json();
    expect(answer.errcode).toBe(310000);
    expect(answer.errmsg).toMatch(/^ip 127\.0\.0\.1 not in whitelist, more: \[https:\/\/.+\]$/);
    const allowed = e.addDingtalk({ ipAllowList: ['127.0.0.*'] });
    expect((await post(allowed.url, text('x'))).json().errcode).toBe(0);
    e.revoke(allowed.id);
    expect((await post(allowed.url, text('x'))).json().errcode).toBe(300005);
  });

  it('S1 / S1x and CJK: 20 000 raw body bytes accepted, 20 001 → 460101', async () => {
    const { e } = await startFake();
    const hook = e.addDingtalk();
    const s1 = JSON.stringify(text('a'.repeat(19_960)));
    expect(Buffer.byteLength(s1)).toBe(20_000);
    expect((await post(hook.url, s1)).json().errcode).toBe(0);
    const s1x = JSON.stringify(text('a'.repeat(19_961)));
    expect((await post(hook.url, s1x)).json()).toEqual({
      errcode: 460101,
      errmsg: 'message too long, exceed 20000 bytes',
    });
    const cjk = JSON.stringify(text(`${'合'.repeat(6653)}a`));
    expect(Buffer.byteLength(cjk)).toBe(20_000);
    expect(cjk.length).toBeLessThan(7000);
    expect((await post(hook.url, cjk)).json().errcode).toBe(0);
    const cjkOver = JSON.stringify(text(`${'合'.repeat(6653)}ab`));
    expect(Buffer.byteLength(cjkOver)).toBe(20_001);
    expect((await post(hook.url, cjkOver)).json().errcode).toBe(460101);
    expect(e.delivered(hook.id)).toHaveLength(2);
  });

  it('20 per rolling minute, then 130101 and a 10-minute block on the fake clock', async () => {
    const { e, clock } = await startFake();
    const hook = e.addDingtalk();
    for (let i = 0; i < 20; i += 1) {
      expect((await post(hook.url, text(`m${i}`))).json().errcode).toBe(0);
      await clock.sleep(1000);
    }
    expect((await post(hook.url, text('21st'))).json()).toEqual({
      errcode: 130101,
      errmsg: 'send too fast, exceed 20 times per minute',
    });
    const blockedAt = clock.now();
    clock.set(blockedAt + 600_000 - 1);
    expect((await post(hook.url, text('still blocked'))).json().errcode).toBe(130101);
    clock.set(blockedAt + 600_000);
    expect((await post(hook.url, text('free again'))).json().errcode).toBe(0);
    expect(e.delivered(hook.id)).toHaveLength(21);
    expect(e.requestsFor(hook.id).map((r) => r.verdict.code)).toEqual([
      ...Array(20).fill(0),
      130101,
      130101,
      0,
    ]);
  });

  it('rolling vs fixed window, blockMs 0, and whether rejected posts count', async () => {
    const { e, clock } = await startFake(1_700_000_040_000); // a whole minute
    const rolling = e.addDingtalk({ blockMs: 0 });
    const fixed = e.addDingtalk({ blockMs: 0, rateWindow: 'fixed' });
    clock.advance(50_000);
    for (let i = 0; i < 20; i += 1) {
      await post(rolling.url, text('r'));
      await post(fixed.url, text('f'));
    }
    clock.advance(10_000); // next fixed minute, same rolling minute
    expect((await post(rolling.url, text('r'))).json().errcode).toBe(130101);
    expect((await post(fixed.url, text('f'))).json().errcode).toBe(0);
    clock.advance(50_000); // rolling window ends exactly 60 s after the 20 hits
    expect((await post(rolling.url, text('r'))).json().errcode).toBe(0);

    const counted = e.addDingtalk({ keywords: ['audit'] });
    const notCounted = e.addDingtalk({ keywords: ['audit'], countRejected: false });
    for (let i = 0; i < 20; i += 1) {
      expect((await post(counted.url, text('no kw'))).json().errcode).toBe(310000);
      await post(notCounted.url, text('no kw'));
    }
    expect((await post(counted.url, text('audit'))).json().errcode).toBe(130101);
    expect((await post(notCounted.url, text('audit'))).json().errcode).toBe(0);
  });

  it('throttleMode 302: the first over-limit post gets 130101, the block answers 302 (not followed)', async () => {
    const { e } = await startFake();
    const hook = e.addDingtalk({ throttleMode: '302', rate: [{ max: 2, windowMs: 60_000 }] });
    await post(hook.url, text('1'));
    await post(hook.url, text('2'));
    expect((await post(hook.url, text('3'))).json().errcode).toBe(130101);
    const blocked = await post(hook.url, text('4'));
    expect(blocked.status).toBe(302);
    expect(blocked.headers.get('location')).toBe(`${e.baseUrl}/__throttled`);
    expect(e.requests.some((r) => r.path === '/__throttled')).toBe(false);
    expect(e.requests.at(-1)?.verdict).toMatchObject({ status: 302, code: 130101, delivered: false });
  });

  it('monthly quota (off by default) answers 90030', async () => {
    const { e } = await startFake();
    const hook = e.addDingtalk({ monthlyQuota: 1 });
    expect((await post(hook.url, text('1'))).json().errcode).toBe(0);
    expect((await post(hook.url, text('2'))).json()).toEqual({
      errcode: 90030,
      errmsg: 'webhook over limit',
    });
  });
});

describe('Feishu /open-apis/bot/v2/hook/:token', () => {
  it('accepts a signed body with the §4.5 success body; N4, N5 and the window → 19021', async () => {
    const { e, clock } = await startFake();
    const hook = e.addFeishu({ secret: 'testsecret' });
    expect(hook.url).toMatch(/\/open-apis\/bot\/v2\/hook\/[0-9a-f-]{36}$/);
    const body = { ...fsText('hello'), ...feishuSign('testsecret', 1700000000) };
    const ok = await post(hook.url, body);
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual(FEISHU_SUCCESS);
    expect(ok.json()).toEqual({ StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' });
    expect(e.delivered(hook.id)).toEqual([body]);
    const fail = {
      code: 19021,
      msg: 'sign match fail or timestamp is not within one hour from current time',
      data: {},
    };
    const n4 = createHmac('sha256', 'testsecret').update('1700000000\ntestsecret').digest('base64');
    expect((await post(hook.url, { ...fsText('x'), timestamp: '1700000000', sign: n4 })).json()).toEqual(
      fail,
    );
    expect((await post(hook.url, { ...fsText('x'), ...feishuSign('testsecret', T0) })).json()).toEqual(fail);
    expect((await post(hook.url, fsText('unsigned'))).json()).toEqual(fail);
    clock.set(1700003600_000);
    expect((await post(hook.url, body)).json().code).toBe(0);
    clock.set(1700003601_000);
    expect((await post(hook.url, body)).json()).toEqual(fail);
  });

  it('answers 19001, 9499 (status setting), 19002 and 19024', async () => {
    const { e } = await startFake();
    const hook = e.addFeishu({ keywords: ['audit'] });
    expect((await post(`${e.baseUrl}/open-apis/bot/v2/hook/nope`, fsText('audit'))).json()).toEqual({
      code: 19001,
      msg: 'param invalid: incoming webhook access token invalid',
      data: {},
    });
    const notJson = await post(hook.url, '{"msg_type":');
    expect(notJson.status).toBe(200);
    expect(notJson.json()).toMatchObject({ code: 9499, msg: 'Bad Request' });
    const stringContent = await post(hook.url, {
      msg_type: 'text',
      content: JSON.stringify({ text: 'audit' }),
    });
    expect(stringContent.json().code).toBe(9499);
    expect((await post(hook.url, { msg_type: 'video', content: {} })).json()).toMatchObject({
      code: 19002,
      msg: 'param invalid: msg_type',
    });
    const card = {
      msg_type: 'interactive',
      card: {
        elements: [
          { tag: 'div', text: { tag: 'lark_md', content: 'findings' } },
          { tag: 'action', actions: [{ tag: 'button', url: 'https://x.example/audit' }] },
        ],
      },
    };
    expect((await post(hook.url, card)).json()).toMatchObject({ code: 19024, msg: 'Key Words Not Found' });
    card.card.elements[0] = { tag: 'div', text: { tag: 'lark_md', content: 'audit findings' } };
    expect((await post(hook.url, card)).json().code).toBe(0);
    e.configure(hook.id, { badRequestStatus: 400 });
    const as400 = await post(hook.url, 'not json');
    expect(as400.status).toBe(400);
    expect(as400.json().code).toBe(9499);
  });

  it('20 000 bytes with CJK accepted, 20 001 → 9499; maxBodyBytes 20 480 setting', async () => {
    const { e } = await startFake();
    const hook = e.addFeishu();
    const fill = 20_000 - Buffer.byteLength(JSON.stringify(fsText('')));
    const atLimit = JSON.stringify(fsText(`${'告'.repeat(Math.floor(fill / 3))}${'a'.repeat(fill % 3)}`));
    expect(Buffer.byteLength(atLimit)).toBe(20_000);
    expect((await post(hook.url, atLimit)).json().code).toBe(0);
    const over = JSON.stringify(fsText(`${'告'.repeat(Math.floor(fill / 3))}${'a'.repeat((fill % 3) + 1)}`));
    expect(Buffer.byteLength(over)).toBe(20_001);
    expect((await post(hook.url, over)).json()).toMatchObject({ code: 9499 });
    e.configure(hook.id, { maxBodyBytes: 20_480 });
    expect((await post(hook.url, over)).json().code).toBe(0);
  });

  it('5 per second and 100 per minute → 11232 in HTTP 200', async () => {
    const { e, clock } = await startFake();
    const hook = e.addFeishu();
    for (let i = 0; i < 5; i += 1) expect((await post(hook.url, fsText(`${i}`))).json().code).toBe(0);
    const limited = await post(hook.url, fsText('6th'));
    expect(limited.status).toBe(200);
    expect(limited.json()).toEqual({
      code: 11232,
      data: {},
      msg: 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]',
    });
    clock.advance(1000);
    expect((await post(hook.url, fsText('next second'))).json().code).toBe(0);

    const minute = e.addFeishu();
    const t = clock.now();
    for (let i = 0; i < 100; i += 1) {
      expect((await post(minute.url, fsText(`${i}`))).json().code).toBe(0);
      clock.advance(200);
    }
    expect((await post(minute.url, fsText('101st'))).json().code).toBe(11232);
    clock.set(t + 60_000);
    expect((await post(minute.url, fsText('window moved'))).json().code).toBe(0);
    expect(e.delivered(minute.id)).toHaveLength(101);
  });
});

describe('WeCom /cgi-bin/webhook/send', () => {
  const suffix = (code: number) =>
    new RegExp(
      `, hint: \\[\\d+\\], from ip: 127\\.0\\.0\\.1, more info at https://open\\.work\\.weixin\\.qq\\.com/devtool/query\\?e=${code}$`,
    );

  it('S2 / S2x, S3 / S3x and markdown_v2: UTF-8 byte limits with CJK', async () => {
    const { e } = await startFake();
    const hook = e.addWecom();
    const wtext = (content: string) => ({ msgtype: 'text', text: { content } });
    const wmd = (type: string, content: string) => ({ msgtype: type, [type]: { content } });

    expect(Buffer.byteLength(`${'合'.repeat(682)}ab`)).toBe(2048);
    expect((await post(hook.url, wtext(`${'合'.repeat(682)}ab`))).json()).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
    const s2x = (await post(hook.url, wtext('合'.repeat(683)))).json();
    expect(s2x.errcode).toBe(40058);
    expect(s2x.errmsg).toMatch(/^text\.content exceed max length 2048\. invalid Request Parameter, hint: /);
    expect(s2x.errmsg).toMatch(suffix(40058));

    for (const type of ['markdown', 'markdown_v2']) {
      expect((await post(hook.url, wmd(type, `${'告'.repeat(1365)}x`))).json().errcode).toBe(0);
      const over = await post(hook.url, wmd(type, '告'.repeat(1366)));
      expect(over.status).toBe(200);
      expect(over.json().errcode).toBe(40058);
      expect(over.json().errmsg).toMatch(
        new RegExp(
          `^${type}\\.content exceed max length 4096\\. invalid Request Parameter, hint: \\[\\d+\\]`,
        ),
      );
    }
    expect(e.delivered(hook.id)).toHaveLength(3);
  });

  it('answers 93000, 40008, 44004, invalid JSON and a configurable text-length code', async () => {
    const { e } = await startFake();
    const hook = e.addWecom({ textTooLongCode: 40059 });
    const unknown = (await post(`${e.baseUrl}/cgi-bin/webhook/send?key=nope`, { msgtype: 'text' })).json();
    expect(unknown.errcode).toBe(93000);
    expect(unknown.errmsg).toMatch(/^invalid webhook url, hint: /);
    expect(unknown.errmsg).toMatch(suffix(93000));
    expect((await post(hook.url, { msgtype: 'sticker', sticker: {} })).json().errcode).toBe(40008);
    expect((await post(hook.url, { msgtype: 'text', text: { content: '' } })).json().errcode).toBe(44004);
    expect((await post(hook.url, { msgtype: 'markdown' })).json().errmsg).toMatch(/^empty content, hint: /);
    expect((await post(hook.url, 'not json')).json().errcode).toBe(47001);
    expect(
      (await post(hook.url, { msgtype: 'text', text: { content: 'x'.repeat(2049) } })).json().errcode,
    ).toBe(40059);
  });

  it('20 per rolling minute → 45009; no block afterwards by default, blockMs setting', async () => {
    const { e, clock } = await startFake();
    const hook = e.addWecom();
    const first = clock.now();
    for (let i = 0; i < 20; i += 1) {
      expect((await post(hook.url, { msgtype: 'text', text: { content: `${i}` } })).json().errcode).toBe(0);
      clock.advance(100);
    }
    const limited = (await post(hook.url, { msgtype: 'text', text: { content: '21' } })).json();
    expect(limited.errcode).toBe(45009);
    expect(limited.errmsg).toMatch(/^api freq out of limit, hint: /);
    clock.set(first + 60_000); // the first hit left the rolling minute
    expect((await post(hook.url, { msgtype: 'text', text: { content: 'ok' } })).json().errcode).toBe(0);

    const blocking = e.addWecom({ blockMs: 300_000, rate: [{ max: 1, windowMs: 60_000 }] });
    await post(blocking.url, { msgtype: 'text', text: { content: '1' } });
    expect((await post(blocking.url, { msgtype: 'text', text: { content: '2' } })).json().errcode).toBe(
      45009,
    );
    clock.advance(120_000);
    expect((await post(blocking.url, { msgtype: 'text', text: { content: '3' } })).json().errcode).toBe(
      45009,
    );
    clock.advance(180_000);
    expect((await post(blocking.url, { msgtype: 'text', text: { content: '4' } })).json().errcode).toBe(0);
  });
});

describe('Slack /services/:team/:bot/:secret', () => {
  it('answers ok as text/html, 404 no_service, 400 invalid_payload and missing_text_…', async () => {
    const { e } = await startFake();
    const hook = e.addSlack({ capacity: 100 });
    expect(hook.url).toMatch(/\/services\/T[A-Z0-9]{10}\/B[A-Z0-9]{10}\/[A-Za-z0-9]{24}$/);
    const ok = await post(hook.url, { text: 'hello' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/html/);
    expect(ok.text).toBe('ok');
    const unknown = await post(`${e.baseUrl}/services/T0/B0/nope`, { text: 'x' });
    expect([unknown.status, unknown.text]).toEqual([404, 'no_service']);
    const bad = await post(hook.url, '{"text":');
    expect([bad.status, bad.text]).toEqual([400, 'invalid_payload']);
    const missing = await post(hook.url, { unfurl_links: false, blocks: [] });
    expect([missing.status, missing.text]).toEqual([400, 'missing_text_or_fallback_or_attachments']);
    const form = await post(hook.url, `payload=${encodeURIComponent(JSON.stringify({ text: 'form' }))}`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.text).toBe('ok');
    expect(e.delivered(hook.id)).toEqual([{ text: 'hello' }, { text: 'form' }]);
    await e.close();
    const other = await start({ slackUnknownHook: 'no_team' });
    expect((await post(`${other.baseUrl}/services/T0/B0/nope`, { text: 'x' })).text).toBe('no_team');
  });

  it('§6.3 block limits: at the limit ok, one over → 400 invalid_blocks', async () => {
    const { e } = await startFake();
    const hook = e.addSlack({ capacity: 100 });
    const section = (t: string) => ({ type: 'section', text: { type: 'mrkdwn', text: t } });
    const fields = (n: number, len = 5) => ({
      type: 'section',
      fields: Array.from({ length: n }, () => ({ type: 'mrkdwn', text: 'f'.repeat(len) })),
    });
    const header = (t: string, type = 'plain_text') => ({ type: 'header', text: { type, text: t } });
    const divider = { type: 'divider' };
    const cases: [unknown[], boolean][] = [
      [Array(50).fill(divider), true],
      [Array(51).fill(divider), false],
      [[section('x'.repeat(3000))], true],
      [[section('x'.repeat(3001))], false],
      [[section('')], false],
      [[fields(10)], true],
      [[fields(11)], false],
      [[fields(1, 2000)], true],
      [[fields(1, 2001)], false],
      [[{ type: 'section', fields: [{ type: 'mrkdwn', text: '' }] }], false],
      [[header('h'.repeat(150))], true],
      [[header('h'.repeat(151))], false],
      [[header('h', 'mrkdwn')], false],
      [[{ ...divider, block_id: 'b'.repeat(255) }], true],
      [[{ ...divider, block_id: 'b'.repeat(256) }], false],
      [[{ type: 'mystery' }], false],
    ];
    for (const [blocks, accepted] of cases) {
      const answer = await post(hook.url, { text: 'fallback', blocks });
      expect([answer.status, answer.text], JSON.stringify(blocks).slice(0, 80)).toEqual(
        accepted ? [200, 'ok'] : [400, 'invalid_blocks'],
      );
    }
    expect(e.requests.at(-1)?.verdict.message).toBe('blocks[0].type mystery is unknown');
    expect(e.delivered(hook.id)).toHaveLength(cases.filter(([, a]) => a).length);
  });

  it('token bucket: 429 with Retry-After, capacity and refill configurable', async () => {
    const { e, clock } = await startFake();
    const hook = e.addSlack();
    expect((await post(hook.url, { text: '1' })).text).toBe('ok');
    const limited = await post(hook.url, { text: '2' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.text).toBe('rate_limited');
    clock.advance(1000);
    expect((await post(hook.url, { text: '3' })).text).toBe('ok');

    const burst = e.addSlack({ capacity: 3 });
    for (let i = 0; i < 3; i += 1) expect((await post(burst.url, { text: `${i}` })).status).toBe(200);
    expect((await post(burst.url, { text: '4' })).status).toBe(429);
    clock.advance(2000);
    expect((await post(burst.url, { text: '5' })).status).toBe(200);
    expect((await post(burst.url, { text: '6' })).status).toBe(200);
    expect((await post(burst.url, { text: '7' })).status).toBe(429);

    const slow = e.addSlack({ refillPerSec: 0.25 });
    await post(slow.url, { text: '1' });
    expect((await post(slow.url, { text: '2' })).headers.get('retry-after')).toBe('4');
    expect(e.delivered(burst.id)).toHaveLength(5);
  });
});

describe('Standard Webhooks /hooks/:id', () => {
  const headers = (id: string, ts: number, sig: string) => ({
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': sig,
  });

  it('V8 over HTTP; a duplicate webhook-id is answered 200 and not delivered twice', async () => {
    const { e } = await startFake(V8_TS * 1000);
    const hook = e.addWebhook({ secrets: [V8_SECRET] });
    const first = await post(hook.url, V8_BODY, { headers: headers(V8_ID, V8_TS, V8_SIG) });
    expect(first.status).toBe(200);
    const again = await post(hook.url, V8_BODY, { headers: headers(V8_ID, V8_TS, V8_SIG) });
    expect(again.status).toBe(200);
    expect(e.delivered(hook.id)).toEqual([{ test: 2432232314 }]);
    expect(e.requestsFor(hook.id).map((r) => r.verdict.code)).toEqual(['ok', 'duplicate']);
    expect(e.requestsFor(hook.id)[1]?.verdict.delivered).toBe(false);
  });

  it('401 for N8 / N9, 200 for N11, 400 stale outside 300 s, 400 malformed', async () => {
    const { e, clock } = await startFake(V8_TS * 1000);
    const hook = e.addWebhook({ secrets: [V8_SECRET] });
    const n8 = await post(hook.url, V8_BODY, {
      headers: headers('msg_n8', V8_TS, 'v1,TcxlhK9b6UD6iVI1ZU2tTqp8PEVfYRseNNfa6b+LcUg='),
    });
    expect(n8.status).toBe(401);
    const n9 = await post(hook.url, '{"test":2432232314}', { headers: headers(V8_ID, V8_TS, V8_SIG) });
    expect(n9.status).toBe(401);
    const n11 = await post(hook.url, V8_BODY, {
      headers: headers(V8_ID, V8_TS, `v1,bm90LXRoZS1yaWdodC1zaWc= ${V8_SIG}`),
    });
    expect(n11.status).toBe(200);
    clock.set(1614265630_000);
    expect((await post(hook.url, V8_BODY, { headers: headers(V8_ID, V8_TS, V8_SIG) })).status).toBe(200);
    clock.set(1614265631_000);
    const stale = await post(hook.url, V8_BODY, { headers: headers(V8_ID, V8_TS, V8_SIG) });
    expect([stale.status, stale.text]).toEqual([400, 'Message timestamp too old']);
    const noSig = await post(hook.url, V8_BODY, { headers: { 'webhook-id': 'x', 'webhook-timestamp': '1' } });
    expect(noSig.status).toBe(400);
    expect((await post(`${e.baseUrl}/hooks/unknown`, V8_BODY)).status).toBe(404);
    e.configure(hook.id, { toleranceSec: 600 });
    const late = Math.floor(clock.now() / 1000) - 599;
    expect(
      (
        await post(hook.url, '{}', {
          headers: headers('msg_late', late, swSign(V8_SECRET, 'msg_late', late, '{}')),
        })
      ).status,
    ).toBe(200);
  });

  it('secret rotation: any configured secret verifies; the removed one stops working', async () => {
    const { e, clock } = await startFake();
    const oldSecret = `whsec_${Buffer.from('old-secret-0123456789abcdef').toString('base64')}`;
    const newSecret = `whsec_${Buffer.from('new-secret-0123456789abcdef').toString('base64')}`;
    const hook = e.addWebhook({ secrets: [oldSecret, newSecret] });
    const ts = Math.floor(clock.now() / 1000);
    const payload = '{"type":"finding.created","data":{"id":"f-1"}}';
    const send = (id: string, sig: string) => post(hook.url, payload, { headers: headers(id, ts, sig) });
    expect((await send('msg_1', swSign(newSecret, 'msg_1', ts, payload))).status).toBe(200);
    expect((await send('msg_2', swSign(oldSecret, 'msg_2', ts, payload))).status).toBe(200);
    e.configure(hook.id, { secrets: [newSecret] });
    expect((await send('msg_3', swSign(oldSecret, 'msg_3', ts, payload))).status).toBe(401);
    const both = `${swSign(oldSecret, 'msg_4', ts, payload)} ${swSign(newSecret, 'msg_4', ts, payload)}`;
    expect((await send('msg_4', both)).status).toBe(200);
    expect(e.delivered(hook.id)).toHaveLength(3);
  });
});

describe('faults (§12.3)', () => {
  it('status: 503 with Retry-After and an HTML body for the next 2 requests, then normal', async () => {
    const { e } = await startFake();
    const hook = e.addDingtalk();
    e.fault(hook.id, { kind: 'status', status: 503, retryAfter: 7, times: 2 });
    for (let i = 0; i < 2; i += 1) {
      const answer = await post(hook.url, text('x'));
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('7');
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(answer.text).toContain('503 Service Unavailable');
    }
    expect((await post(hook.url, text('x'))).json().errcode).toBe(0);
    expect(e.delivered(hook.id)).toHaveLength(1);
    expect(e.requestsFor(hook.id).map((r) => r.verdict.fault)).toEqual(['status', 'status', undefined]);
  });

  it('status: 429 with an HTTP-date Retry-After, 302 redirect (not followed), HTML 200', async () => {
    const { e } = await startFake();
    const hook = e.addWebhook({ secrets: [V8_SECRET] });
    const date = new Date(T0 + 30_000).toUTCString();
    e.fault(hook.id, { kind: 'status', status: 429, retryAfter: date, times: 1 });
    e.fault(hook.id, { kind: 'status', status: 302, times: 1 });
    e.fault(hook.id, { kind: 'status', status: 200, times: 1 });
    const limited = await post(hook.url, '{}');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, date]);
    const redirect = await post(hook.url, '{}');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`${e.baseUrl}/__redirected`);
    const html = await post(hook.url, '{}');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.text).toMatch(/^<html>/);
    expect(e.requests.some((r) => r.path === '/__redirected')).toBe(false);
    expect(e.delivered(hook.id)).toEqual([]);
  });

  it('business: the channel error inside HTTP 200', async () => {
    const { e } = await startFake();
    const dt = e.addDingtalk();
    const fs = e.addFeishu();
    const wc = e.addWecom();
    const sl = e.addSlack();
    e.fault(dt.id, {
      kind: 'business',
      code: 130101,
      msg: 'send too fast, exceed 20 times per minute',
      times: 1,
    });
    e.fault(fs.id, { kind: 'business', code: 11232, msg: 'frequency limited', times: 1 });
    e.fault(wc.id, { kind: 'business', code: 45009, msg: 'api freq out of limit', times: 1 });
    e.fault(sl.id, { kind: 'business', code: 0, msg: 'not ok', times: 1 });
    const d = await post(dt.url, text('x'));
    expect([d.status, d.json()]).toEqual([
      200,
      { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' },
    ]);
    expect((await post(fs.url, fsText('x'))).json()).toEqual({
      code: 11232,
      msg: 'frequency limited',
      data: {},
    });
    const w = (await post(wc.url, { msgtype: 'text', text: { content: 'x' } })).json();
    expect(w.errcode).toBe(45009);
    expect(w.errmsg).toMatch(/^api freq out of limit, hint: \[\d+\], from ip: 127\.0\.0\.1/);
    const s = await post(sl.url, { text: 'x' });
    expect([s.status, s.text]).toEqual([200, 'not ok']);
    for (const h of [dt, fs, wc, sl]) expect(e.delivered(h.id)).toEqual([]);
    expect(e.requests.map((r) => r.verdict.fault)).toEqual(['business', 'business', 'business', 'business']);
  });

  it('slow with recordAnyway: the client times out, yet the message was delivered', async () => {
    const { e } = await startFake();
    const hook = e.addDingtalk();
    e.fault(hook.id, { kind: 'slow', delayMs: 400, recordAnyway: true, times: 1 });
    const error = await post(hook.url, text('late'), { timeoutMs: 50 }).catch((err: unknown) => err);
    expect((error as Error).name).toBe('TimeoutError');
    expect(e.delivered(hook.id)).toEqual([text('late')]);
    expect(e.requests[0]?.verdict).toMatchObject({ code: 0, delivered: true, fault: 'slow' });
    expect((await post(hook.url, text('next'))).json().errcode).toBe(0);
  });

  it('slow without recordAnyway: nothing is delivered; a patient client gets 504', async () => {
    const { e } = await startFake();
    const hook = e.addFeishu();
    e.fault(hook.id, { kind: 'slow', delayMs: 300, recordAnyway: false, times: 1 });
    const error = await post(hook.url, fsText('x'), { timeoutMs: 50 }).catch((err: unknown) => err);
    expect((error as Error).name).toBe('TimeoutError');
    expect(e.delivered(hook.id)).toEqual([]);
    e.fault(hook.id, { kind: 'slow', delayMs: 20, recordAnyway: false, times: 1 });
    const started = Date.now();
    const patient = await post(hook.url, fsText('x'), { timeoutMs: 2000 });
    expect(patient.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(e.requestsFor(hook.id).map((r) => r.verdict.code)).toEqual(['slow', 'slow']);
  });

  it('slow in the body phase: headers arrive, the body read times out', async () => {
    const { e } = await startFake();
    const hook = e.addSlack();
    e.fault(hook.id, { kind: 'slow', delayMs: 400, recordAnyway: true, phase: 'body', times: 1 });
    const res = await fetch(hook.url, {
      method: 'POST',
      body: JSON.stringify({ text: 'x' }),
      signal: AbortSignal.timeout(100),
    });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(e.delivered(hook.id)).toHaveLength(1);
  });

  it('reset: before the response, after the headers, and with recordAnyway', async () => {
    const { e } = await startFake();
    const hook = e.addWecom();
    const body = { msgtype: 'text', text: { content: 'x' } };
    e.fault(hook.id, { kind: 'reset', times: 1 });
    const error = await post(hook.url, body).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TypeError);
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(causeCode(error));
    expect(e.delivered(hook.id)).toEqual([]);

    e.fault(hook.id, { kind: 'reset', phase: 'after-headers', recordAnyway: true, times: 1 });
    const res = await fetch(hook.url, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(e.delivered(hook.id)).toHaveLength(1);
    expect((await post(hook.url, body)).json().errcode).toBe(0);
    expect(e.requestsFor(hook.id).map((r) => [r.verdict.code, r.verdict.delivered])).toEqual([
      ['reset', false],
      ['reset', true],
      [0, true],
    ]);
  });

  it('down() refuses connections on the same port; up() brings the same URLs back', async () => {
    const { e } = await startFake();
    const hook = e.addSlack();
    const port = e.port;
    await e.down();
    const error = await post(hook.url, { text: 'x' }).catch((err: unknown) => err);
    expect(causeCode(error)).toBe('ECONNREFUSED');
    await e.up();
    expect(e.port).toBe(port);
    expect((await post(hook.url, { text: 'x' })).text).toBe('ok');
    expect(e.requests).toHaveLength(1);
  });

  it('scopes: after K requests, probability with a seed, clearFaults', async () => {
    const { e } = await startFake();
    const hook = e.addDingtalk();
    e.fault(hook.id, { kind: 'status', status: 500, after: 2, times: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await post(hook.url, text('x'))).status);
    expect(statuses).toEqual([200, 200, 500, 200]);

    e.fault(hook.id, { kind: 'status', status: 502, probability: 0.5 });
    const seen: number[] = [];
    for (let i = 0; i < 20; i += 1) seen.push((await post(hook.url, text('x'))).status);
    expect(seen).toContain(502);
    expect(seen).toContain(200);
    e.clearFaults(hook.id);
    expect((await post(hook.url, text('x'))).status).toBe(200);

    // The same seed gives the same sequence.
    const replay = await startChatEmulator({ clock: createFakeClock(T0) });
    try {
      const h = replay.addDingtalk();
      replay.fault(h.id, { kind: 'status', status: 500, after: 2, times: 1 });
      for (let i = 0; i < 4; i += 1) await post(h.url, text('x'));
      replay.fault(h.id, { kind: 'status', status: 502, probability: 0.5 });
      const again: number[] = [];
      for (let i = 0; i < 20; i += 1) again.push((await post(h.url, text('x'))).status);
      expect(again).toEqual(seen);
    } finally {
      await replay.close();
    }
  });

  it('records unknown paths and non-POST methods', async () => {
    const e = await start();
    const get = await fetch(`${e.baseUrl}/robot/send?access_token=x`);
    expect(get.status).toBe(405);
    expect((await post(`${e.baseUrl}/nowhere`, '{}')).status).toBe(404);
    expect(e.requests.map((r) => [r.channel, r.method, r.verdict.status])).toEqual([
      ['dingtalk', 'GET', 405],
      [null, 'POST', 404],
    ]);
    expect(() => e.delivered('dingtalk-99')).toThrow(/unknown hook/);
  });
});
