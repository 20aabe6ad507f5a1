/**
 * Inbound chat commands (issue #6) against spec/chat-protocols.md §9, §10, §11, §12.4: the drivers
 * that play Slack and DingTalk, checked on the §11 vectors with a tiny reference verifier written
 * here from §9.2 / §10.2 (no product code is imported), and the reply targets of the chat emulator
 * (`response_url`, `sessionWebhook`) under the fake clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { httpEvent } from '../helpers/fc';
import {
  canonicalHeaderName,
  dingTalkOutgoing,
  dingTalkOutgoingSign,
  formEncode,
  headerValue,
  recaseHeaders,
  SLACK_COMMAND_DEFAULTS,
  type SlackCommandOptions,
  slackCommand,
  slackSignature,
} from './chat/inbound';
import { type ChatEmulator, createFakeClock, type FakeClock, startChatEmulator } from './chat/index';

// ---- reference verifier, inline from §9.2 / §10.2 / §13.1 (test-only, not product code) ----
type Hdrs = Readonly<Record<string, string | string[] | undefined>>;
function hdr(h: Hdrs, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(h))
    if (k.toLowerCase() === want) return Array.isArray(v) ? v.join(',') : v;
  return undefined;
}
function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
/** §9.2: HTTP status the handler must answer before doing anything else (200 = go on). */
function slackCheck(rawBody: Buffer, headers: Hdrs, secret: string, nowSec: number): 200 | 401 {
  const ts = hdr(headers, 'x-slack-request-timestamp');
  const sig = hdr(headers, 'x-slack-signature');
  if (!ts || !sig || !/^\d{1,12}$/.test(ts)) return 401;
  if (Math.abs(nowSec - Number(ts)) > 300) return 401;
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${ts}:`).update(rawBody).digest('hex')}`;
  return safeEqual(expected, sig) ? 200 : 401;
}
/** §10.2: both the ±1 h window and the plain-Base64 signature must pass. */
function dingTalkCheck(headers: Hdrs, appSecret: string, nowMs: number): boolean {
  const ts = hdr(headers, 'timestamp');
  const sign = hdr(headers, 'sign');
  if (!ts || !sign || !/^\d{13}$/.test(ts)) return false;
  if (Math.abs(nowMs - Number(ts)) > 3_600_000) return false;
  const expected = createHmac('sha256', appSecret).update(`${ts}\n${appSecret}`).digest('base64');
  return safeEqual(expected, sign);
}
const slackOk = (r: { body: string; headers: Hdrs }, secret: string, nowSec: number) =>
  slackCheck(Buffer.from(r.body, 'utf8'), r.headers, secret, nowSec);

// ---- §11 constants ----
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const SLACK_TS = 1531420618;
const V6_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const V6_SIG = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const V7_FIELDS = { token: 'x', team_id: 'T1', command: '/audit', text: 'cluster X' };
const V7_BODY = 'token=x&team_id=T1&command=%2Faudit&text=cluster+X';
const V7_SIG = 'v0=bc6a76b7cc97ed8168f76c3b358be719b226577c4b434b31cfdcdd31587c847d';
const N6_SIG = 'v0=c986af732ca5ae1c75093c8b27dcfa5dd9a1c8b5db295df6ff9ad315cc063a55';
const N7_SIG = 'v0=0f9f9df602b4544d74e70ad5c93331babbcd338787ab58df4c65d6f818bb4e09';
const V1_SIGN = '7LVwF0dAF3/+MRRulbpE4y72Ogzykc6bS2nG4I99T4s=';
const V1_QUERY = '7LVwF0dAF3%2F%2BMRRulbpE4y72Ogzykc6bS2nG4I99T4s%3D';
const V3_SIGN = '7rMlLGw5HchQOasYWvH9bB0DveuPFvgFBE8eWHwFWsg=';
const T0 = 1_700_000_000_000;
const MIN = 60_000;

