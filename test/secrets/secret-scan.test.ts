/**
 * Issue #7, the secret scan through the command line. Distinctive secrets (test/helpers/faults.ts,
 * PLANTED) are planted in the credentials, the channels file and its environment, and the emulated
 * gateway configurations; then the demo, failing runs (E-HPC answers that echo the signed request,
 * SignatureDoesNotMatch with the gateway's string to sign, unknown keys, expired tokens, a refused
 * endpoint) and the notify path (five chat channels, some failing) run as a user runs them. Every
 * byte they produce — stdout, stderr, each report format, each message the chat emulator received,
 * each file of the state directory — is searched for each secret, raw, URL-encoded (once and
 * twice, either hex case), form-encoded, JSON-escaped and Base64. Masked forms such as
 * `mongodb://admin:***@host` are what must appear instead, and the test checks they do, so it
 * cannot pass by auditing nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../../shared/audit/types';
import { startChatEmulator } from '../emulator/chat/server';
import type { ChatEmulator } from '../emulator/chat/types';
import { startEhpcEmulator } from '../emulator/ehpc/server';
import type { EhpcEmulator, EmulatedCluster } from '../emulator/ehpc/types';
import { REPO, runCli } from '../helpers/cli';
import {
  ALL_PLANTED,
  closedPort,
  echoingFaults,
  expectNoSecrets,
  expectNoSignedUrlParts,
  leakedSecrets,
  MASKED_FORMS,
  PLANTED,
  PLANTED_CREDENTIALS,
  plainFleet,
  readTree,
  secretBearingFleet,
  urlSecrets,
} from '../helpers/faults';

const ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: PLANTED.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: PLANTED.accessKeySecret,
  ALIBABA_CLOUD_SECURITY_TOKEN: PLANTED.securityToken,
};

const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((thing) => thing.close()));
});
async function track<T extends { close(): Promise<void> }>(thing: Promise<T>): Promise<T> {
  const value = await thing;
  started.push(value);
  return value;
}

const reference = (name: string) => `\${${name}}`;
/** The example policy reads every secret-bearing field (inline MongoDB credentials, registries). */
const POLICY = join(REPO, 'examples', 'policy.yaml');

/** `imagegw-audit run --format json` on one emulated region, with the planted environment. */
const runJsonAudit = (endpoint: string) =>
  runCli(['run', '--regions', 'cn-hangzhou', '--endpoint', endpoint, '--format', 'json'], ENV);

describe('the scanner', () => {
  it('finds each planted secret in each form it may take, and passes masked and redacted text', () => {
    for (const secret of ALL_PLANTED) {
      for (const text of [
        `x ${secret} y`,
        `?t=${encodeURIComponent(secret)}&`,
        `%26SecurityToken%3D${encodeURIComponent(encodeURIComponent(secret))}%26`,
        `"${Buffer.from(secret).toString('base64')}"`,
      ]) {
        expect(leakedSecrets(text, [secret]).length, text).toBeGreaterThan(0);
      }
    }
    expect(leakedSecrets('mongodb://admin:***@host/db AccessKeyId=[redacted]', ALL_PLANTED)).toEqual([]);
  });
});

describe('the demo (npm start)', () => {
  it('prints neither its access key, its robot secret, its robot token nor the registry password of its fleet', async () => {
    const demoSecrets = ['demo-access-key-secret', 'SECdemo-robot-signing-secret', 'demo-password-123'];
    const runs = [['demo'], ['demo', '--format', 'json']];
    const results = await Promise.all(runs.map((args) => runCli(args)));
    for (const [index, args] of runs.entries()) {
      const result = results[index] ?? { code: null, stdout: '', stderr: '' };
      expect(result.code).toBe(0);
      const text = `${result.stdout}\n${result.stderr}`;
      expectNoSecrets(`demo ${args.join(' ')}`, text, demoSecrets);
      expectNoSignedUrlParts(`demo ${args.join(' ')}`, text);
      // The robot's URL token (64 hex digits) never appears, nor the key id in a signed URL.
      expect(text).not.toMatch(/access_token=[0-9a-f]{8,}/);
      if (args.includes('json')) expect(text).toContain('robot:***@registry.cn-hangzhou.cr.aliyuncs.com');
    }
  });
});

