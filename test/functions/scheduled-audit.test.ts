import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler, scheduledRunId } from '../../functions/scheduled-audit/index';
import { startChatEmulator } from '../emulator/chat/server';
import { generateFleet } from '../emulator/ehpc/fleet';
import { startEhpcEmulator } from '../emulator/ehpc/server';
import type { EhpcEmulator } from '../emulator/ehpc/types';
import { startOssEmulator } from '../emulator/oss/server';
import { startWebhookSink, type WebhookSink } from '../emulator/webhook-sink';
import { REPO } from '../helpers/cli';
import { fcContext, timerEvent } from '../helpers/fc';

const ROLE = {
  accessKeyId: 'STS.roleKeyForTests',
  accessKeySecret: 'role-secret-for-tests',
  securityToken: 'role-token-TOKEN-7731',
};

let emulator: EhpcEmulator;
let sink: WebhookSink;
let env: Record<string, string>;

beforeAll(async () => {
  emulator = await startEhpcEmulator({
    regions: {
      'cn-hangzhou': generateFleet('cn-hangzhou', 12),
      'cn-shanghai': [
        ...generateFleet('cn-shanghai', 3),
        { info: { Id: 'ehpc-sh-Broken01', RegionId: 'cn-shanghai' }, fault: { code: 'DbError' } },
      ],
    },
    credentials: [ROLE],
  });
  sink = await startWebhookSink();
  env = {
    IMAGEGW_REGIONS: 'cn-hangzhou,cn-shanghai',
    IMAGEGW_ENDPOINT: Object.entries(emulator.endpoints)
      .map(([region, url]) => `${region}=${url}`)
      .join(','),
    IMAGEGW_POLICY_FILE: join(REPO, 'examples', 'policy.yaml'),
    IMAGEGW_WEBHOOK_URL: sink.url,
  };
});

afterAll(async () => {
  await Promise.all([emulator.close(), sink.close()]);
});