const hexMac = (key: string, msg: string) => createHmac('sha256', key).update(msg).digest('hex');
const b64Mac = (key: string, msg: string) => createHmac('sha256', key).update(msg).digest('base64');
const v7 = (extra: Partial<SlackCommandOptions> = {}) =>
  slackCommand({
    signingSecret: SLACK_SECRET,
    timestamp: SLACK_TS,
    fields: V7_FIELDS,
    defaults: false,
    ...extra,
  });

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: () => Record<string, unknown>;
}
async function post(
  url: string,
  body: string | object,
  contentType = 'application/json; charset=utf-8',
): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

let emu: ChatEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});
async function startFake(startMs = T0): Promise<{ e: ChatEmulator; clock: FakeClock }> {
  const clock = createFakeClock(startMs);
  emu = await startChatEmulator({ clock });
  return { e: emu, clock };
}

describe('Slack slash command driver (§9.2, §11)', () => {
  it('V6: reproduces Slack’s published request byte for byte, and it verifies', () => {
    expect(`v0=${hexMac(SLACK_SECRET, `v0:${SLACK_TS}:${V6_BODY}`)}`).toBe(V6_SIG);
    const fields = Object.fromEntries(new URLSearchParams(V6_BODY));
    const r = slackCommand({ signingSecret: SLACK_SECRET, timestamp: SLACK_TS, fields, defaults: false });
    expect(r.body).toBe(V6_BODY);
    expect(Buffer.byteLength(r.body)).toBe(362);
    expect(r.signature).toBe(V6_SIG);
    expect(r.headers).toEqual({
      'Content-Type': 'application/x-www-form-urlencoded',
      'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'X-Slack-Request-Timestamp': '1531420618',
      'X-Slack-Signature': V6_SIG,
    });
    expect(slackOk(r, SLACK_SECRET, SLACK_TS)).toBe(200);
  });

  it('V7: our command, space as "+", "/" as %2F; rawBody signs exact bytes', () => {
    expect(`v0=${hexMac(SLACK_SECRET, `v0:${SLACK_TS}:${V7_BODY}`)}`).toBe(V7_SIG);
    const r = v7();
    expect(r.body).toBe(V7_BODY);
    expect(r.signedBody).toBe(V7_BODY);
    expect(r.signature).toBe(V7_SIG);
    expect(slackOk(r, SLACK_SECRET, SLACK_TS)).toBe(200);
    expect(new URLSearchParams(r.body).get('text')).toBe('cluster X');
    const raw = slackCommand({ signingSecret: SLACK_SECRET, timestamp: SLACK_TS, rawBody: V7_BODY });
    expect(raw.body).toBe(V7_BODY);
    expect(raw.signature).toBe(V7_SIG);
  });

  it('N6: one changed body byte after signing is rejected with 401', () => {
    const tampered = V7_BODY.replace(/X$/, 'Y');
    expect(slackSignature(SLACK_SECRET, SLACK_TS, tampered)).toBe(N6_SIG);
    const r = v7({ bodyOverride: tampered });
    expect(r.body).toBe('token=x&team_id=T1&command=%2Faudit&text=cluster+Y');
    expect(r.signature).toBe(V7_SIG);
    expect(slackOk(r, SLACK_SECRET, SLACK_TS)).toBe(401);
  });

  it('N7: a re-encoded body (cluster%20X) decodes the same but is rejected', () => {
    const reencoded = V7_BODY.replace('cluster+X', 'cluster%20X');
    expect(`v0=${hexMac(SLACK_SECRET, `v0:${SLACK_TS}:${reencoded}`)}`).toBe(N7_SIG);
    const r = v7({ bodyOverride: reencoded });
    expect(new URLSearchParams(r.body).get('text')).toBe('cluster X');
    expect(slackOk(r, SLACK_SECRET, SLACK_TS)).toBe(401);
    // Signed as sent, the same %20 body is fine: the verifier must use the raw bytes, nothing else.
    const signedAsSent = slackCommand({
      signingSecret: SLACK_SECRET,
      timestamp: SLACK_TS,
      rawBody: reencoded,
    });
    expect(signedAsSent.signature).toBe(N7_SIG);
    expect(slackOk(signedAsSent, SLACK_SECRET, SLACK_TS)).toBe(200);
  });

  it('§12.4 negatives: v1= label, wrong secret, missing headers, ±301 s; §11.3 boundary 300 s', () => {
    const v1 = v7({ signatureVersion: 'v1' });
    expect(v1.signature).toBe(`v1=${V7_SIG.slice(3)}`);
    expect(slackOk(v1, SLACK_SECRET, SLACK_TS)).toBe(401);
    expect(slackOk(v7({ signingSecret: 'not-the-secret' }), SLACK_SECRET, SLACK_TS)).toBe(401);
    for (const drop of ['X-Slack-Signature', 'X-Slack-Request-Timestamp']) {
      const { [drop]: _gone, ...rest } = v7().headers;
      expect(slackOk({ body: V7_BODY, headers: rest }, SLACK_SECRET, SLACK_TS)).toBe(401);
    }
    expect(slackOk(v7(), SLACK_SECRET, 1531420918)).toBe(200);
    expect(slackOk(v7(), SLACK_SECRET, 1531420919)).toBe(401);
    const old = v7({ timestamp: SLACK_TS - 301 });
    const future = v7({ timestamp: SLACK_TS + 301 });
    expect(slackOk(old, SLACK_SECRET, SLACK_TS)).toBe(401);
    expect(slackOk(future, SLACK_SECRET, SLACK_TS)).toBe(401);
  });

  it('defaults: the usual fields in Slack’s order, overrides merged in place, extras appended', () => {
    const r = slackCommand({
      signingSecret: 's',
      timestamp: 1_700_000_000,
      fields: { text: 'cluster prod-cn', response_url: 'http://127.0.0.1:1/commands/T/1/x', extra: 'a b' },
    });
    expect(Object.keys(r.fields)).toEqual([...Object.keys(SLACK_COMMAND_DEFAULTS), 'extra']);
    expect(r.fields).toMatchObject({ command: '/audit', user_id: 'U0AUDIT001', text: 'cluster prod-cn' });
    expect(r.body).toBe(formEncode(r.fields));
    expect(r.body).toContain('&text=cluster+prod-cn&');
    expect(r.body).toContain('response_url=http%3A%2F%2F127.0.0.1%3A1%2Fcommands%2FT%2F1%2Fx');
    expect(r.body.endsWith('&extra=a+b')).toBe(true);
    expect(slackCommand({ signingSecret: 's', timestamp: 1, fields: { text: '' } }).body).toContain(
      '&text=&',
    );
    expect(slackOk(r, 's', 1_700_000_000)).toBe(200);
  });
});