/**
 * Six regions, each failing differently, plus a healthy one whose configurations carry passwords:
 * cn-hangzhou answers, with per-cluster echoes of the signed request; cn-shanghai knows the key
 * with another secret (SignatureDoesNotMatch, echoing the string to sign with key id and token);
 * cn-beijing does not know the key (InvalidAccessKeyId.NotFound); cn-shenzhen's token has expired;
 * cn-qingdao refuses connections.
 */
async function failingFleet() {
  const hz: EmulatedCluster[] = [
    ...secretBearingFleet('cn-hangzhou'),
    ...Object.entries(echoingFaults()).map(([name, fault]) => ({
      info: { Id: `ehpc-hz-${name}`, RegionId: 'cn-hangzhou' },
      fault,
    })),
  ];
  const healthy = await track(
    startEhpcEmulator({ regions: { 'cn-hangzhou': hz }, credentials: [PLANTED_CREDENTIALS] }),
  );
  const wrongSecret = await track(
    startEhpcEmulator({
      regions: { 'cn-shanghai': plainFleet('cn-shanghai', 2) },
      credentials: [{ ...PLANTED_CREDENTIALS, accessKeySecret: 'the-service-knows-another-secret' }],
    }),
  );
  const unknownKey = await track(
    startEhpcEmulator({ regions: { 'cn-beijing': plainFleet('cn-beijing', 2) } }),
  );
  const expired = await track(
    startEhpcEmulator({
      regions: { 'cn-shenzhen': plainFleet('cn-shenzhen', 2) },
      credentials: [{ ...PLANTED_CREDENTIALS, expiresAt: Date.now() - 60_000 }],
    }),
  );
  const endpoints: Record<string, string> = {
    'cn-hangzhou': healthy.endpoints['cn-hangzhou'] ?? '',
    'cn-shanghai': wrongSecret.endpoints['cn-shanghai'] ?? '',
    'cn-beijing': unknownKey.endpoints['cn-beijing'] ?? '',
    'cn-shenzhen': expired.endpoints['cn-shenzhen'] ?? '',
    'cn-qingdao': await closedPort(),
  };
  return {
    healthy,
    args: [
      'run',
      '--regions',
      Object.keys(endpoints).join(','),
      '--endpoint',
      Object.entries(endpoints)
        .map(([region, url]) => `${region}=${url}`)
        .join(','),
      '--qps',
      '100',
      '--policy',
      POLICY,
    ],
  };
}

function expectFailuresExercised(report: Report): void {
  const regionCodes = Object.fromEntries((report.regions ?? []).map((r) => [r.region, r.error?.code]));
  expect(regionCodes).toEqual({
    'cn-hangzhou': undefined,
    'cn-shanghai': 'SignatureDoesNotMatch',
    'cn-beijing': 'InvalidAccessKeyId.NotFound',
    'cn-shenzhen': 'InvalidSecurityToken.Expired',
    'cn-qingdao': 'network',
  });
  const errors = Object.fromEntries(
    report.clusters.filter((c) => c.status === 'error').map((c) => [c.clusterId, c.error?.code]),
  );
  expect(errors).toEqual({
    'ehpc-hz-EchoHtml502': 'bad-response',
    'ehpc-hz-EchoMessageUrl': 'InternalError',
    'ehpc-hz-EchoStringToSign': 'SignatureDoesNotMatch',
    'ehpc-hz-EchoBareKey': 'InvalidAccessKeyId.NotFound',
    'ehpc-hz-EchoCodeless500': 'bad-response',
  });
  const values = JSON.stringify(report.findings);
  for (const masked of MASKED_FORMS) expect(values).toContain(masked);
}

describe('a failing run', () => {
  it('leaks no credential, token or configuration password in any report format, on stdout or stderr', async () => {
    const { healthy, args } = await failingFleet();
    const dir = mkdtempSync(join(tmpdir(), 'secret-scan-run-'));
    const pairs = [
      ['json', 'report.html'],
      ['table', 'report.sarif'],
      ['markdown', 'report.xml'],
    ] as const;
    const results = await Promise.all(
      pairs.map(([format, out]) => runCli([...args, '--format', format, '--out', join(dir, out)], ENV)),
    );
    for (const [index, [format, out]] of pairs.entries()) {
      const result = results[index];
      expect(result?.code, result?.stderr).toBe(1);
      const file = await readFile(join(dir, out), 'utf8');
      for (const [where, text] of [
        [`stdout (${format})`, result?.stdout ?? ''],
        [`stderr (${format} run)`, result?.stderr ?? ''],
        [out, file],
      ] as const) {
        expectNoSecrets(where, text, ALL_PLANTED);
        expectNoSignedUrlParts(where, text);
      }
    }
    expectFailuresExercised(JSON.parse(results[0]?.stdout ?? '{}') as Report);
    // The planted key did sign the requests: the secrets were really in play.
    expect(healthy.requests.some((request) => request.params.SecurityToken === PLANTED.securityToken)).toBe(
      true,
    );
  });
});

