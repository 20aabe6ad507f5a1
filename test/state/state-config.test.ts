import { describe, expect, it } from 'vitest';
import { ConfigError, functionConfig } from '../../shared/config';

const base = { IMAGEGW_REGIONS: 'cn-hangzhou' };
const stateOf = (env: Record<string, string>, fcRegion?: string) =>
  functionConfig({ ...base, ...env }, fcRegion).state;
const errorOf = (env: Record<string, string>, fcRegion?: string) => {
  try {
    stateOf(env, fcRegion);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('state location from the environment', () => {
  it("defaults to the instance's /tmp, or IMAGEGW_STATE_DIR", () => {
    expect(stateOf({})).toEqual({ kind: 'file', dir: '/tmp/imagegw-state' });
    expect(stateOf({ IMAGEGW_STATE_DIR: '/mnt/nas/state' })).toEqual({ kind: 'file', dir: '/mnt/nas/state' });
  });

  it("selects OSS by bucket, in the function's region, under the default prefix", () => {
    expect(stateOf({ IMAGEGW_STATE_OSS_BUCKET: 'team-audit-state' }, 'cn-shanghai')).toEqual({
      kind: 'oss',
      bucket: 'team-audit-state',
      region: 'cn-shanghai',
      prefix: 'imagegw-auditor',
    });
  });

  it('takes an explicit region (with or without oss-), prefix and endpoint', () => {
    expect(
      stateOf({
        IMAGEGW_STATE_OSS_BUCKET: 'b-1',
        IMAGEGW_STATE_OSS_REGION: 'oss-cn-beijing',
        IMAGEGW_STATE_OSS_PREFIX: '/prod/audit/',
        IMAGEGW_STATE_OSS_ENDPOINT: 'https://oss-cn-beijing-internal.aliyuncs.com',
      }),
    ).toEqual({
      kind: 'oss',
      bucket: 'b-1',
      region: 'cn-beijing',
      prefix: 'prod/audit',
      endpoint: 'https://oss-cn-beijing-internal.aliyuncs.com',
    });
    expect(
      stateOf({ IMAGEGW_STATE_OSS_BUCKET: 'b-1', IMAGEGW_STATE_OSS_PREFIX: '' }, 'cn-hangzhou'),
    ).toMatchObject({
      prefix: '',
    });
  });

  it('refuses contradictory or malformed settings with the variable named', () => {
    expect(errorOf({ IMAGEGW_STATE_OSS_BUCKET: 'b-1', IMAGEGW_STATE_DIR: '/tmp/x' }, 'cn-hangzhou')).toMatch(
      /IMAGEGW_STATE_DIR and IMAGEGW_STATE_OSS_BUCKET are both set/,
    );
    expect(errorOf({ IMAGEGW_STATE_OSS_PREFIX: 'x' })).toMatch(
      /IMAGEGW_STATE_OSS_PREFIX is set but IMAGEGW_STATE_OSS_BUCKET/,
    );
    for (const bucket of ['Upper', 'ab', 'under_score', '-leading', `${'a'.repeat(64)}`]) {
      expect(errorOf({ IMAGEGW_STATE_OSS_BUCKET: bucket }, 'cn-hangzhou')).toMatch(
        /^IMAGEGW_STATE_OSS_BUCKET: not an OSS bucket name/,
      );
    }
    expect(errorOf({ IMAGEGW_STATE_OSS_BUCKET: 'b-1', IMAGEGW_STATE_OSS_REGION: 'Hangzhou' })).toMatch(
      /^IMAGEGW_STATE_OSS_REGION: "Hangzhou" is not a region id/,
    );
    expect(
      errorOf({ IMAGEGW_STATE_OSS_BUCKET: 'b-1', IMAGEGW_STATE_OSS_PREFIX: 'a/../b' }, 'cn-hangzhou'),
    ).toMatch(/^IMAGEGW_STATE_OSS_PREFIX:/);
    const leaky = errorOf(
      {
        IMAGEGW_STATE_OSS_BUCKET: 'b-1',
        IMAGEGW_STATE_OSS_ENDPOINT: 'https://user:s3cretPass@oss.example.com',
      },
      'cn-hangzhou',
    );
    expect(leaky).toMatch(/^IMAGEGW_STATE_OSS_ENDPOINT:/);
    expect(leaky).not.toContain('s3cretPass');
  });

  it('needs a region for the bucket when the function has none', () => {
    expect(errorOf({ IMAGEGW_STATE_OSS_BUCKET: 'b-1' })).toMatch(/IMAGEGW_STATE_OSS_REGION is not set/);
  });
});

describe('fan-out settings', () => {
  it('turns fan-out off, with the reason, when the state is an instance directory', () => {
    const config = functionConfig(
      { ...base, IMAGEGW_WORKER_FUNCTION: 'imagegw-audit-worker' },
      'cn-hangzhou',
    );
    expect(config.fanOut).toBeUndefined();
    expect(config.fanOutOff).toMatch(/IMAGEGW_STATE_OSS_BUCKET/);
    const shared = functionConfig(
      { ...base, IMAGEGW_WORKER_FUNCTION: 'imagegw-audit-worker', IMAGEGW_STATE_OSS_BUCKET: 'team-state' },
      'cn-hangzhou',
    );
    expect(shared.fanOut).toMatchObject({
      functionName: 'imagegw-audit-worker',
      shardSize: 200,
      qualifier: 'LATEST',
    });
    expect(shared.fanOutOff).toBeUndefined();
  });

  it('refuses malformed fan-out settings with the variable named', () => {
    const withWorker = { IMAGEGW_WORKER_FUNCTION: 'imagegw-audit-worker', IMAGEGW_STATE_DIR: '/mnt/nas' };
    expect(errorOf({ ...withWorker, IMAGEGW_SHARD_SIZE: '5000' })).toMatch(
      /^IMAGEGW_SHARD_SIZE: at most 1000/,
    );
    expect(errorOf({ ...withWorker, IMAGEGW_WORKER_FUNCTION: 'a$b' })).toMatch(/^IMAGEGW_WORKER_FUNCTION:/);
    expect(errorOf({ IMAGEGW_SHARD_SIZE: '100' })).toMatch(/IMAGEGW_WORKER_FUNCTION is not/);
    const leaky = errorOf({ ...withWorker, IMAGEGW_FC_ENDPOINT: 'https://id:topsecret@fc.example.com' });
    expect(leaky).toMatch(/^IMAGEGW_FC_ENDPOINT:/);
    expect(leaky).not.toContain('topsecret');
  });
});
