/**
 * Hostile chat requests on the audit-api's Slack and DingTalk routes. Valid requests come from the
 * inbound drivers (test/emulator/chat/inbound.ts, written from the spec), then fast-check mangles
 * their bodies, headers, signatures and fields. Malformed input is answered 400/401/403/413, never
 * 500; nothing is ever posted (deps.fetch) or handed to a job (deps.loadInvoker) for a URL that is
 * not the chat service's own.
 */

import { join } from 'node:path';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/audit-api/index';
import type { ChatJob } from '../../shared/chat/job';
import type { HttpResponse } from '../../shared/fc/events';
import {
  type DingTalkOutgoingOverrides,
  dingTalkOutgoing,
  recaseHeaders,
  slackCommand,
} from '../emulator/chat/inbound';
import { generateFleet } from '../emulator/ehpc/fleet';
import { REPO } from '../helpers/cli';
import { useEhpcEmulator } from '../helpers/emulator';
import { fcContext } from '../helpers/fc';
import { settle, tempDir } from '../helpers/hostile';

const ROLE = {
  accessKeyId: 'STS.chatHostileKey01',
  accessKeySecret: 'chat-hostile-secret',
  securityToken: 'chat-tok-55',
};
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DINGTALK_SECRET = 'dingAppSecretForHostileTests-0123';
const NOW = Date.now();
const MALFORMED = [200, 400, 401, 403, 413];

const startEhpc = useEhpcEmulator();

interface World {
  handler: ReturnType<typeof createHandler>;
  fetched: string[];
  jobs: ChatJob[];
}

let world: World;

beforeEach(async () => {
  const ehpc = await startEhpc({
    regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 2) },
    credentials: [ROLE],
  });
  const fetched: string[] = [];
  const jobs: ChatJob[] = [];
  const handler = createHandler({
    env: {
      IMAGEGW_REGIONS: 'cn-hangzhou',
      IMAGEGW_ENDPOINT: ehpc.endpoints['cn-hangzhou'] ?? '',
      IMAGEGW_POLICY_FILE: join(REPO, 'examples', 'policy.yaml'),
      IMAGEGW_STATE_DIR: join(tempDir('chat'), 'state'),
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      DINGTALK_APP_SECRET: DINGTALK_SECRET,
      // Enough budget that the fuzzing reaches the dispatch, not only "too many audits".
      IMAGEGW_CALLER_BUDGET: '1000',
    },
    nowMs: () => NOW,
    fetch: (async (input: string | URL | Request) => {
      fetched.push(input instanceof Request ? input.url : String(input));
      return new Response('{"errcode":0,"errmsg":"ok"}', { status: 200 });
    }) as typeof fetch,
    loadInvoker: async () => ({
      invokeAsync: async (event: string) => {
        jobs.push(JSON.parse(event) as ChatJob);
        return { requestId: `job-${jobs.length}` };
      },
    }),
  });
  world = { handler, fetched, jobs };
});

/** The URL a reply may go to: https on the service's host (and, for DingTalk, its session path). */
function isServiceUrl(text: string, service: 'slack' | 'dingtalk'): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password) return false;
  return service === 'slack'
    ? url.hostname === 'hooks.slack.com'
    : url.hostname === 'oapi.dingtalk.com' && url.pathname.startsWith('/robot/sendBySession');
}

function expectOnlyServiceUrls(): void {
  for (const url of world.fetched) {
    expect(isServiceUrl(url, url.includes('dingtalk') ? 'dingtalk' : 'slack'), `posted to ${url}`).toBe(true);
  }
  for (const job of world.jobs) {
    expect(isServiceUrl(job.reply.url, job.reply.service), `job replies to ${job.reply.url}`).toBe(true);
  }
}

interface RawRequest {
  path: string;
  method?: string;
  headers: Record<string, string>;
  body: Buffer;
  base64?: boolean;
}

function event(request: RawRequest): Buffer {
  const base64 = request.base64 ?? true;
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: request.path,
      body: base64 ? request.body.toString('base64') : request.body.toString('utf8'),
      isBase64Encoded: base64,
      headers: request.headers,
      queryParameters: {},
      requestContext: {
        http: { method: request.method ?? 'POST', path: request.path },
        requestId: 'hostile',
      },
    }),
  );
}