describe('the notify path', () => {
  let chat: ChatEmulator | undefined;
  afterEach(async () => {
    await chat?.close();
    chat = undefined;
  });

  it('posts digests to DingTalk, Feishu, WeCom, Slack and a webhook, and keeps state, without any secret', async () => {
    chat = await startChatEmulator();
    const ehpc: EhpcEmulator = await track(
      startEhpcEmulator({
        regions: {
          'cn-hangzhou': [
            ...secretBearingFleet('cn-hangzhou'),
            {
              info: { Id: 'ehpc-hz-EchoStringToSign' },
              fault: echoingFaults().EchoStringToSign ?? { code: 'x' },
            },
          ],
        },
        credentials: [PLANTED_CREDENTIALS],
      }),
    );
    const dingtalk = chat.addDingtalk({ secret: PLANTED.dingTalkRobotSecret });
    const feishu = chat.addFeishu({ secret: PLANTED.feishuSecret });
    const wecom = chat.addWecom();
    const slack = chat.addSlack();
    const webhook = chat.addWebhook({ secrets: [PLANTED.webhookSecret] });
    const hooks = [dingtalk, feishu, wecom, slack, webhook];
    // The URLs and their tokens are secrets too.
    const secrets = [...ALL_PLANTED, ...hooks.flatMap((hook) => urlSecrets(hook.url))];
    // Failures that echo the channel's own URL back, as services and proxies do.
    chat.fault(dingtalk.id, {
      kind: 'business',
      code: 310000,
      msg: `sign not match for ${dingtalk.url}`,
      times: 1,
    });
    chat.fault(slack.id, {
      kind: 'status',
      status: 500,
      retryAfter: 0,
      body: `<html>500 at ${slack.url}</html>`,
      times: 1,
    });
    chat.fault(wecom.id, { kind: 'reset', times: 1 });

    const dir = mkdtempSync(join(tmpdir(), 'secret-scan-notify-'));
    const channelsFile = join(dir, 'channels.yaml');
    writeFileSync(
      channelsFile,
      [
        'reportUrl: https://audit.example.com/report',
        'channels:',
        `  - { name: ops, type: dingtalk, url: "${reference('DT_URL')}", secret: "${reference('DT_SECRET')}" }`,
        `  - { name: lark, type: feishu, url: "${reference('FS_URL')}", secret: "${reference('FS_SECRET')}" }`,
        `  - { name: wx, type: wecom, url: "${reference('WX_URL')}" }`,
        `  - { name: sl, type: slack, url: "${reference('SL_URL')}" }`,
        `  - { name: siem, type: webhook, url: "${reference('WH_URL')}", secret: "${reference('WH_SECRET')}" }`,
        '',
      ].join('\n'),
    );
    const env = {
      ...ENV,
      DT_URL: dingtalk.url,
      DT_SECRET: PLANTED.dingTalkRobotSecret,
      FS_URL: feishu.url,
      FS_SECRET: PLANTED.feishuSecret,
      WX_URL: wecom.url,
      SL_URL: slack.url,
      WH_URL: webhook.url,
      WH_SECRET: PLANTED.webhookSecret,
    };
    const stateDir = join(dir, 'state');
    const base = [
      'run',
      '--regions',
      'cn-hangzhou',
      '--endpoint',
      ehpc.endpoints['cn-hangzhou'] ?? '',
      '--channels',
      channelsFile,
      '--state',
      stateDir,
      '--policy',
      POLICY,
      '--qps',
      '100',
    ];
    const dryRun = await runCli([...base, '--dry-run', '--format', 'json'], env);
    const first = await runCli(
      [...base, '--notify', '--format', 'json', '--out', join(dir, 'first.md')],
      env,
    );
    const afterFirst = await readTree(stateDir);
    // The part DingTalk refused waits in the outbox, with its error.
    expect(afterFirst.some((file) => file.path.includes(join('notify', 'outbox')))).toBe(true);
    // A second run flushes the outbox (the DingTalk part refused once) and renders html from the history.
    const second = await runCli(
      [...base, '--notify', '--format', 'table', '--out', join(dir, 'second.html')],
      env,
    );

    for (const [name, result] of Object.entries({ dryRun, first, second })) {
      expect(result.code, `${name}: ${result.stderr}`).toBe(1);
      for (const [stream, text] of [
        ['stdout', result.stdout],
        ['stderr', result.stderr],
      ] as const) {
        expectNoSecrets(`${name} ${stream}`, text, secrets);
        expectNoSignedUrlParts(`${name} ${stream}`, text);
      }
    }
    for (const out of ['first.md', 'second.html']) {
      expectNoSecrets(out, await readFile(join(dir, out), 'utf8'), secrets);
    }
    for (const file of [...afterFirst, ...(await readTree(stateDir))]) {
      expectNoSecrets(file.path, file.text, secrets);
      expectNoSignedUrlParts(file.path, file.text);
    }
    const bodies = chat.requests.map((request) => request.body);
    for (const [index, body] of bodies.entries()) expectNoSecrets(`chat message ${index}`, body, secrets);

    // It was all exercised: rendered messages, a delivery to each channel, the failures recorded.
    const dry = JSON.parse(dryRun.stdout) as Report;
    expect(dry.notifications?.rendered?.length).toBeGreaterThanOrEqual(5);
    expectNoSecrets('rendered messages', JSON.stringify(dry.notifications?.rendered), secrets);
    const firstReport = JSON.parse(first.stdout) as Report;
    expect(firstReport.notifications?.undelivered.map((part) => part.channel)).toContain('ops');
    for (const hook of hooks) expect(chat.delivered(hook.id).length, hook.id).toBeGreaterThan(0);
    expect(bodies.join('\n')).toContain('***');
  }, 60_000);
});

