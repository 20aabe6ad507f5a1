/**
 * Issue #7, the secret scan through the Function Compute handlers, in-process: the planted secrets
 * (test/helpers/faults.ts, PLANTED) are the invocation's role credentials, the channels and their
 * environment, the summary webhook's token, the API token, the Slack and DingTalk app secrets and
 * the emulated configurations. The scheduled handler runs against failing E-HPC regions and a state
 * store on OSS that fails every way it can (a wrong secret, whose SignatureDoesNotMatch echoes the
 * string to sign with the token; an unknown key; no bucket; an HTML error page echoing the signed
 * request headers; reset and refused connections); the audit-api handler answers /audit in every
 * format, /report, bad tokens and forged chat requests, and runs Slack and DingTalk commands through
 * its own asynchronous invocation (FC emulator). Everything they return, post, store and log
 * (console.* and process.stdout/stderr are captured) is searched for every secret in every form.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createAuditApi } from '../../functions/audit-api/index';
import { createHandler as createScheduled } from '../../functions/scheduled-audit/index';
import type { FcContext } from '../../shared/fc/events';
import { dingTalkOutgoing, recaseHeaders, slackCommand } from '../emulator/chat/inbound';
import { startChatEmulator } from '../emulator/chat/server';
import type { ChatEmulator } from '../emulator/chat/types';
import { startEhpcEmulator } from '../emulator/ehpc/server';
import type { EhpcEmulator, EmulatedCluster } from '../emulator/ehpc/types';
import { type FcEmulator, startFcEmulator } from '../emulator/fc';
import { type OssCredentials, type OssEmulator, startOssEmulator } from '../emulator/oss/server';
import { startWebhookSink, type WebhookSink } from '../emulator/webhook-sink';
import { REPO } from '../helpers/cli';
import {
  ALL_PLANTED,
  captureOutput,
  closedPort,
  echoingFaults,
  expectNoSecrets,
  expectNoSignedUrlParts,
  type FaultProxy,
  MASKED_FORMS,
  PLANTED,
  PLANTED_CREDENTIALS,
  PLANTED_ROLE,
  plainFleet,
  readTree,
  secretBearingFleet,
  shortTimeoutReader,
  startFaultProxy,
  urlSecrets,
} from '../helpers/faults';
import { httpEvent, timerEvent } from '../helpers/fc';

const POLICY_FILE = join(REPO, 'examples', 'policy.yaml');
const reference = (name: string) => `\${${name}}`;

let ehpc: EhpcEmulator;
let wrongSecret: EhpcEmulator;
let hung: EhpcEmulator;
let chat: ChatEmulator;
let sink: WebhookSink;
let refused: string;
/** Secrets known only at run time: the chat hooks' URLs and tokens. */
const runtimeSecrets: string[] = [];

const context = (name = 'imagegw-scheduled-audit'): FcContext => ({
  requestId: `req-${Math.random().toString(16).slice(2)}`,
  credentials: { ...PLANTED_CREDENTIALS },
  function: { name, timeout: 120 },
  region: 'cn-hangzhou',
  accountId: '1234567890123456',
});

beforeAll(async () => {
  const hz: EmulatedCluster[] = [
    ...secretBearingFleet('cn-hangzhou'),
    ...Object.entries(echoingFaults()).map(([name, fault]) => ({ info: { Id: `ehpc-hz-${name}` }, fault })),
  ];
  ehpc = await startEhpcEmulator({
    regions: { 'cn-hangzhou': hz },
    credentials: [PLANTED_CREDENTIALS, PLANTED_ROLE],
  });
  wrongSecret = await startEhpcEmulator({
    regions: { 'cn-shanghai': plainFleet('cn-shanghai', 2) },
    credentials: [
      { ...PLANTED_CREDENTIALS, accessKeySecret: 'the-service-knows-another-secret' },
      { ...PLANTED_ROLE, accessKeySecret: 'the-service-knows-another-secret' },
    ],
  });
  // A hung read (the client's timeout error quotes the signed URL), in a region of its own so that
  // only the scheduled runs wait for it.
  hung = await startEhpcEmulator({
    regions: { 'cn-zhangjiakou': [{ info: { Id: 'ehpc-zjk-Hung0001' }, fault: { hang: true } }] },
    credentials: [PLANTED_CREDENTIALS, PLANTED_ROLE],
  });
  chat = await startChatEmulator();
  sink = await startWebhookSink();
  refused = await closedPort();
});
afterAll(async () => {
  await Promise.all([ehpc.close(), wrongSecret.close(), hung.close(), chat.close(), sink.close()]);
});