async function send(request: RawRequest): Promise<HttpResponse> {
  const outcome = await settle(() => world.handler(event(request), fcContext(ROLE)), 10_000);
  expect(outcome.ok, String(!outcome.ok && outcome.error)).toBe(true);
  if (!outcome.ok) throw outcome.error;
  expect(MALFORMED, `status ${outcome.value.statusCode}: ${outcome.value.body.slice(0, 200)}`).toContain(
    outcome.value.statusCode,
  );
  return outcome.value;
}

const HOSTILE_URLS = [
  'http://hooks.slack.com/commands/T1/1/x',
  'https://hooks.slack.com.evil.example/x',
  'https://evil.example/hooks.slack.com/x',
  'https://hooks.slack.com@evil.example/x',
  'https://user:pw@hooks.slack.com/x',
  'https://evil.example\\@hooks.slack.com/x',
  'https://hooks.slack.com./x',
  'https://oapi.dingtalk.com.evil.example/robot/sendBySession?session=x',
  'https://oapi.dingtalk.com/robot/send?access_token=x',
  'http://oapi.dingtalk.com/robot/sendBySession?session=x',
  'https://oapi.dingtalk.com@evil.example/robot/sendBySession',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'data:text/plain,hi',
  'http://127.0.0.1/x',
  'http://127.1/robot/sendBySession',
  'http://2130706433/x',
  'http://[::1]/robot/sendBySession',
  'http://100.100.100.200/latest/meta-data',
  'https://xn--hoks-slack-9db.com/x',
  '',
  '//hooks.slack.com/x',
  'hooks.slack.com/x',
];
const VALID_URLS = [
  'https://hooks.slack.com/commands/T1/1/AuditResponseUrlToken0001',
  'https://HOOKS.SLACK.COM/commands/T1/1/x',
  'https://oapi.dingtalk.com/robot/sendBySession?session=0123456789abcdef',
];
const url = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VALID_URLS) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_URLS) },
  fc.webUrl({ withQueryParameters: true }),
  fc.string({ maxLength: 60 }),
);
const commandText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('audit all', 'audit ehpc-hz-0001', 'help', 'status', 'waivers') },
  fc.constantFrom(
    '',
    'help',
    'status',
    'waivers',
    'audit all',
    'AUDIT ALL',
    'audit ehpc-hz-0001',
    'audit ../../etc',
    'audit ehpc-hz-0001 extra',
    '  audit\tehpc-hz-0002  ',
    'audit <!channel>',
  ),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
);

type Mutation =
  | { kind: 'none' }
  | { kind: 'flip'; at: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'drop'; header: number }
  | { kind: 'junk'; header: number; value: string }
  | { kind: 'duplicate'; header: number; value: string }
  | { kind: 'recase'; seed: number }
  | { kind: 'skew'; seconds: number }
  | { kind: 'plain' }
  | { kind: 'huge' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.nat().map((at) => ({ kind: 'flip' as const, at })),
  fc.nat().map((at) => ({ kind: 'truncate' as const, at })),
  fc.nat().map((header) => ({ kind: 'drop' as const, header })),
  fc
    .tuple(
      fc.nat(),
      fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('', ' ', 'v0=', '0', '-1', '99999999999999999999'),
      ),
    )
    .map(([header, value]) => ({ kind: 'junk' as const, header, value })),
  fc
    .tuple(fc.nat(), fc.string({ maxLength: 40 }))
    .map(([header, value]) => ({ kind: 'duplicate' as const, header, value })),
  fc.nat().map((seed) => ({ kind: 'recase' as const, seed })),
  fc
    .oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.constantFrom(-301, 301, 3601, -3601))
    .map((seconds) => ({ kind: 'skew' as const, seconds })),
  fc.constant({ kind: 'plain' as const }),
  fc.constant({ kind: 'huge' as const }),
);

function mutate(request: RawRequest, change: Mutation): RawRequest {
  const names = Object.keys(request.headers);
  const pick = (index: number) => names[index % names.length] ?? 'x';
  switch (change.kind) {
    case 'flip': {
      if (request.body.length === 0) return request;
      const body = Buffer.from(request.body);
      const at = change.at % body.length;
      body[at] = (body[at] ?? 0) ^ 0x20;
      return { ...request, body };
    }
    case 'truncate':
      return { ...request, body: request.body.subarray(0, change.at % (request.body.length + 1)) };
    case 'drop': {
      const { [pick(change.header)]: _dropped, ...headers } = request.headers;
      return { ...request, headers };
    }
    case 'junk':
      return { ...request, headers: { ...request.headers, [pick(change.header)]: change.value } };
    case 'duplicate':
      return {
        ...request,
        headers: { ...request.headers, [pick(change.header).toLowerCase()]: change.value },
      };
    case 'recase':
      return { ...request, headers: recaseHeaders(request.headers, 'random', change.seed + 1) };
    case 'plain':
      return { ...request, base64: false };
    case 'huge':
      return { ...request, body: Buffer.concat([request.body, Buffer.alloc(70 * 1024, '&')]) };
    default:
      return request;
  }
}