describe('header letter case (§1.8)', () => {
  it('canonical, lower and seeded random names; a case-insensitive verifier accepts all three', () => {
    expect(canonicalHeaderName('x-slack-request-timestamp')).toBe('X-Slack-Request-Timestamp');
    const lower = v7({ headerCase: 'lower' });
    expect(Object.keys(lower.headers)).toEqual([
      'content-type',
      'user-agent',
      'x-slack-request-timestamp',
      'x-slack-signature',
    ]);
    const random = v7({ headerCase: 'random' });
    for (const name of Object.keys(random.headers)) {
      expect(name).not.toBe(name.toLowerCase());
      expect(name).not.toBe(canonicalHeaderName(name));
    }
    expect(Object.keys(v7({ headerCase: 'random' }).headers)).toEqual(Object.keys(random.headers));
    const other = v7({ headerCase: 'random', caseSeed: 7 });
    expect(Object.keys(other.headers)).not.toEqual(Object.keys(random.headers));
    for (const r of [v7(), lower, random, other]) {
      expect(headerValue(r.headers, 'X-SLACK-SIGNATURE')).toBe(V7_SIG);
      expect(slackOk(r, SLACK_SECRET, SLACK_TS)).toBe(200);
    }
  });

  it('random case never falls back to a plain form, even for short names', () => {
    for (let seed = 1; seed <= 50; seed += 1) {
      for (const name of Object.keys(
        recaseHeaders({ sign: 'a', timestamp: 'b', 'content-type': 'c' }, 'random', seed),
      )) {
        expect(name).not.toBe(name.toLowerCase());
        expect(name).not.toBe(canonicalHeaderName(name));
      }
    }
  });

  it('DingTalk headers as FC delivers them (Timestamp, Sign), and inside an FC HTTP event', () => {
    const d = dingTalkOutgoing({ appSecret: 'appSecretForTests', timestampMs: T0 });
    const fc = recaseHeaders(d.headers, 'canonical');
    expect(fc).toEqual({
      'Content-Type': 'application/json; charset=utf-8',
      Timestamp: String(T0),
      Sign: V3_SIGN,
    });
    expect(dingTalkCheck(fc, 'appSecretForTests', T0)).toBe(true);
    expect(dingTalkCheck(recaseHeaders(d.headers, 'random', 3), 'appSecretForTests', T0)).toBe(true);

    // Through the repo's FC event helper: the Base64 body must be decoded before the check (§1.8).
    const s = v7({ headerCase: 'random' });
    const event = JSON.parse(
      httpEvent({
        method: 'POST',
        path: '/slack/command',
        headers: s.headers,
        body: Buffer.from(s.body),
      }).toString(),
    ) as { body: string; isBase64Encoded: boolean; headers: Record<string, string> };
    expect(event.isBase64Encoded).toBe(true);
    expect(slackCheck(Buffer.from(event.body, 'utf8'), event.headers, SLACK_SECRET, SLACK_TS)).toBe(401);
    expect(slackCheck(Buffer.from(event.body, 'base64'), event.headers, SLACK_SECRET, SLACK_TS)).toBe(200);
  });
});