function ehpcEnv(withHung: boolean): Record<string, string> {
  const endpoints: Record<string, string> = {
    'cn-hangzhou': ehpc.endpoints['cn-hangzhou'] ?? '',
    'cn-shanghai': wrongSecret.endpoints['cn-shanghai'] ?? '',
    'cn-qingdao': refused,
    ...(withHung ? { 'cn-zhangjiakou': hung.endpoints['cn-zhangjiakou'] ?? '' } : {}),
  };
  return {
    IMAGEGW_REGIONS: Object.keys(endpoints).join(','),
    IMAGEGW_ENDPOINT: Object.entries(endpoints)
      .map(([region, url]) => `${region}=${url}`)
      .join(','),
    IMAGEGW_POLICY_FILE: POLICY_FILE,
    IMAGEGW_QPS: '200',
    IMAGEGW_CONCURRENCY: '16',
  };
}

/** A channels file with a signed DingTalk robot (refusing once, echoing its URL) and a webhook. */
function channelsEnv(): Record<string, string> {
  const robot = chat.addDingtalk({ secret: PLANTED.dingTalkRobotSecret });
  const hook = chat.addWebhook({ secrets: [PLANTED.webhookSecret] });
  chat.fault(robot.id, { kind: 'business', code: 310000, msg: `sign not match for ${robot.url}`, times: 1 });
  runtimeSecrets.push(...urlSecrets(robot.url), ...urlSecrets(hook.url));
  const dir = mkdtempSync(join(tmpdir(), 'secret-functions-'));
  const file = join(dir, 'channels.yaml');
  writeFileSync(
    file,
    [
      'channels:',
      `  - { name: ops, type: dingtalk, url: "${reference('DT_URL')}", secret: "${reference('DT_SECRET')}" }`,
      `  - { name: siem, type: webhook, url: "${reference('WH_URL')}", secret: "${reference('WH_SECRET')}" }`,
      '',
    ].join('\n'),
  );
  return {
    IMAGEGW_CHANNELS_FILE: file,
    DT_URL: robot.url,
    DT_SECRET: PLANTED.dingTalkRobotSecret,
    WH_URL: hook.url,
    WH_SECRET: PLANTED.webhookSecret,
  };
}

const secrets = () => [...ALL_PLANTED, ...runtimeSecrets];

function scan(where: string, text: string): void {
  expectNoSecrets(where, text, secrets());
  expectNoSignedUrlParts(where, text);
}

// ---------------------------------------------------------------------------------------------------
// scheduled-audit: failing E-HPC, failing OSS, a refused summary webhook
// ---------------------------------------------------------------------------------------------------

interface OssCase {
  name: string;
  /** A working store: what it holds is checked to include the masked values, not only scanned. */
  healthy?: boolean;
  /** Include the region whose read hangs (a timeout error quoting the signed URL); it costs ~1 s. */
  withHung?: boolean;
  /** The OSS endpoint and bucket to use, and what to close afterwards. */
  start(): Promise<{ endpoint: string; bucket: string; close(): Promise<void>; objects?: () => string[] }>;
}

const ossWith = (credentials: OssCredentials, buckets: string[]) => async () => {
  const oss: OssEmulator = await startOssEmulator({ credentials, buckets });
  return {
    endpoint: oss.endpoint,
    bucket: 'audit-state',
    close: () => oss.close(),
    objects: () =>
      (buckets.includes('audit-state') ? [...oss.objects('audit-state').values()] : []).map((o) =>
        o.body.toString('utf8'),
      ),
  };
};

const proxyWith = (decide: Parameters<typeof startFaultProxy>[1]) => async () => {
  const proxy: FaultProxy = await startFaultProxy(undefined, decide);
  return { endpoint: proxy.url, bucket: 'audit-state', close: () => proxy.close() };
};