describe('known leaks', () => {
  it('a gateway message quoting the security token bare is redacted', async () => {
    const ehpc = await track(
      startEhpcEmulator({
        regions: {
          'cn-hangzhou': [
            {
              info: { Id: 'ehpc-hz-TokenEcho' },
              fault: {
                code: 'InvalidSecurityToken.Expired',
                message: `Specified SecurityToken ${PLANTED.securityToken} is expired.`,
              },
            },
          ],
        },
        credentials: [PLANTED_CREDENTIALS],
      }),
    );
    const result = await runJsonAudit(ehpc.endpoints['cn-hangzhou'] ?? '');
    const report = JSON.parse(result.stdout) as Report;
    expect(report.clusters[0]?.error?.code).toBe('InvalidSecurityToken.Expired');
    expectNoSecrets('report', result.stdout, [PLANTED.securityToken]);
  });

  it('a wrong-typed MongoDBURI holding a password is not quoted in the report', async () => {
    const ehpc = await track(
      startEhpcEmulator({
        regions: {
          'cn-hangzhou': [
            {
              info: { Id: 'ehpc-hz-MongoObject' },
              describe: {
                RequestId: 'MO-1',
                Imagegw: {
                  UpdateDateTime: '2026-11-20T08:00:00',
                  ImageExpirationTimeout: '30:00:00:00',
                  MongoDBURI: { host: 'mongo.internal', user: 'admin', password: PLANTED.mongoPassword },
                  DefaultImageLocation: 'registry-1.docker.io',
                  PullUpdateTimeout: 300,
                  Locations: [
                    {
                      URL: 'https://registry-1.docker.io',
                      RemoteType: 'dockerv2',
                      Location: 'registry-1.docker.io',
                      Authentication: 'https',
                    },
                  ],
                },
              },
            },
          ],
        },
        credentials: [PLANTED_CREDENTIALS],
      }),
    );
    const result = await runJsonAudit(ehpc.endpoints['cn-hangzhou'] ?? '');
    const report = JSON.parse(result.stdout) as Report;
    expect(report.findings.map((finding) => `${finding.ruleId}@${finding.field}`)).toContain(
      'config.invalid@MongoDBURI',
    );
    expectNoSecrets('report', result.stdout, [PLANTED.mongoPassword]);
  });
});
