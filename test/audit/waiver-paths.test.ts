import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createApiHandler } from '../../functions/audit-api/index';
import { createHandler as createScheduledHandler } from '../../functions/scheduled-audit/index';
import type { Report } from '../../shared/audit/types';
import { startEhpcEmulator } from '../emulator/ehpc/server';
import type { EhpcEmulator } from '../emulator/ehpc/types';
import { compliantGateway } from '../helpers/audit';
import { runCli } from '../helpers/cli';
import { fcContext, httpEvent, timerEvent } from '../helpers/fc';

/**
 * One finding (an http registry URL) and one waiver for it that lapses at the end of 2026-12-31
 * (UTC). Every path must reach the same verdict with the same clock.
 */
const GATEWAY = compliantGateway({
  Locations: {
    LocationInfo: [
      {
        URL: 'http://mirror.example.com',
        RemoteType: 'dockerv2',
        Location: 'mirror.example.com',
        Authentication: 'https',
      },
    ],
  },
});
const POLICY = `version: 1
transport: { requireHttps: true }
waivers:
  - rule: "transport.*"
    clusters: ["ehpc-hz-*"]
    regions: [cn-hangzhou]
    registries: [mirror.example.com]
    reason: "TLS mirror rollout, ticket OPS-42"
    expires: 2026-12-31
`;
const LAST_MOMENT = '2026-12-31T23:59:59Z';
const AFTER = '2027-01-01T00:00:00Z';
const KEY = {
  accessKeyId: 'STS.waiverPathsKey01',
  accessKeySecret: 'waiver-paths-secret',
  securityToken: 'waiver-paths-token',
};

let emulator: EhpcEmulator;
let dir: string;
let policyFile: string;
let savedConfig: string;
let env: Record<string, string>;

beforeAll(async () => {
  emulator = await startEhpcEmulator({
    regions: {
      'cn-hangzhou': [
        {
          info: { Id: 'ehpc-hz-Mirror01', RegionId: 'cn-hangzhou' },
          describe: { RequestId: 'R1', Imagegw: GATEWAY },
        },
      ],
    },
    credentials: [KEY],
  });
  dir = mkdtempSync(join(tmpdir(), 'waiver-paths-'));
  policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  savedConfig = join(dir, 'ehpc-hz-Mirror01.json');
  writeFileSync(savedConfig, JSON.stringify({ RequestId: 'R1', Imagegw: GATEWAY }));
  env = {
    IMAGEGW_REGIONS: 'cn-hangzhou',
    IMAGEGW_ENDPOINT: emulator.endpoints['cn-hangzhou'] ?? '',
    IMAGEGW_POLICY_FILE: policyFile,
    IMAGEGW_API_TOKENS: 'paths-token',
    // On-demand runs take a lease and spend a caller budget in the state store: a fresh one per run.
    IMAGEGW_STATE_DIR: mkdtempSync(join(tmpdir(), 'audit-api-state-')),
  };
});

afterAll(() => emulator.close());

interface Verdict {
  findings: number;
  waived: number;
}

async function viaCheck(now: string): Promise<Verdict> {
  const result = await runCli([
    'check',
    '--policy',
    policyFile,
    '--region',
    'cn-hangzhou',
    '--format',
    'json',
    '--now',
    now,
    savedConfig,
  ]);
  return (JSON.parse(result.stdout) as Report).summary;
}

async function viaRun(now: string): Promise<Verdict> {
  const result = await runCli(
    [
      'run',
      '--policy',
      policyFile,
      '--regions',
      'cn-hangzhou',
      '--endpoint',
      env.IMAGEGW_ENDPOINT ?? '',
      '--format',
      'json',
      '--now',
      now,
    ],
    {
      ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.accessKeySecret,
      ALIBABA_CLOUD_SECURITY_TOKEN: KEY.securityToken,
    },
  );
  return (JSON.parse(result.stdout) as Report).summary;
}

async function viaScheduled(now: string): Promise<Verdict> {
  const handler = createScheduledHandler({ env, clock: () => new Date(now) });
  return (JSON.parse(await handler(timerEvent(), fcContext(KEY))) as { summary: Verdict }).summary;
}

async function viaHttp(now: string): Promise<Verdict> {
  const handler = createApiHandler({ env, clock: () => new Date(now) });
  const response = await handler(
    httpEvent({ path: '/audit', headers: { Authorization: 'Bearer paths-token' } }),
    fcContext(KEY),
  );
  return (JSON.parse(response.body) as Report).summary;
}

describe('one waiver decision on every path', () => {
  it.each([
    ['check (CLI, offline)', viaCheck],
    ['run (CLI)', viaRun],
    ['scheduled function', viaScheduled],
    ['HTTP function', viaHttp],
  ])('%s: waived on the last moment of the expiry day, a violation the next second', async (_path, via) => {
    expect(await via(LAST_MOMENT)).toMatchObject({ findings: 0, waived: 1 });
    expect(await via(AFTER)).toMatchObject({ findings: 1, waived: 0 });
  });
});
