import { describe, expect, it } from 'vitest';
import type { Report } from '../../shared/audit/types';
import { generateFleet } from '../emulator/ehpc/fleet';
import { runCli, withoutProgress } from '../helpers/cli';
import { useEhpcEmulator } from '../helpers/emulator';

const KEY = { accessKeyId: 'LTAIrunTestKey0001', accessKeySecret: 'run-test-secret-value' };
const CREDENTIALS_ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.accessKeySecret,
};

const startEmulator = useEhpcEmulator();

describe('imagegw-audit run against the E-HPC emulator', () => {
  it('lists all 57 clusters through throttling, names both failures with their codes, and exits 3', async () => {
    const emulator = await startEmulator({
      regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 57) },
      credentials: [KEY],
    });
    emulator.failCluster('ehpc-hz-0013', 'AgentError.Image.DescribeImagegwFailed');
    emulator.failCluster('ehpc-hz-0042', 'DbError');
    emulator.throttle({ every: 9 });
    const endpoint = emulator.endpoints['cn-hangzhou'] ?? '';
    const result = await runCli(
      ['run', '--endpoint', endpoint, '--regions', 'cn-hangzhou', '--format', 'json'],
      CREDENTIALS_ENV,
    );

    expect(withoutProgress(result.stderr)).toBe('');
    const report = JSON.parse(result.stdout) as Report;
    expect(report.clusters).toHaveLength(57);
    expect(new Set(report.clusters.map((cluster) => cluster.clusterId)).size).toBe(57);
    const errors = report.clusters.filter((cluster) => cluster.status === 'error');
    expect(errors.map((cluster) => [cluster.clusterId, cluster.error?.code])).toEqual([
      ['ehpc-hz-0013', 'AgentError.Image.DescribeImagegwFailed'],
      ['ehpc-hz-0042', 'DbError'],
    ]);
    expect(errors.every((cluster) => cluster.error?.requestId)).toBe(true);
    expect(report.complete).toBe(false);
    expect(report.regions).toEqual([{ region: 'cn-hangzhou', listed: 57, totalCount: 57 }]);
    expect(report.summary).toMatchObject({ clusters: 57, errors: 2, compliant: 55 });
    // Throttling happened and was absorbed by retries: more requests than the audit needed.
    const throttled = emulator.requests.filter((request) => request.code === 'Throttling.User');
    expect(throttled.length).toBeGreaterThan(0);
    expect(
      emulator.requests.filter((request) => request.action === 'ListClusters' && request.status === 200),
    ).toHaveLength(2);
    expect(
      emulator.requests.every(
        (request) => request.action !== 'ListClusters' || request.params.PageSize === '50',
      ),
    ).toBe(true);
    // Progress, on stderr since stdout is not a terminal: plain lines, the last one complete.
    const progress = result.stderr.trim().split('\n');
    expect(progress.at(-1)).toBe('imagegw-audit: progress: 57/57 clusters, 2 errors');
    expect(progress.length).toBeLessThanOrEqual(12);
    // Incomplete and nothing failing under the baseline policy: exit 3 (spec/report.md).
    expect(result.code).toBe(3);
  });

  it('exits 1 when a finding fails the run even though the run is also incomplete', async () => {
    const fleet = generateFleet('cn-hangzhou', 3);
    const first = fleet[0];
    if (first)
      first.describe = {
        RequestId: 'R',
        Imagegw: {
          Locations: {
            LocationInfo: [{ URL: 'http://x.example', Location: 'x.example', RemoteType: 'dockerv2' }],
          },
        },
      };
    const emulator = await startEmulator({ regions: { 'cn-hangzhou': fleet }, credentials: [KEY] });
    emulator.failCluster('ehpc-hz-0002', 'NotAuthorized');
    const result = await runCli(
      [
        'run',
        '--endpoint',
        emulator.endpoints['cn-hangzhou'] ?? '',
        '--regions',
        'cn-hangzhou',
        '--format',
        'json',
      ],
      CREDENTIALS_ENV,
    );
    const report = JSON.parse(result.stdout) as Report;
    expect(report.complete).toBe(false);
    expect(report.clusters.find((cluster) => cluster.clusterId === 'ehpc-hz-0002')?.error?.code).toBe(
      'NotAuthorized',
    );
    expect(result.code).toBe(1);
  });

  it('says which variables to set when credentials are missing, and leaks no secret on a wrong one', async () => {
    const missing = await runCli(['run', '--regions', 'cn-hangzhou']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      'imagegw-audit: missing credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS keys)',
    );

    const emulator = await startEmulator({
      regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 2) },
      credentials: [KEY],
    });
    const token = 'sts-token-MUST-NOT-LEAK-91';
    const wrong = await runCli(
      [
        'run',
        '--endpoint',
        emulator.endpoints['cn-hangzhou'] ?? '',
        '--regions',
        'cn-hangzhou',
        '--format',
        'json',
      ],
      {
        ...CREDENTIALS_ENV,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'a-wrong-secret',
        ALIBABA_CLOUD_SECURITY_TOKEN: token,
      },
    );
    const report = JSON.parse(wrong.stdout) as Report;
    expect(report.complete).toBe(false);
    expect(report.regions?.[0]?.error?.code).toBe('SignatureDoesNotMatch');
    expect(wrong.code).toBe(3);
    for (const secret of [KEY.accessKeyId, 'a-wrong-secret', token]) {
      expect(wrong.stdout + wrong.stderr).not.toContain(secret);
    }
  });

  it('rejects bad regions and endpoints as usage errors', async () => {
    const badRegion = await runCli(['run', '--regions', 'hangzhou!'], CREDENTIALS_ENV);
    expect(badRegion.code).toBe(2);
    expect(badRegion.stderr).toContain('--regions: "hangzhou!" is not a region id');
    const badEndpoint = await runCli(
      ['run', '--regions', 'cn-hangzhou', '--endpoint', 'ehpc.example'],
      CREDENTIALS_ENV,
    );
    expect(badEndpoint.code).toBe(2);
    expect(badEndpoint.stderr).toContain('--endpoint: not an http(s) URL');
  });

  it.each([
    'http://127.0.0.1:abc',
    'http://host:443x',
    'http://[::1',
    'http://user:pa/ss@127.0.0.1:1',
    'http://user:Endp=ointPw2@127.0.0.1:1',
    'http://127.0.0.1:1/path?x=1',
    'ftp://127.0.0.1',
  ])('refuses the malformed endpoint %s before signing anything, echoing no secret', async (endpoint) => {
    const token = 'STSTOKENmustNOTleak';
    const result = await runCli(['run', '--regions', 'cn-hangzhou', '--endpoint', endpoint], {
      ...CREDENTIALS_ENV,
      ALIBABA_CLOUD_SECURITY_TOKEN: token,
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    for (const secret of [token, KEY.accessKeyId, 'pa/ss', 'ointPw2', 'Signature']) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
  });

  it('refuses a region=URL pair for a region that is not audited (a typo would reach the public API)', async () => {
    const result = await runCli(
      ['run', '--regions', 'cn-hangzhou', '--endpoint', 'cn-hangzou=http://127.0.0.1:1'],
      CREDENTIALS_ENV,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--endpoint: cn-hangzou is not among the audited regions (cn-hangzhou)');
  });
});