describe('DingTalk outgoing robot driver (§10.2, §10.4, §11)', () => {
  it('V3 and V3b: plain Base64 sign over "<ts>\\n<appSecret>"', () => {
    expect(b64Mac('appSecretForTests', '1700000000000\nappSecretForTests')).toBe(V3_SIGN);
    const v3 = dingTalkOutgoing({ appSecret: 'appSecretForTests', timestampMs: T0 });
    expect(v3.headers.sign).toBe(V3_SIGN);
    expect(v3.headers.timestamp).toBe('1700000000000');
    expect(dingTalkCheck(v3.headers, 'appSecretForTests', T0)).toBe(true);
    const v3b = dingTalkOutgoing({ appSecret: 'SECtestsecret', timestampMs: T0 });
    expect(v3b.headers.sign).toBe(V1_SIGN);
    expect(dingTalkOutgoingSign('SECtestsecret', T0)).toBe(V1_SIGN);
    expect(dingTalkCheck(v3b.headers, 'SECtestsecret', T0)).toBe(true);
  });

  it('N10: a percent-encoded sign header is rejected', () => {
    const n10 = dingTalkOutgoing({ appSecret: 'SECtestsecret', timestampMs: T0, signEncoding: 'urlencoded' });
    expect(n10.headers.sign).toBe(V1_QUERY);
    expect(dingTalkCheck(n10.headers, 'SECtestsecret', T0)).toBe(false);
  });

  it('§11.3 window ±3 600 000 ms inclusive; seconds timestamp and wrong secret rejected', () => {
    const d = dingTalkOutgoing({ appSecret: 'appSecretForTests', timestampMs: T0 });
    expect(dingTalkCheck(d.headers, 'appSecretForTests', 1700003600000)).toBe(true);
    expect(dingTalkCheck(d.headers, 'appSecretForTests', 1700003600001)).toBe(false);
    expect(dingTalkCheck(d.headers, 'appSecretForTests', T0 - 3_600_001)).toBe(false);
    const secs = dingTalkOutgoing({ appSecret: 'appSecretForTests', timestampMs: 1_700_000_000 });
    expect(dingTalkCheck(secs.headers, 'appSecretForTests', T0)).toBe(false);
    expect(dingTalkCheck(d.headers, 'otherSecret', T0)).toBe(false);
  });

  it('§10.4 body defaults, unique msgId per call, overrides and dropped fields', () => {
    const a = dingTalkOutgoing({ appSecret: 'x', timestampMs: T0 });
    const b = dingTalkOutgoing({ appSecret: 'x', timestampMs: T0 });
    const body = JSON.parse(a.body) as Record<string, unknown>;
    expect(body).toEqual(a.message);
    expect(body).toMatchObject({
      msgtype: 'text',
      text: { content: '  audit all' },
      createAt: T0,
      conversationType: '2',
      conversationId: 'cidTestConversation01',
      senderStaffId: 'manager4711',
      chatbotCorpId: 'dingTestCorp01',
      isInAtList: true,
      sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=0123456789abcdef',
      sessionWebhookExpiredTime: T0 + 90 * MIN,
    });
    expect(a.message.msgId).not.toBe(b.message.msgId);
    expect(a.headers).toEqual(b.headers);
    const c = dingTalkOutgoing({
      appSecret: 'x',
      timestampMs: T0,
      body: { msgId: 'msgFixed', text: { content: '  audit cluster-x' }, atUsers: undefined, custom: 1 },
    });
    expect(c.message).toMatchObject({ msgId: 'msgFixed', text: { content: '  audit cluster-x' }, custom: 1 });
    expect('atUsers' in c.message).toBe(false);
    expect(dingTalkOutgoing({ appSecret: 'x', timestampMs: T0, rawBody: '{"msgtype":"picture"}' }).body).toBe(
      '{"msgtype":"picture"}',
    );
  });

  it('§10.3 replay: the same (timestamp, sign) with a changed body still verifies', () => {
    const original = dingTalkOutgoing({ appSecret: 'appSecretForTests', timestampMs: T0 });
    const forged = dingTalkOutgoing({
      appSecret: 'appSecretForTests',
      timestampMs: T0,
      body: { msgId: original.message.msgId as string, sessionWebhook: 'https://attacker.example/x' },
    });
    expect(forged.headers).toEqual(original.headers);
    expect(forged.body).not.toBe(original.body);
    expect(dingTalkCheck(forged.headers, 'appSecretForTests', T0 + 30 * MIN)).toBe(true);
  });
});