describe('Slack /chat/slack', () => {
  it('answers signed and mangled commands with 2xx/4xx and hands jobs only Slack reply URLs', async () => {
    await fc.assert(
      fc.asyncProperty(
        commandText,
        url,
        fc.oneof(fc.constant('U0AUDIT001'), fc.string({ maxLength: 30 })),
        mutation,
        async (text, responseUrl, user, change) => {
          const skew = change.kind === 'skew' ? change.seconds : 0;
          const signed = slackCommand({
            signingSecret: SLACK_SECRET,
            timestamp: Math.floor(NOW / 1000) + skew,
            fields: { text, response_url: responseUrl, user_id: user },
          });
          const request = mutate(
            { path: '/chat/slack', headers: signed.headers, body: Buffer.from(signed.body) },
            change,
          );
          const response = await send(request);
          if (change.kind === 'huge') expect(response.statusCode).toBe(413);
          if (change.kind === 'skew' && Math.abs(skew) > 300) expect(response.statusCode).toBe(401);
          if (response.statusCode === 200 && world.jobs.length > 0) expectOnlyServiceUrls();
        },
      ),
      { numRuns: 250 },
    );
    expectOnlyServiceUrls();
    // The fuzzing got past the signature to a dispatched audit (one: the lease holds the others off).
    expect(world.jobs.length).toBeGreaterThan(0);
    // The route itself posts nothing: the answer goes back in the HTTP response.
    expect(world.fetched).toEqual([]);
  }, 60_000);

  it.each(HOSTILE_URLS)(
    'refuses the response_url %j of a correctly signed command, starting nothing',
    async (hostile) => {
      const signed = slackCommand({
        signingSecret: SLACK_SECRET,
        timestamp: Math.floor(NOW / 1000),
        fields: { text: 'audit all', response_url: hostile },
      });
      const response = await send({
        path: '/chat/slack',
        headers: signed.headers,
        body: Buffer.from(signed.body),
      });
      expect(response.statusCode).toBe(400);
      expect(world.jobs).toEqual([]);
      expect(world.fetched).toEqual([]);
    },
  );

  it('refuses signatures that only look right', async () => {
    const base = {
      signingSecret: SLACK_SECRET,
      timestamp: Math.floor(NOW / 1000),
      fields: { text: 'audit all' },
    };
    const v1 = slackCommand({ ...base, signatureVersion: 'v1' });
    const tampered = slackCommand({
      ...base,
      bodyOverride: slackCommand(base).body.replace('audit', 'audiT'),
    });
    const wrongSecret = slackCommand({ ...base, signingSecret: `${SLACK_SECRET}x` });
    for (const signed of [v1, tampered, wrongSecret]) {
      expect(
        (await send({ path: '/chat/slack', headers: signed.headers, body: Buffer.from(signed.body) }))
          .statusCode,
      ).toBe(401);
    }
    const future = slackCommand({ ...base, timestamp: 99_999_999_999_999 });
    expect(
      (await send({ path: '/chat/slack', headers: future.headers, body: Buffer.from(future.body) }))
        .statusCode,
    ).toBe(401);
    expect(world.jobs).toEqual([]);
  });
});

