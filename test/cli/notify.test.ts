import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../../shared/audit/types';
import { startChatEmulator } from '../emulator/chat/server';
import type { ChatEmulator } from '../emulator/chat/types';
import { generateFleet } from '../emulator/ehpc/fleet';
import { REPO, runCli, withoutProgress } from '../helpers/cli';
import { useEhpcEmulator } from '../helpers/emulator';

const KEY = { accessKeyId: 'LTAInotifyTestKey01', accessKeySecret: 'notify-test-secret' };
const startEhpc = useEhpcEmulator();
let chat: ChatEmulator | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

async function scenario() {
  const fleet = generateFleet('cn-hangzhou', 4);
  const first = fleet[0];
  if (first) {
    first.describe = {
      RequestId: 'R',
      Imagegw: {
        UpdateDateTime: '2026-11-20T00:00:00',
        ImageExpirationTimeout: '30:00:00:00',
        MongoDBURI: 'mongodb://localhost',
        DefaultImageLocation: 'docker.io',
        PullUpdateTimeout: 300,
        Locations: {
          LocationInfo: [
            {
              URL: 'http://docker.io',
              RemoteType: 'dockerv2',
              Location: 'docker.io',
              Authentication: 'http',
            },
          ],
        },
      },
    };
  }
  const ehpc = await startEhpc({ regions: { 'cn-hangzhou': fleet }, credentials: [KEY] });
  chat = await startChatEmulator();
  const secret = 'SECcli-robot-secret';
  const robot = chat.addDingtalk({ secret });
  const dir = mkdtempSync(join(tmpdir(), 'cli-notify-'));
  const channels = join(dir, 'channels.yaml');
  writeFileSync(
    channels,
    'channels:\n  - name: ops\n    type: dingtalk\n    url: ${ROBOT_URL}\n    secret: ${ROBOT_SECRET}\n    minSeverity: medium\n',
  );
  const env = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.accessKeySecret,
    ROBOT_URL: robot.url,
    ROBOT_SECRET: secret,
  };
  const args = [
    'run',
    '--regions',
    'cn-hangzhou',
    '--endpoint',
    ehpc.endpoints['cn-hangzhou'] ?? '',
    '--policy',
    join(REPO, 'examples', 'policy.yaml'),
    '--channels',
    channels,
    '--state',
    join(dir, 'state'),
    '--format',
    'json',
  ];
  const emulator = chat;
  return { args, env, robot, messages: () => emulator.delivered(robot.id), dir };
}

describe('imagegw-audit run --notify', () => {
  it('delivers once, stays quiet on an unchanged rerun, and records delivery in the report', async () => {
    const { args, env, messages } = await scenario();
    const first = await runCli([...args, '--notify'], env);
    expect(withoutProgress(first.stderr)).toBe('');
    const report = JSON.parse(first.stdout) as Report;
    expect(report.notifications).toMatchObject({ queued: 1, undelivered: [] });
    expect(report.notifications?.delivered).toHaveLength(1);
    expect(messages()).toHaveLength(1);
    const token = new URL(env.ROBOT_URL).searchParams.get('access_token') ?? 'no-token';
    for (const secret of [token, env.ROBOT_SECRET, KEY.accessKeySecret]) {
      expect(first.stdout + first.stderr + JSON.stringify(messages())).not.toContain(secret);
    }
    const second = await runCli([...args, '--notify'], env);
    expect((JSON.parse(second.stdout) as Report).notifications).toMatchObject({ queued: 0, delivered: [] });
    expect(messages()).toHaveLength(1);
  });

  it('--dry-run renders the message and sends nothing', async () => {
    const { args, env, messages } = await scenario();
    const result = await runCli([...args, '--dry-run'], env);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.notifications?.rendered?.[0]?.text).toMatch(/transport\.insecure/);
    expect(messages()).toHaveLength(0);
  });

  it('refuses before auditing when a channel secret variable is missing, naming it and nothing else', async () => {
    const { args, env } = await scenario();
    const { ROBOT_SECRET: _removed, ...withoutSecret } = env;
    const result = await runCli([...args, '--notify'], withoutSecret);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /channels\.yaml: channels\[0\] \(ops\)\.secret: environment variable ROBOT_SECRET is not set$/,
    );
    expect(result.stdout).toBe('');
  });
});