const OSS_CASES: OssCase[] = [
  {
    name: 'a healthy bucket (every object it stores is scanned)',
    healthy: true,
    withHung: true,
    start: ossWith(PLANTED_CREDENTIALS, ['audit-state']),
  },
  {
    name: 'a wrong secret (SignatureDoesNotMatch echoing the string to sign and the key id)',
    withHung: true,
    start: ossWith({ ...PLANTED_CREDENTIALS, accessKeySecret: 'oss-knows-another-secret' }, ['audit-state']),
  },
  {
    name: 'an unknown key (InvalidAccessKeyId echoing it)',
    start: ossWith({ ...PLANTED_CREDENTIALS, accessKeyId: 'LTAIsomeOtherKeyId0001' }, ['audit-state']),
  },
  { name: 'no such bucket', start: ossWith(PLANTED_CREDENTIALS, []) },
  {
    name: 'an HTML 502 page echoing the signed request headers',
    start: proxyWith((request) => ({
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: `<html><body><h1>502 Bad Gateway</h1><pre>${request.method} ${request.url}\n${JSON.stringify(request.headers)}</pre></body></html>`,
    })),
  },
  {
    name: 'an XML error that quotes the token',
    start: proxyWith(() => ({
      status: 403,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidSecurityToken</Code><Message>The security token you provided is invalid: ${PLANTED.securityToken}</Message><OSSAccessKeyId>${PLANTED.accessKeyId}</OSSAccessKeyId></Error>`,
    })),
  },
  { name: 'reset connections', start: proxyWith(() => ({ reset: true })) },
  {
    name: 'a refused endpoint',
    start: async () => ({
      endpoint: await closedPort(),
      bucket: 'audit-state',
      close: async () => undefined,
    }),
  },
];

describe('scheduled-audit with failing E-HPC regions, a refused summary webhook and OSS state', () => {
  let day = 0;
  for (const ossCase of OSS_CASES) {
    it(`leaks nothing with ${ossCase.name}`, async () => {
      const oss = await ossCase.start();
      day += 1;
      const env = {
        ...ehpcEnv(ossCase.withHung === true),
        ...channelsEnv(),
        IMAGEGW_STATE_OSS_BUCKET: oss.bucket,
        IMAGEGW_STATE_OSS_ENDPOINT: oss.endpoint,
        IMAGEGW_STATE_OSS_PREFIX: 'team-a/audit',
        IMAGEGW_WEBHOOK_URL: `${refused}/hooks/imagegw?token=${PLANTED.summaryHookToken}`,
      };
      const before = chat.requests.length;
      const output = captureOutput();
      let text: string;
      try {
        const handler = createScheduled({ env, readerFactory: shortTimeoutReader(400) });
        text = await handler(timerEvent(`2026-11-${String(day).padStart(2, '0')}T02:30:00Z`), context());
      } finally {
        output.restore();
        await oss.close();
      }
      scan('handler result', text);
      scan('handler output', output.text());
      for (const request of chat.requests.slice(before)) scan('chat message', request.body);
      for (const object of oss.objects?.() ?? []) scan('OSS object', object);
      // Exercised: the region echoing the string to sign, the refused webhook, the masked values.
      const result = JSON.parse(text) as { incompleteReasons: string[]; delivery?: { delivered: boolean } };
      expect(result.incompleteReasons.join('\n')).toContain(
        'cn-shanghai: clusters could not be listed: SignatureDoesNotMatch',
      );
      if (ossCase.withHung)
        expect(result.incompleteReasons.join('\n')).toContain(
          'ehpc-zjk-Hung0001 (cn-zhangjiakou) could not be read: timeout',
        );
      expect(result.delivery).toMatchObject({ delivered: false });
      if (ossCase.healthy) expect(oss.objects?.().join('\n')).toContain(MASKED_FORMS[0]);
      else expect(`${JSON.stringify(result)}\n${output.text()}`).toMatch(/OSS/);
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// audit-api: /audit, /report, bad tokens, Slack and DingTalk commands
// ---------------------------------------------------------------------------------------------------

describe('audit-api', () => {
  let fc: FcEmulator;
  let env: Record<string, string>;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'secret-audit-api-'));
    env = {
      ...ehpcEnv(false),
      IMAGEGW_STATE_DIR: stateDir,
      IMAGEGW_API_TOKENS: `${PLANTED.apiToken},second-token-value`,
      SLACK_SIGNING_SECRET: PLANTED.slackSigningSecret,
      IMAGEGW_CHAT_ALLOW_LOOPBACK: '1',
      DINGTALK_APP_SECRET: PLANTED.dingTalkAppSecret,
    };
    fc = await startFcEmulator({
      credentials: [PLANTED_ROLE],
      roleCredentials: PLANTED_ROLE,
      functions: [
        {
          service: 'imagegw-auditor',
          name: 'imagegw-audit-api',
          handler: (event, invocation) =>
            createAuditApi({ env, readerFactory: shortTimeoutReader(400) })(event, invocation),
          timeoutSeconds: 120,
        },
      ],
    });
    env.IMAGEGW_FC_ENDPOINT = fc.endpoint;
  });
  afterAll(async () => {
    await fc.close();
  });

  it('answers every format, the page, bad tokens and chat commands without any secret', async () => {
    const handler = createAuditApi({ env, readerFactory: shortTimeoutReader(400) });
    const apiContext = (): FcContext => ({
      ...context('imagegw-audit-api'),
      credentials: { ...PLANTED_ROLE },
      accountId: fc.accountId,
    });
    const slackReply = chat.addSlackResponseUrl();
    const session = chat.addDingTalkSession();
    runtimeSecrets.push(...urlSecrets(slackReply.url), ...urlSecrets(session.url));
    const responses: unknown[] = [];
    const output = captureOutput();
    try {
      const bearer = { Authorization: `Bearer ${PLANTED.apiToken}` };
      for (const format of ['json', 'table', 'markdown', 'sarif', 'junit', 'html']) {
        const response = await handler(
          httpEvent({ path: '/audit', query: { format }, headers: bearer }),
          apiContext(),
        );
        expect(response.statusCode, format).toBe(200);
        responses.push(response);
      }
      const single = await handler(
        httpEvent({ path: '/audit', query: { cluster: 'ehpc-hz-MongoUserInfo' }, headers: bearer }),
        apiContext(),
      );
      expect(single.body).toContain(MASKED_FORMS[0]);
      responses.push(single);
      responses.push(await handler(httpEvent({ path: '/report', headers: bearer }), apiContext()));
      for (const authorization of [
        `Bearer ${PLANTED.apiToken}x`,
        `Bearer ${PLANTED.apiToken.slice(0, -1)}`,
        `Basic ${Buffer.from(`user:${PLANTED.apiToken}`).toString('base64')}`,
        PLANTED.apiToken,
      ]) {
        const refusedAnswer = await handler(
          httpEvent({ path: '/audit', headers: { Authorization: authorization } }),
          apiContext(),
        );
        expect(refusedAnswer.statusCode).toBe(401);
        responses.push(refusedAnswer);
      }

      // Slack: a forged request, then real commands, each audit run by the function's own async invocation.
      const slackEvent = (text: string, secret: string = PLANTED.slackSigningSecret) => {
        const signed = slackCommand({
          signingSecret: secret,
          timestamp: Math.floor(Date.now() / 1000),
          fields: { text, response_url: slackReply.url },
        });
        return httpEvent({
          path: '/chat/slack',
          method: 'POST',
          headers: signed.headers,
          body: Buffer.from(signed.body),
        });
      };
      const forged = await handler(slackEvent('audit all', 'not-the-signing-secret'), apiContext());
      expect(forged.statusCode).toBe(401);
      responses.push(forged);
      for (const text of ['help', 'status', 'waivers', 'audit ehpc-hz-MongoUserInfo', 'audit all']) {
        const answer = await handler(slackEvent(text), apiContext());
        expect(answer.statusCode, text).toBe(200);
        responses.push(answer);
        await fc.idle();
      }

      // DingTalk: commands through the session webhook, and a replayed signature.
      const dingTalk = (content: string, timestampMs = Date.now()) => {
        const request = dingTalkOutgoing({
          appSecret: PLANTED.dingTalkAppSecret,
          timestampMs,
          body: { sessionWebhook: session.url, text: { content } },
        });
        return {
          request,
          event: httpEvent({
            path: '/chat/dingtalk',
            method: 'POST',
            headers: recaseHeaders(request.headers, 'canonical'),
            body: Buffer.from(request.body),
          }),
        };
      };
      const first = dingTalk('  audit ehpc-hz-RegistryUrl');
      responses.push(await handler(first.event, apiContext()));
      await fc.idle();
      const replay = await handler(
        httpEvent({
          path: '/chat/dingtalk',
          method: 'POST',
          headers: recaseHeaders(first.request.headers, 'canonical'),
          body: Buffer.from(first.request.body),
        }),
        apiContext(),
      );
      expect(replay.statusCode).toBe(401);
      responses.push(replay);
      responses.push(await handler(dingTalk('  help', Date.now() + 1).event, apiContext()));
      const badSign = dingTalkOutgoing({
        appSecret: 'not-the-app-secret',
        timestampMs: Date.now(),
        body: {},
      });
      responses.push(
        await handler(
          httpEvent({
            path: '/chat/dingtalk',
            method: 'POST',
            headers: recaseHeaders(badSign.headers, 'canonical'),
            body: Buffer.from(badSign.body),
          }),
          apiContext(),
        ),
      );
      await fc.idle();
    } finally {
      output.restore();
    }

    for (const [index, response] of responses.entries()) scan(`response ${index}`, JSON.stringify(response));
    scan('handler output', output.text());
    scan('FC emulator logs', fc.logs.join('\n'));
    const slackPosts = chat.slackResponseRequests(slackReply.id).map((request) => request.body);
    const dingTalkPosts = chat.dingTalkSessionRequests(session.id).map((request) => request.body);
    for (const body of [...slackPosts, ...dingTalkPosts]) scan('chat reply', body);
    for (const file of await readTree(stateDir)) scan(file.path, file.text);
    // Exercised: the audits ran asynchronously and their results reached both services.
    expect(slackPosts.join('\n')).toContain('Audit of ehpc-hz-MongoUserInfo');
    expect(dingTalkPosts.join('\n')).toContain('ehpc-hz-RegistryUrl');
    expect(fc.invocations.filter((invocation) => invocation.type === 'Async').length).toBeGreaterThanOrEqual(
      3,
    );
  }, 60_000);
});