describe('DingTalk /chat/dingtalk', () => {
  let sequence = 0;

  it('answers signed and mangled messages with 2xx/4xx and posts only to DingTalk session URLs', async () => {
    const field = fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 2 }));
    const overrides = fc.record(
      {
        sessionWebhook: fc.oneof({ weight: 4, arbitrary: url }, fc.jsonValue({ maxDepth: 1 })),
        text: fc.oneof(
          { weight: 6, arbitrary: commandText.map((content) => ({ content })) },
          fc.constant({ content: 'a'.repeat(2_001) }),
          field,
        ),
        msgtype: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom('text', 'markdown', 'picture', '') },
          field,
        ),
        msgId: fc.oneof(
          { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
          fc.constantFrom('', 'm'.repeat(201)),
          field,
        ),
        senderStaffId: fc.oneof(
          { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
          fc.constant('s'.repeat(201)),
          field,
        ),
        sessionWebhookExpiredTime: fc.oneof(
          { weight: 4, arbitrary: fc.constant(NOW + 60_000) },
          fc.constantFrom(0, -1, NOW - 1, 1.5, 2 ** 53, 1e308),
          field,
        ),
      },
      { requiredKeys: [] },
    );
    // Most messages keep most fields valid, so the fuzzing reaches the reply as often as the refusals.
    await fc.assert(
      fc.asyncProperty(
        overrides,
        mutation,
        fc.oneof(
          { weight: 9, arbitrary: fc.constant(undefined) },
          fc.string({ unit: 'binary', maxLength: 200 }),
        ),
        async (body, change, raw) => {
          sequence += 1;
          const timestampMs = NOW - sequence * 7 + (change.kind === 'skew' ? change.seconds * 1000 : 0);
          const signed = dingTalkOutgoing({
            appSecret: DINGTALK_SECRET,
            timestampMs,
            // Deliberately of the wrong types: the driver writes whatever it is given.
            body: body as DingTalkOutgoingOverrides,
            rawBody: raw,
          });
          const request = mutate(
            {
              path: '/chat/dingtalk',
              headers: recaseHeaders(signed.headers, 'canonical'),
              body: Buffer.from(signed.body),
            },
            change,
          );
          const response = await send(request);
          if (change.kind === 'huge') expect(response.statusCode).toBe(413);
          if (Math.abs(NOW - timestampMs) > 3_600_000) expect(response.statusCode).toBe(401);
          expectOnlyServiceUrls();
        },
      ),
      { numRuns: 250 },
    );
    expectOnlyServiceUrls();
    // The fuzzing got past the signature and the body checks to replies through the session.
    expect(world.fetched.length).toBeGreaterThan(10);
  }, 60_000);

  it.each(HOSTILE_URLS)(
    'never posts to the sessionWebhook %j of a correctly signed message',
    async (hostile) => {
      sequence += 1;
      const signed = dingTalkOutgoing({
        appSecret: DINGTALK_SECRET,
        timestampMs: NOW - 1_000_000 - sequence,
        body: { sessionWebhook: hostile, text: { content: 'audit all' } },
      });
      const response = await send({
        path: '/chat/dingtalk',
        headers: signed.headers,
        body: Buffer.from(signed.body),
      });
      expect(response.statusCode).toBe(400);
      expect(world.fetched).toEqual([]);
      expect(world.jobs).toEqual([]);
    },
  );

  it('answers a signed body holding __proto__ and constructor keys without crashing', async () => {
    const signed = dingTalkOutgoing({
      appSecret: DINGTALK_SECRET,
      timestampMs: NOW - 222_222,
      rawBody:
        '{"__proto__": {"sessionWebhook": "https://evil.example/x"}, "constructor": {"prototype": {"x": 1}}, "msgId": "m1", "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=1", "text": {"content": "help"}}',
    });
    const response = await send({
      path: '/chat/dingtalk',
      headers: signed.headers,
      body: Buffer.from(signed.body),
    });
    expect(response.statusCode).toBe(200);
    expect(({} as { sessionWebhook?: unknown }).sessionWebhook).toBeUndefined();
    expectOnlyServiceUrls();
  });

  it('refuses a replayed signature and a URL-encoded one', async () => {
    const first = dingTalkOutgoing({
      appSecret: DINGTALK_SECRET,
      timestampMs: NOW - 123_456,
      body: { text: { content: 'help' } },
    });
    const request = { path: '/chat/dingtalk', headers: first.headers, body: Buffer.from(first.body) };
    expect((await send(request)).statusCode).toBe(200);
    expect((await send(request)).statusCode).toBe(401);
    const encoded = dingTalkOutgoing({
      appSecret: DINGTALK_SECRET,
      timestampMs: NOW - 654_321,
      signEncoding: 'urlencoded',
    });
    expect(
      (await send({ path: '/chat/dingtalk', headers: encoded.headers, body: Buffer.from(encoded.body) }))
        .statusCode,
    ).toBe(401);
    expectOnlyServiceUrls();
  });
});