describe('Slack response_url capture', () => {
  it('accepts 5 JSON posts, refuses the 6th with 404 expired_url, and records all 6', async () => {
    const { e } = await startFake();
    const target = e.addSlackResponseUrl({ team: 'T0AUDIT001' });
    expect(target.id).toBe('slack-response-1');
    expect(target.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/commands\/T0AUDIT001\/\d{12}\/[A-Za-z0-9]{24}$/);
    for (let i = 1; i <= 5; i += 1) {
      const a = await post(target.url, { response_type: 'in_channel', text: `result ${i}` });
      expect([a.status, a.text]).toEqual([200, 'ok']);
    }
    const sixth = await post(target.url, { text: 'result 6' });
    expect([sixth.status, sixth.text]).toEqual([404, 'expired_url']);
    expect(e.slackResponses(target.id)).toEqual(
      [1, 2, 3, 4, 5].map((i) => ({ response_type: 'in_channel', text: `result ${i}` })),
    );
    const log = e.slackResponseRequests(target.id);
    expect(log).toHaveLength(6);
    expect(log.map((r) => r.verdict.delivered)).toEqual([true, true, true, true, true, false]);
    expect(log[5]).toMatchObject({
      channel: 'slack',
      hookId: target.id,
      method: 'POST',
      body: '{"text":"result 6"}',
    });
    expect(log[5]?.verdict).toEqual({
      status: 404,
      code: 'expired_url',
      message: 'expired_url',
      delivered: false,
    });
  });

  it('expires 30 minutes after creation on the emulator clock (inclusive boundary)', async () => {
    const { e, clock } = await startFake();
    const a = e.addSlackResponseUrl();
    const b = e.addSlackResponseUrl();
    clock.advance(30 * MIN);
    expect((await post(a.url, { text: 'just in time' })).status).toBe(200);
    clock.advance(1);
    const late = await post(a.url, { text: 'too late' });
    expect([late.status, late.text]).toEqual([404, 'expired_url']);
    expect((await post(b.url, { text: 'too late' })).status).toBe(404);
    expect(e.slackResponses(a.id)).toEqual([{ text: 'just in time' }]);
    expect(e.slackResponses(b.id)).toEqual([]);
    // A URL created now lives from now on.
    const c = e.addSlackResponseUrl();
    clock.advance(29 * MIN);
    expect((await post(c.url, { text: 'fresh' })).status).toBe(200);
  });

  it('bad bodies get 400 and do not use up the URL; limits and answers are configurable', async () => {
    const { e, clock } = await startFake();
    const t = e.addSlackResponseUrl({
      maxUses: 1,
      ttlMs: 5 * MIN,
      expiredStatus: 410,
      expiredBody: 'used_url',
      successBody: '{"ok":true}',
    });
    expect((await post(t.url, 'text=hi', 'application/x-www-form-urlencoded')).text).toBe('invalid_payload');
    expect((await post(t.url, '{not json')).status).toBe(400);
    const empty = await post(t.url, { response_type: 'ephemeral' });
    expect([empty.status, empty.text]).toEqual([400, 'missing_text_or_fallback_or_attachments']);
    const ok = await post(t.url, { delete_original: true });
    expect([ok.status, ok.text, ok.headers.get('content-type')]).toEqual([
      200,
      '{"ok":true}',
      'application/json; charset=utf-8',
    ]);
    expect(await post(t.url, { text: 'again' }).then((a) => [a.status, a.text])).toEqual([410, 'used_url']);
    const u = e.addSlackResponseUrl({ ttlMs: 5 * MIN });
    clock.advance(5 * MIN + 1);
    expect((await post(u.url, { text: 'x' })).status).toBe(404);
    const unknown = await post(`${e.baseUrl}/commands/T1/2/nope`, { text: 'x' });
    expect([unknown.status, unknown.text]).toEqual([404, 'expired_url']);
    expect(e.requests.at(-1)).toMatchObject({ channel: 'slack', hookId: null });
    expect(() => e.slackResponses('slack-response-99')).toThrow(/unknown/);
  });

  it('takes faults like a hook: a 503 first, then the post goes through', async () => {
    const { e } = await startFake();
    const t = e.addSlackResponseUrl();
    e.fault(t.id, { kind: 'status', status: 503, times: 1 });
    expect((await post(t.url, { text: 'r' })).status).toBe(503);
    expect((await post(t.url, { text: 'r' })).status).toBe(200);
    expect(e.slackResponses(t.id)).toHaveLength(1);
    expect(e.slackResponseRequests(t.id).map((r) => r.verdict.fault)).toEqual(['status', undefined]);
  });
});