describe('scheduled-audit handler', () => {
  it('audits every cluster of every configured region and posts the summary before returning', async () => {
    const handler = createHandler({ env });
    const before = sink.received.length;
    const result = JSON.parse(await handler(timerEvent(), fcContext(ROLE))) as Record<string, unknown>;
    expect(result.runId).toBe(scheduledRunId('daily-audit', '2026-12-03T02:30:00Z'));
    expect(result.complete).toBe(false);
    expect(result.summary).toMatchObject({ clusters: 16, errors: 1 });
    expect(result.errors).toEqual([
      { clusterId: 'ehpc-sh-Broken01', region: 'cn-shanghai', code: 'DbError' },
    ]);
    expect(result.delivery).toMatchObject({ delivered: true });
    const posted = sink.received.slice(before);
    expect(posted).toHaveLength(1);
    const summary = JSON.parse(posted[0]?.body ?? '{}') as Record<string, unknown>;
    expect(summary.runId).toBe(result.runId);
    expect(posted[0]?.headers['webhook-id']).toBe(result.runId);
    // The role's STS token went to E-HPC only; it never reaches the webhook or the result.
    expect(posted[0]?.body).not.toContain(ROLE.securityToken);
    expect(JSON.stringify(result)).not.toContain(ROLE.securityToken);
    const signed = emulator.requests.filter((request) => request.params.SecurityToken === ROLE.securityToken);
    expect(signed.length).toBeGreaterThanOrEqual(16);
  });

  it('gives a redelivered timer event the same run id', () => {
    expect(scheduledRunId('daily-audit', '2026-12-03T02:30:00Z')).toBe(
      scheduledRunId('daily-audit', '2026-12-03T02:30:00.000Z'),
    );
    expect(scheduledRunId('daily-audit', '2026-12-03T02:30:00Z')).not.toBe(
      scheduledRunId('daily-audit', '2026-12-04T02:30:00Z'),
    );
    expect(scheduledRunId('daily-audit', '2026-12-03T02:30:00Z')).toMatch(
      /^2026-12-03T02:30:00Z-[0-9a-f]{4}$/,
    );
  });

  it('rejects malformed timer events with a clear error', async () => {
    const handler = createHandler({ env });
    await expect(handler(Buffer.from(''), fcContext(ROLE))).rejects.toThrow(
      'timer event: the event is empty',
    );
    await expect(handler(Buffer.from('not json'), fcContext(ROLE))).rejects.toThrow(
      'timer event: the event is not JSON',
    );
    await expect(handler(Buffer.from('{"triggerName":"x"}'), fcContext(ROLE))).rejects.toThrow(
      /timer event: triggerTime/,
    );
  });

  it('fails fast, without secrets, when the context lacks the security token', async () => {
    const handler = createHandler({ env });
    const context = fcContext({ accessKeyId: ROLE.accessKeyId, accessKeySecret: ROLE.accessKeySecret });
    const error = await handler(timerEvent(), context).catch((caught: unknown) => caught as Error);
    expect((error as Error).message).toMatch(/role credentials/);
    expect(JSON.stringify({ message: (error as Error).message })).not.toContain(ROLE.accessKeySecret);
  });

  it('names the variable to set when no region is configured', async () => {
    const handler = createHandler({ env: {} });
    const context = { ...fcContext(ROLE), region: undefined } as unknown as ReturnType<typeof fcContext>;
    await expect(handler(timerEvent(), context)).rejects.toThrow(/IMAGEGW_REGIONS/);
  });

  it('works the same from the deployed bundle', async () => {
    const bundle = createRequire(__filename)(join(REPO, 'dist', 'scheduled-audit', 'index.js')) as {
      handler: unknown;
      createHandler: typeof createHandler;
    };
    expect(typeof bundle.handler).toBe('function');
    const result = JSON.parse(
      await bundle.createHandler({ env })(timerEvent('2026-12-04T02:30:00Z'), fcContext(ROLE)),
    );
    expect(result).toMatchObject({ kind: 'imagegw-audit.run-summary', summary: { clusters: 16 } });
  });

  it('notifies the channels of IMAGEGW_CHANNELS_FILE once, even when FC invokes the same trigger twice', async () => {
    const chat = await startChatEmulator();
    try {
      const hook = chat.addWebhook({ secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] });
      const dir = mkdtempSync(join(tmpdir(), 'scheduled-notify-'));
      writeFileSync(
        join(dir, 'channels.yaml'),
        'channels:\n  - { name: hooks, type: webhook, url: "${HOOK_URL}", secret: "${HOOK_SECRET}" }\n',
      );
      const notifyEnv = {
        ...env,
        IMAGEGW_CHANNELS_FILE: join(dir, 'channels.yaml'),
        IMAGEGW_STATE_DIR: join(dir, 'state'),
        HOOK_URL: hook.url,
        HOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      };
      const event = timerEvent('2026-12-05T02:30:00Z');
      const first = JSON.parse(await createHandler({ env: notifyEnv })(event, fcContext(ROLE)));
      expect(first.notifications).toMatchObject({ queued: 1, undelivered: [] });
      const retried = JSON.parse(await createHandler({ env: notifyEnv })(event, fcContext(ROLE)));
      expect(retried.notifications).toMatchObject({ queued: 0, delivered: [] });
      expect(chat.delivered(hook.id)).toHaveLength(1);
    } finally {
      await chat.close();
    }
  });

  it('keeps its memory in OSS when IMAGEGW_STATE_OSS_BUCKET is set, loading ali-oss only then (bundle)', async () => {
    const chat = await startChatEmulator();
    const oss = await startOssEmulator({ credentials: ROLE, buckets: ['audit-state'] });
    try {
      const hook = chat.addWebhook({ secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] });
      const dir = mkdtempSync(join(tmpdir(), 'scheduled-oss-'));
      writeFileSync(
        join(dir, 'channels.yaml'),
        'channels:\n  - { name: hooks, type: webhook, url: "${HOOK_URL}", secret: "${HOOK_SECRET}" }\n',
      );
      const bundlePath = join(REPO, 'dist', 'scheduled-audit', 'index.js');
      const lazyPath = join(REPO, 'dist', 'scheduled-audit', 'lazy', 'oss-store.js');
      const load = createRequire(__filename);
      const bundle = load(bundlePath) as { createHandler: typeof createHandler };
      const fileEnv = {
        ...env,
        IMAGEGW_CHANNELS_FILE: join(dir, 'channels.yaml'),
        IMAGEGW_STATE_DIR: join(dir, 'state'),
      };
      const secrets = { HOOK_URL: hook.url, HOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
      await bundle.createHandler({ env: { ...fileEnv, ...secrets } })(
        timerEvent('2026-12-06T02:30:00Z'),
        fcContext(ROLE),
      );
      expect(Object.keys(load.cache)).not.toContain(lazyPath);

      const { IMAGEGW_STATE_DIR: _dir, ...ossEnv } = {
        ...fileEnv,
        ...secrets,
        IMAGEGW_STATE_OSS_BUCKET: 'audit-state',
        IMAGEGW_STATE_OSS_PREFIX: 'team-a/audit',
        IMAGEGW_STATE_OSS_ENDPOINT: oss.endpoint,
      };
      const handler = bundle.createHandler({ env: ossEnv });
      const first = JSON.parse(await handler(timerEvent('2026-12-07T02:30:00Z'), fcContext(ROLE)));
      expect(Object.keys(load.cache)).toContain(lazyPath);
      expect(first.notifications).toMatchObject({ queued: 1, undelivered: [] });
      const keys = [...oss.objects('audit-state').keys()];
      expect(keys.some((key) => key.startsWith('team-a/audit/notify/'))).toBe(true);
      expect(keys.every((key) => key.startsWith('team-a/audit/'))).toBe(true);
      // Signed with the invocation's role credentials: the token went along, nowhere else.
      expect(
        oss.requests.every((request) => request.headers['x-oss-security-token'] === ROLE.securityToken),
      ).toBe(true);
      // A new instance (a fresh handler) remembers through OSS: the next run has nothing new.
      const next = JSON.parse(
        await bundle.createHandler({ env: ossEnv })(timerEvent('2026-12-08T02:30:00Z'), fcContext(ROLE)),
      );
      expect(next.notifications).toMatchObject({ queued: 0 });
      expect(chat.delivered(hook.id)).toHaveLength(2);
      expect(JSON.stringify(next)).not.toContain(ROLE.securityToken);
    } finally {
      await Promise.all([chat.close(), oss.close()]);
    }
  });
});
