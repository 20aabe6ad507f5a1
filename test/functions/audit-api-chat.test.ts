/**
 * Issue #6 acceptance on the audit-api handler: access to /audit and /report, the routes' errors,
 * Slack and DingTalk commands (verified, acknowledged at once, the audit run as an asynchronous
 * invocation through fc2 and the FC emulator, the result posted to the emulated reply URL), the
 * DingTalk replay refusal, and fuzzed requests.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/audit-api/index';
import type { FcContext } from '../../shared/fc/events';
import { recordRun } from '../../shared/report/latest';
import { FileStateStore } from '../../shared/state/file-store';
import { acquireLease } from '../../shared/state/lease';
import { dingTalkOutgoing, recaseHeaders, slackCommand } from '../emulator/chat/inbound';
import { startChatEmulator } from '../emulator/chat/server';
import type { ChatEmulator } from '../emulator/chat/types';
import { generateFleet } from '../emulator/ehpc/fleet';
import { startEhpcEmulator } from '../emulator/ehpc/server';
import type { EhpcEmulator } from '../emulator/ehpc/types';
import { DEFAULT_FC_ROLE_CREDENTIALS, type FcEmulator, startFcEmulator } from '../emulator/fc';
import { REPO } from '../helpers/cli';
import { httpEvent } from '../helpers/fc';

const TOKEN = 'correct-horse-battery-staple';
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DINGTALK_SECRET = 'dingAppSecretForTests-0123456789';
const ROLE = DEFAULT_FC_ROLE_CREDENTIALS;

let ehpc: EhpcEmulator;
let chat: ChatEmulator;
let fcEmulator: FcEmulator;
let env: Record<string, string>;

const context = (name = 'imagegw-audit-api'): FcContext => ({
  requestId: `req-${Math.random().toString(16).slice(2)}`,
  credentials: { ...ROLE },
  function: { name, timeout: 120 },
  region: 'cn-hangzhou',
  accountId: fcEmulator.accountId,
});

const freshEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...env,
  IMAGEGW_STATE_DIR: mkdtempSync(join(tmpdir(), 'audit-api-')),
  ...extra,
});

beforeAll(async () => {
  const fleet = generateFleet('cn-hangzhou', 5);
  // A gateway whose configuration tries to talk to the chat: a mention, a disguised link, a forged line.
  fleet.push({
    info: { Id: 'ehpc-hz-Evil0001', RegionId: 'cn-hangzhou' },
    describe: {
      RequestId: 'R-evil',
      Imagegw: {
        ...((fleet[0]?.describe ?? {}) as { Imagegw: Record<string, unknown> }).Imagegw,
        DefaultImageLocation:
          '<!channel> <https://evil.example/renew|Click to renew>\n• [info] ehpc-hz-0001 all.clear: fine',
      },
    },
  });
  ehpc = await startEhpcEmulator({ regions: { 'cn-hangzhou': fleet }, credentials: [ROLE] });
  chat = await startChatEmulator();
  env = {
    IMAGEGW_REGIONS: 'cn-hangzhou',
    IMAGEGW_ENDPOINT: ehpc.endpoints['cn-hangzhou'] ?? '',
    IMAGEGW_POLICY_FILE: join(REPO, 'examples', 'policy.yaml'),
    IMAGEGW_API_TOKENS: TOKEN,
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    // The chat emulator listens on loopback; production refuses loopback reply URLs.
    IMAGEGW_CHAT_ALLOW_LOOPBACK: '1',
    DINGTALK_APP_SECRET: DINGTALK_SECRET,
  };
  // The function invokes itself for chat jobs: the FC emulator runs the same handler.
  let current: Record<string, string> = env;
  fcEmulator = await startFcEmulator({
    functions: [
      {
        service: 'imagegw-auditor',
        name: 'imagegw-audit-api',
        handler: (event, invocation) => createHandler({ env: current })(event, invocation),
        timeoutSeconds: 120,
      },
    ],
  });
  env.IMAGEGW_FC_ENDPOINT = fcEmulator.endpoint;
  setEnv = (next) => {
    current = next;
  };
});
let setEnv: (next: Record<string, string>) => void = () => undefined;

afterAll(async () => {
  await Promise.all([ehpc.close(), chat.close(), fcEmulator.close()]);
});

const bearer = { Authorization: `Bearer ${TOKEN}` };

describe('access to /audit and /report', () => {
  it('refuses without tokens configured, naming the variable; 401 for a wrong token; the report for a right one', async () => {
    const { IMAGEGW_API_TOKENS: _tokens, ...closed } = freshEnv();
    for (const path of ['/audit', '/report']) {
      const refused = await createHandler({ env: closed })(httpEvent({ path, headers: bearer }), context());
      expect(refused.statusCode).toBe(503);
      expect(JSON.parse(refused.body).error).toContain('IMAGEGW_API_TOKENS');
      const handler = createHandler({ env: freshEnv() });
      expect((await handler(httpEvent({ path }), context())).statusCode).toBe(401);
      expect(
        (await handler(httpEvent({ path, headers: { Authorization: 'Bearer nope' } }), context())).statusCode,
      ).toBe(401);
    }
    const handler = createHandler({ env: freshEnv() });
    const audit = await handler(httpEvent({ path: '/audit', headers: bearer }), context());
    expect(audit.statusCode).toBe(200);
    expect(JSON.parse(audit.body)).toMatchObject({ summary: { clusters: 6 } });
    const page = await handler(httpEvent({ path: '/report', headers: bearer }), context());
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toMatch(/^<!doctype html>/i);
    const markdown = await handler(
      httpEvent({ path: '/audit', query: { format: 'markdown' }, headers: bearer }),
      context(),
    );
    expect(markdown.headers['content-type']).toMatch(/markdown/);
    expect(
      (await handler(httpEvent({ path: '/audit', query: { format: 'pdf' }, headers: bearer }), context()))
        .statusCode,
    ).toBe(400);
  });

  it('serves /report from the latest recorded run with its trend, and audits afresh with ?fresh=1', async () => {
    const local = freshEnv();
    const store = new FileStateStore(local.IMAGEGW_STATE_DIR ?? '');
    const handler = createHandler({ env: local });
    const first = JSON.parse((await handler(httpEvent({ path: '/audit', headers: bearer }), context())).body);
    for (const [index, runId] of ['2026-11-01T02:30:00Z-aaaa', '2026-11-02T02:30:00Z-bbbb'].entries()) {
      await recordRun(store, { ...first, runId, finishedAt: `2026-11-0${index + 1}T02:31:00.000Z` });
    }
    const page = await handler(httpEvent({ path: '/report', headers: bearer }), context());
    expect(page.body).toContain('2026-11-02T02:30:00Z-bbbb');
    expect(page.body).toContain('2026-11-01T02:30:00Z-aaaa');
    const before = ehpc.requests.length;
    const fresh = await handler(
      httpEvent({ path: '/report', query: { fresh: '1' }, headers: bearer }),
      context(),
    );
    expect(fresh.statusCode).toBe(200);
    expect(ehpc.requests.length).toBeGreaterThan(before);
  });

  it('answers 409 with the running run id while another on-demand audit holds the lease, and 429 past the caller budget', async () => {
    const local = freshEnv({ IMAGEGW_CALLER_BUDGET: '2' });
    const store = new FileStateStore(local.IMAGEGW_STATE_DIR ?? '');
    const held = await acquireLease(store, 'on-demand', 'run-in-progress', 60_000, Date.now());
    const handler = createHandler({ env: local });
    const busy = await handler(httpEvent({ path: '/audit', headers: bearer }), context());
    expect(busy.statusCode).toBe(409);
    expect(JSON.parse(busy.body)).toMatchObject({ runId: 'run-in-progress' });
    await held.release();
    expect((await handler(httpEvent({ path: '/audit', headers: bearer }), context())).statusCode).toBe(200);
    expect((await handler(httpEvent({ path: '/audit', headers: bearer }), context())).statusCode).toBe(200);
    const limited = await handler(httpEvent({ path: '/audit', headers: bearer }), context());
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('audits only configured regions, names the allowed methods on a 405, and asks not to cache reports', async () => {
    const handler = createHandler({ env: freshEnv() });
    const before = ehpc.requests.length;
    for (const region of ['cn-beijing', 'cn-hangzhou,cn-beijing', '', 'zz-qq1']) {
      const response = await handler(
        httpEvent({ path: '/audit', query: { region }, headers: bearer }),
        context(),
      );
      expect(response.statusCode, region).toBe(400);
    }
    expect(ehpc.requests.length).toBe(before);
    const wrongMethod = await handler(
      httpEvent({ path: '/audit', method: 'POST', headers: bearer }),
      context(),
    );
    expect(wrongMethod.headers.allow).toBe('GET');
    const report = await handler(
      httpEvent({ path: '/audit', query: { region: 'cn-hangzhou' }, headers: bearer }),
      context(),
    );
    expect(report.statusCode).toBe(200);
    expect(report.headers['cache-control']).toBe('no-store');
  });

  it('answers unknown routes 404, wrong methods 405, big bodies 413 and malformed events 400, each as short JSON', async () => {
    const handler = createHandler({ env: freshEnv() });
    const cases: [Buffer, number][] = [
      [httpEvent({ path: '/nope' }), 404],
      [httpEvent({ path: '/__proto__' }), 404],
      [httpEvent({ path: '/audit', method: 'DELETE' }), 405],
      [httpEvent({ path: '/chat/slack', method: 'GET' }), 405],
      [httpEvent({ path: '/chat/slack', method: 'POST', body: Buffer.alloc(70 * 1024, 'a') }), 413],
      [Buffer.from('not json'), 400],
      [httpEvent({ path: '/audit', query: { cluster: 'x; DROP' }, headers: bearer }), 400],
    ];
    for (const [event, status] of cases) {
      const response = await handler(event, context());
      expect(response.statusCode, String(event).slice(0, 80)).toBe(status);
      expect(response.headers['content-type']).toMatch(/application\/json/);
      expect(JSON.parse(response.body).error).toEqual(expect.any(String));
    }
  });
});

function slackEvent(fields: Record<string, string>, options: { timestamp?: number; secret?: string } = {}) {
  const signed = slackCommand({
    signingSecret: options.secret ?? SLACK_SECRET,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    fields,
  });
  return httpEvent({
    path: '/chat/slack',
    method: 'POST',
    headers: signed.headers,
    body: Buffer.from(signed.body),
  });
}

describe('Slack slash commands', () => {
  it('refuses a bad signature and a timestamp six minutes old', async () => {
    const handler = createHandler({ env: freshEnv() });
    const reply = chat.addSlackResponseUrl();
    const fields = { text: 'audit all', response_url: reply.url };
    const forged = await handler(slackEvent(fields, { secret: 'not-the-secret' }), context());
    expect(forged).toMatchObject({ statusCode: 401, body: '' });
    const stale = await handler(
      slackEvent(fields, { timestamp: Math.floor(Date.now() / 1000) - 360 }),
      context(),
    );
    expect(stale).toMatchObject({ statusCode: 401, body: '' });
    expect(chat.slackResponses(reply.id)).toEqual([]);
  });

  it('acknowledges in under 3 s and posts the audit result to response_url from an asynchronous invocation', async () => {
    const local = freshEnv();
    setEnv(local);
    const handler = createHandler({ env: local });
    const reply = chat.addSlackResponseUrl();
    const started = performance.now();
    const ack = await handler(slackEvent({ text: 'audit ehpc-hz-0002', response_url: reply.url }), context());
    expect(performance.now() - started).toBeLessThan(3000);
    expect(ack.statusCode).toBe(200);
    expect(JSON.parse(ack.body)).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('started'),
    });
    await fcEmulator.idle();
    const [result, ...more] = chat.slackResponses(reply.id) as { text: string }[];
    expect(more).toEqual([]);
    expect(result?.text).toContain('Audit of ehpc-hz-0002: 1 cluster(s)');
    // The job ran through FC: one asynchronous invocation of this same function.
    expect(fcEmulator.invocations.at(-1)).toMatchObject({
      function: 'imagegw-audit-api',
      type: 'Async',
      outcome: 'ok',
    });
  });

  it('keeps what the gateway configuration says inert in the reply: no mention, no link, no forged line', async () => {
    const local = freshEnv();
    setEnv(local);
    const handler = createHandler({ env: local });
    const reply = chat.addSlackResponseUrl();
    await handler(slackEvent({ text: 'audit ehpc-hz-Evil0001', response_url: reply.url }), context());
    await fcEmulator.idle();
    const [result] = chat.slackResponses(reply.id) as { text: string }[];
    expect(result?.text).toContain('ehpc-hz-Evil0001');
    expect(result?.text).not.toContain('<!channel>');
    expect(result?.text).not.toContain('<https://evil.example');
    expect(result?.text).toContain('&lt;!channel&gt;');
    expect(result?.text.split('\n').some((line) => line.startsWith('• [info] ehpc-hz-0001'))).toBe(false);
  });

  it('refuses loopback reply URLs unless IMAGEGW_CHAT_ALLOW_LOOPBACK is set, in every spelling', async () => {
    const { IMAGEGW_CHAT_ALLOW_LOOPBACK: _allow, ...production } = freshEnv();
    const handler = createHandler({ env: production });
    for (const url of [
      'http://127.0.0.1:9/x',
      'http://127.1:9/x',
      'http://0x7f000001:9/x',
      'http://LOCALHOST:9/x',
      'http://[::1]:9/x',
    ]) {
      const response = await handler(slackEvent({ text: 'audit all', response_url: url }), context());
      expect(response.statusCode, url).toBe(400);
    }
  });

  it('answers help, invalid ids and a foreign response_url without auditing anything', async () => {
    const handler = createHandler({ env: freshEnv() });
    const reply = chat.addSlackResponseUrl();
    const before = ehpc.requests.length;
    const help = await handler(slackEvent({ text: '', response_url: reply.url }), context());
    expect(JSON.parse(help.body).text).toContain('audit <cluster-id>');
    const invalid = await handler(
      slackEvent({ text: 'audit ../../etc', response_url: reply.url }),
      context(),
    );
    expect(JSON.parse(invalid.body).text).toContain('not an E-HPC cluster id');
    const foreign = await handler(
      slackEvent({ text: 'audit all', response_url: 'https://attacker.example/x' }),
      context(),
    );
    expect(foreign.statusCode).toBe(400);
    expect(ehpc.requests.length).toBe(before);
  });
});

describe('DingTalk outgoing robot', () => {
  function dingTalkEvent(body: Record<string, unknown>, timestampMs = Date.now()) {
    const request = dingTalkOutgoing({ appSecret: DINGTALK_SECRET, timestampMs, body });
    return {
      event: httpEvent({
        path: '/chat/dingtalk',
        method: 'POST',
        headers: recaseHeaders(request.headers, 'canonical'),
        body: Buffer.from(request.body),
      }),
      request,
    };
  }

  it('answers through the session webhook, and refuses a replayed signature even with a changed body', async () => {
    const local = freshEnv();
    const handler = createHandler({ env: local });
    const session = chat.addDingTalkSession();
    const { event, request } = dingTalkEvent({ sessionWebhook: session.url, text: { content: '  help' } });
    const first = await handler(event, context());
    expect(first.statusCode).toBe(200);
    expect(chat.dingTalkSessionMessages(session.id)).toHaveLength(1);
    // Same timestamp and sign, another body: the signature still verifies (it covers no body).
    const replayBody = { ...request.message, msgId: 'another-message', text: { content: 'audit all' } };
    const replay = httpEvent({
      path: '/chat/dingtalk',
      method: 'POST',
      headers: recaseHeaders(request.headers, 'canonical'),
      body: Buffer.from(JSON.stringify(replayBody)),
    });
    const refused = await handler(replay, context());
    expect(refused.statusCode).toBe(401);
    expect(JSON.parse(refused.body).error).toContain('replayed');
    expect(chat.dingTalkSessionMessages(session.id)).toHaveLength(1);
  });

  it('runs "audit <id>" as an asynchronous job and posts the result through the session webhook', async () => {
    const local = freshEnv();
    setEnv(local);
    const handler = createHandler({ env: local });
    const session = chat.addDingTalkSession();
    const { event } = dingTalkEvent({
      sessionWebhook: session.url,
      text: { content: '  audit ehpc-hz-0003' },
    });
    const ack = await handler(event, context());
    expect(ack.statusCode).toBe(200);
    await fcEmulator.idle();
    const messages = chat.dingTalkSessionMessages(session.id) as { text: { content: string } }[];
    expect(messages.map((message) => message.text.content)).toEqual([
      expect.stringContaining('started (run '),
      expect.stringContaining('Audit of ehpc-hz-0003: 1 cluster(s)'),
    ]);
  });

  it('answers a text message without text 400', async () => {
    const handler = createHandler({ env: freshEnv() });
    const session = chat.addDingTalkSession();
    const { event } = dingTalkEvent({ sessionWebhook: session.url, text: undefined });
    const response = await handler(event, context());
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toContain('text.content');
    expect(chat.dingTalkSessionMessages(session.id)).toEqual([]);
  });

  it('never posts to a sessionWebhook on a foreign host', async () => {
    const handler = createHandler({ env: freshEnv() });
    const { event } = dingTalkEvent({
      sessionWebhook: 'https://attacker.example/robot/sendBySession?session=x',
    });
    const response = await handler(event, context());
    expect(response.statusCode).toBe(400);
  });
});

describe('fuzzed requests', () => {
  it('never crash the handler nor reach E-HPC with an unvalidated cluster id', async () => {
    const handler = createHandler({ env: freshEnv() });
    const header = fc.dictionary(
      fc.constantFrom(
        'Authorization',
        'X-Slack-Signature',
        'X-Slack-Request-Timestamp',
        'Timestamp',
        'Sign',
        'Content-Type',
        '__proto__',
      ),
      fc.oneof(fc.string(), fc.constant(`Bearer ${TOKEN}`)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/audit',
          '/report',
          '/chat/slack',
          '/chat/dingtalk',
          '/healthz',
          '/x',
          '/constructor',
        ),
        fc.constantFrom('GET', 'POST', 'PUT'),
        header,
        fc.dictionary(fc.constantFrom('cluster', 'region', 'format', 'fresh'), fc.string({ maxLength: 30 })),
        fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 })),
        async (path, method, headers, query, body) => {
          const response = await handler(
            httpEvent({ path, method, headers, query, body: Buffer.from(body) }),
            context(),
          );
          expect([200, 400, 401, 403, 404, 405, 409, 413, 429, 503]).toContain(response.statusCode);
        },
      ),
      { numRuns: 60 },
    );
    const ids = ehpc.requests
      .filter((request) => request.action === 'DescribeImageGatewayConfig')
      .map((request) => request.params.ClusterId ?? '');
    expect(ids.every((id) => /^ehpc-[a-z0-9]+-[A-Za-z0-9]{1,64}$/.test(id))).toBe(true);
  });
});