describe('DingTalk sessionWebhook', () => {
  const md = {
    msgtype: 'markdown',
    markdown: { title: '[compliance] cluster-x', text: '#### cluster-x\n- critical: **2**' },
    at: { atUserIds: ['manager4711'], isAtAll: false },
  };
  const card = {
    msgtype: 'actionCard',
    actionCard: {
      title: 't',
      text: 'x',
      singleTitle: 'Open report',
      singleURL: 'https://audit.example.com/r/42',
    },
  };

  it('accepts text, markdown and actionCard with {"errcode":0,"errmsg":"ok"}', async () => {
    const { e } = await startFake();
    const s = e.addDingTalkSession();
    expect(s.id).toBe('dingtalk-session-1');
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/robot\/sendBySession\?session=[0-9a-f]{32}$/);
    const msgs = [{ msgtype: 'text', text: { content: 'audit started' } }, md, card];
    for (const m of msgs) {
      const a = await post(s.url, m);
      expect(a.status).toBe(200);
      expect(a.json()).toEqual({ errcode: 0, errmsg: 'ok' });
    }
    expect(e.dingTalkSessionMessages(s.id)).toEqual(msgs);
    expect(e.dingTalkSessionRequests(s.id).map((r) => [r.channel, r.path, r.verdict.code])).toEqual([
      ['dingtalk', '/robot/sendBySession', 0],
      ['dingtalk', '/robot/sendBySession', 0],
      ['dingtalk', '/robot/sendBySession', 0],
    ]);
  });

  it('rejects malformed bodies, unknown and missing sessions, all in HTTP 200', async () => {
    const { e } = await startFake();
    const s = e.addDingTalkSession();
    const answers = await Promise.all([
      post(s.url, { msgtype: 'text', text: {} }),
      post(s.url, { msgtype: 'markdown', markdown: { text: 'no title' } }),
      post(s.url, { msgtype: 'link', link: { title: 't', text: 'x', messageUrl: 'https://a' } }),
      post(s.url, 'not json'),
      post(`${e.baseUrl}/robot/sendBySession?session=ffff`, { msgtype: 'text', text: { content: 'x' } }),
      post(`${e.baseUrl}/robot/sendBySession`, { msgtype: 'text', text: { content: 'x' } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.map((a) => a.json())).toEqual([
      { errcode: 40035, errmsg: '缺少参数 text.content' },
      { errcode: 40035, errmsg: '缺少参数 markdown.title' },
      { errcode: 40035, errmsg: '缺少参数 msgtype' },
      { errcode: 40035, errmsg: '缺少参数 json' },
      { errcode: 300001, errmsg: 'session 不存在' },
      { errcode: 40035, errmsg: '缺少参数 session' },
    ]);
    expect(e.dingTalkSessionMessages(s.id)).toEqual([]);
  });

  it('expires at expiresAt (default now + 90 min) on the fake clock', async () => {
    const { e, clock } = await startFake();
    const byDefault = e.addDingTalkSession();
    const short = e.addDingTalkSession({
      expiresAt: T0 + 20 * MIN,
      expiredCode: 310000,
      expiredMsg: 'expired',
    });
    const hi = { msgtype: 'text', text: { content: 'hi' } };
    clock.set(T0 + 20 * MIN);
    expect((await post(short.url, hi)).json().errcode).toBe(0);
    clock.set(T0 + 20 * MIN + 1);
    expect((await post(short.url, hi)).json()).toEqual({ errcode: 310000, errmsg: 'expired' });
    clock.set(T0 + 90 * MIN);
    expect((await post(byDefault.url, hi)).json().errcode).toBe(0);
    clock.advance(1);
    expect((await post(byDefault.url, hi)).json()).toEqual({ errcode: 300001, errmsg: 'session 不存在' });
    expect(e.dingTalkSessionMessages(byDefault.id)).toEqual([hi]);
    expect(e.dingTalkSessionMessages(short.id)).toEqual([hi]);
  });

  it('end to end with the driver: the command carries the session URL and its expiry', async () => {
    const { e, clock } = await startFake();
    const s = e.addDingTalkSession({ expiresAt: clock.now() + 90 * MIN });
    const cmd = dingTalkOutgoing({
      appSecret: 'appSecretForTests',
      timestampMs: clock.now(),
      body: { sessionWebhook: s.url, sessionWebhookExpiredTime: clock.now() + 90 * MIN },
    });
    expect(dingTalkCheck(recaseHeaders(cmd.headers, 'canonical'), 'appSecretForTests', clock.now())).toBe(
      true,
    );
    const reply = { msgtype: 'text', text: { content: `done: ${String(cmd.message.msgId)}` } };
    expect((await post(cmd.message.sessionWebhook as string, reply)).json()).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
    clock.advance(90 * MIN + 1);
    expect((await post(s.url, reply)).json().errcode).toBe(300001);
    expect(e.dingTalkSessionMessages(s.id)).toEqual([reply]);
  });
});
