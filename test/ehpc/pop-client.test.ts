import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EhpcApiError } from '../../shared/ehpc/errors';
import { createEhpcClient, type EhpcClientOptions } from '../../shared/ehpc/pop-client';
import type { EhpcReader } from '../../shared/ehpc/port';
import {
  type EhpcEmulator,
  type EmulatedCluster,
  GATEWAY_SCENARIOS,
  generateFleet,
} from '../emulator/ehpc/index';
import { useEhpcEmulator } from '../helpers/emulator';

const FIXTURE = join(__dirname, '..', 'fixtures', 'describe-image-gateway-config.example.json');
const HZ = 'cn-hangzhou';
const UPPER_UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

const start = useEhpcEmulator();

interface Harness {
  reader: EhpcReader;
  sleeps: number[];
}

function clientFor(em: EhpcEmulator, overrides: Partial<EhpcClientOptions> = {}): Harness {
  const sleeps: number[] = [];
  const reader = createEhpcClient({
    credentials: { accessKeyId: 'emulator-key-id', accessKeySecret: 'emulator-key-secret' },
    endpointFor: (region) => {
      const endpoint = em.endpoints[region];
      if (!endpoint) throw new Error(`region ${region} not emulated`);
      return endpoint;
    },
    timeoutMs: 2000,
    ...overrides,
    retry: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...overrides.retry,
    },
  });
  return { reader, sleeps };
}

async function failureOf(promise: Promise<unknown>): Promise<EhpcApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EhpcApiError);
    return error as EhpcApiError;
  }
  throw new Error('expected an EhpcApiError');
}

function callsFor(em: EhpcEmulator, clusterId: string): number {
  return em.requests.filter((request) => request.params.ClusterId === clusterId).length;
}

/** A region whose ListClusters answers this raw JSON (the emulator lists truthfully otherwise). */
function rawListing(em: EhpcEmulator, region: string, body: string, times?: number): void {
  em.failRegion(region, { raw: { status: 200, body } }, times);
}

describe('listClusters', () => {
  it('lists 57 clusters completely in two pages of 50', async () => {
    const em = await start({ regions: { [HZ]: generateFleet(HZ, 57) } });
    const listing = await clientFor(em).reader.listClusters(HZ);
    expect(listing).toMatchObject({ region: HZ, totalCount: 57, pages: 2 });
    expect(listing.clusters).toHaveLength(57);
    expect(new Set(listing.clusters.map((c) => c.clusterId)).size).toBe(57);
    expect(listing.clusters[56]).toEqual({
      clusterId: 'ehpc-hz-0057',
      region: HZ,
      name: 'hz-cluster-0057',
      status: 'running',
    });
    expect(em.requests.map((r) => [r.params.PageNumber, r.params.PageSize])).toEqual([
      ['1', '50'],
      ['2', '50'],
    ]);
  });

  it('follows a server that clamps PageSize (max 5) over twelve pages', async () => {
    const em = await start({
      regions: { [HZ]: generateFleet(HZ, 57) },
      pageSize: { max: 5, outOfRange: 'clamp' },
    });
    const listing = await clientFor(em).reader.listClusters(HZ);
    expect(listing.pages).toBe(12);
    expect(listing.clusters.map((c) => c.clusterId)).toEqual(
      Array.from({ length: 57 }, (_, i) => `ehpc-hz-${String(i + 1).padStart(4, '0')}`),
    );
    expect(em.requests.every((r) => r.params.PageSize === '50')).toBe(true);
  });

  it('stops after one page for an exact multiple and for an empty region', async () => {
    const em = await start({ regions: { [HZ]: generateFleet(HZ, 50), 'cn-shanghai': [] } });
    const { reader } = clientFor(em);
    expect(await reader.listClusters(HZ)).toMatchObject({ pages: 1, totalCount: 50 });
    expect(await reader.listClusters('cn-shanghai')).toEqual({
      region: 'cn-shanghai',
      clusters: [],
      totalCount: 0,
      pages: 1,
    });
  });

  it('reads a single-object list, numeric strings, a missing RegionId and an inflated TotalCount', async () => {
    const em = await start({ regions: { [HZ]: [] } });
    rawListing(
      em,
      HZ,
      '{"RequestId":"R1","TotalCount":"1000","PageNumber":"1","PageSize":"50","Clusters":{"ClusterInfoSimple":{"Id":"ehpc-hz-solo","Name":null}}}',
    );
    const listing = await clientFor(em).reader.listClusters(HZ);
    expect(listing).toEqual({
      region: HZ,
      clusters: [{ clusterId: 'ehpc-hz-solo', region: HZ }],
      totalCount: 1000,
      pages: 1,
    });
  });

  it('keeps each cluster own RegionId', async () => {
    const em = await start({
      regions: { [HZ]: [{ info: { Id: 'ehpc-sh-moved', RegionId: 'cn-shanghai' } }] },
    });
    const listing = await clientFor(em).reader.listClusters(HZ);
    expect(listing.clusters).toEqual([
      { clusterId: 'ehpc-sh-moved', region: 'cn-shanghai', name: 'ehpc-sh-moved', status: 'running' },
    ]);
  });

  it('copes with a TotalCount above 2^53', async () => {
    const em = await start({ regions: { [HZ]: [] } });
    rawListing(
      em,
      HZ,
      '{"RequestId":"R","TotalCount":12345678901234567890,"PageSize":50,"Clusters":{"ClusterInfoSimple":[{"Id":"a"}]}}',
    );
    const listing = await clientFor(em).reader.listClusters(HZ);
    expect(listing.totalCount).toBe(Number('12345678901234567890'));
    expect(listing.clusters).toHaveLength(1);
  });

  it('ends with a bad-response error at the page cap, not an endless loop', async () => {
    const em = await start({ regions: { [HZ]: [] } });
    const fullPage = JSON.stringify({
      RequestId: 'R',
      TotalCount: 1_000_000,
      PageSize: 2,
      Clusters: { ClusterInfoSimple: [{ Id: 'x1' }, { Id: 'x2' }] },
    });
    rawListing(em, HZ, fullPage);
    const error = await failureOf(clientFor(em, { maxPages: 3 }).reader.listClusters(HZ));
    expect(error).toMatchObject({
      kind: 'bad-response',
      retryable: false,
      action: 'ListClusters',
      region: HZ,
    });
    expect(em.requests).toHaveLength(3);
  });

  it('retries throttling with jittered exponential backoff and then succeeds', async () => {
    const em = await start({ regions: { [HZ]: generateFleet(HZ, 3) } });
    em.throttle({ next: 3 });
    const { reader, sleeps } = clientFor(em);
    const listing = await reader.listClusters(HZ);
    expect(listing.clusters).toHaveLength(3);
    expect(em.requests).toHaveLength(4);
    // random() = 0.5 with base 200: half of 200, 400, 800.
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('gives throttled calls ten tries, past a lower cap, then fails with the code, status and request id', async () => {
    const em = await start({ regions: { [HZ]: generateFleet(HZ, 3) } });
    em.throttle({ every: 1 });
    const { reader, sleeps } = clientFor(em, { retry: { attempts: 3, maxDelayMs: 250 } });
    const error = await failureOf(reader.listClusters(HZ));
    expect(error).toMatchObject({
      kind: 'api',
      code: 'Throttling.User',
      httpStatus: 400,
      retryable: true,
      attempts: 10,
      action: 'ListClusters',
      region: HZ,
    });
    expect(error.requestId).toMatch(UPPER_UUID);
    expect(error.message).toContain('Request was denied due to user flow control.');
    expect(em.requests).toHaveLength(10);
    expect(sleeps).toEqual([100, ...Array.from({ length: 8 }, () => 125)]);
  });

  it('keeps the configured cap for transient service errors other than throttling', async () => {
    const em = await start({ regions: { [HZ]: generateFleet(HZ, 3) } });
    em.failRegion(HZ, 'ServiceUnavailable');
    const { reader } = clientFor(em, { retry: { attempts: 3, maxDelayMs: 250 } });
    const error = await failureOf(reader.listClusters(HZ));
    expect(error).toMatchObject({ code: 'ServiceUnavailable', attempts: 3 });
    expect(em.requests).toHaveLength(3);
  });

  it('fails a region cleanly when its endpoint refuses connections', async () => {
    const reader = createEhpcClient({
      credentials: { accessKeyId: 'LTAI5tExampleKeyId01', accessKeySecret: 'secret-for-refused' },
      endpointFor: () => 'http://127.0.0.1:1',
      retry: { attempts: 2, sleep: async () => {} },
    });
    const error = await failureOf(reader.listClusters(HZ));
    expect(error).toMatchObject({ kind: 'network', retryable: true, attempts: 2 });
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('LTAI5tExampleKeyId01');
    expect(error.message).not.toContain('Signature=');
  });
});

describe('describeImageGatewayConfig', () => {
  it('returns the documented example as plain JSON', async () => {
    const bytes = await readFile(FIXTURE, 'utf8');
    const em = await start({ regions: { [HZ]: [{ info: { Id: 'ehpc-hz-FYUr32****' }, describe: bytes }] } });
    const result = await clientFor(em).reader.describeImageGatewayConfig({
      clusterId: 'ehpc-hz-FYUr32****',
      region: HZ,
    });
    expect(result.requestId).toBe('04F0F334-1335-436C-A1D7-6C044FE73368');
    expect(result.body).toStrictEqual(JSON.parse(bytes));
    expect(Object.getPrototypeOf(result.body)).toBe(Object.prototype);
  });

  it('passes both Locations shapes, a single LocationInfo and odd fields through untouched', async () => {
    const names = [
      'documented',
      'flatLocations',
      'singleLocationInfo',
      'imagegwAbsent',
      'imagegwEmpty',
      'extraFields',
      'pullUpdateTimeoutString',
    ];
    const em = await start({
      regions: { [HZ]: names.map((name) => ({ info: { Id: name }, describe: GATEWAY_SCENARIOS[name] })) },
    });
    const { reader } = clientFor(em);
    for (const name of names) {
      const result = await reader.describeImageGatewayConfig({ clusterId: name, region: HZ });
      expect(result.body, name).toStrictEqual(GATEWAY_SCENARIOS[name]);
    }
  });

  it('keeps an integer above 2^53 a number (the nearest double, as JSON.parse gives), so a number is never mistaken for text', async () => {
    const em = await start({
      regions: {
        [HZ]: [
          { info: { Id: 'big' }, describe: GATEWAY_SCENARIOS.bigPullUpdateTimeout },
          {
            info: { Id: 'safe' },
            describe:
              '{"RequestId":"R","Imagegw":{"PullUpdateTimeout":1234567890123456,"Ratio":0.12345678901234567}}',
          },
        ],
      },
    });
    const { reader } = clientFor(em);
    const big = await reader.describeImageGatewayConfig({ clusterId: 'big', region: HZ });
    expect((big.body.Imagegw as Record<string, unknown>).PullUpdateTimeout).toBe(
      Number('12345678901234567890'),
    );
    const safe = await reader.describeImageGatewayConfig({ clusterId: 'safe', region: HZ });
    expect(safe.body.Imagegw).toEqual({
      PullUpdateTimeout: 1234567890123456,
      Ratio: Number('0.12345678901234567'),
    });
  });

  it('reports per-cluster failures with code, HTTP status and request id, and audits the rest', async () => {
    const em = await start({ regions: { [HZ]: generateFleet(HZ, 3) } });
    em.failCluster('ehpc-hz-0002', 'AgentError.Image.DescribeImagegwFailed');
    const { reader } = clientFor(em);
    const ok1 = await reader.describeImageGatewayConfig({ clusterId: 'ehpc-hz-0001', region: HZ });
    const failed = await failureOf(
      reader.describeImageGatewayConfig({ clusterId: 'ehpc-hz-0002', region: HZ }),
    );
    const ok3 = await reader.describeImageGatewayConfig({ clusterId: 'ehpc-hz-0003', region: HZ });
    expect(ok1.body.Imagegw).toBeDefined();
    expect(ok3.body.Imagegw).toBeDefined();
    expect(failed).toMatchObject({
      kind: 'api',
      code: 'AgentError.Image.DescribeImagegwFailed',
      httpStatus: 406,
      clusterId: 'ehpc-hz-0002',
      region: HZ,
      action: 'DescribeImageGatewayConfig',
      attempts: 2,
    });
    expect(failed.requestId).toMatch(UPPER_UUID);
    // Backend failures are retried once only, whatever the attempt cap.
    expect(callsFor(em, 'ehpc-hz-0002')).toBe(2);
  });

  it.each([
    ['NotAuthorized', 407],
    ['Forbidden.RAM', 403],
    ['ClusterNotFound', 404],
    ['InvalidParams', 400],
    ['LoginNotFound', 404],
  ])('calls exactly once for the non-retryable %s', async (code, status) => {
    const em = await start({ regions: { [HZ]: generateFleet(HZ, 1) } });
    em.failCluster('ehpc-hz-0001', code);
    const error = await failureOf(
      clientFor(em).reader.describeImageGatewayConfig({ clusterId: 'ehpc-hz-0001', region: HZ }),
    );
    expect(error).toMatchObject({ kind: 'api', code, httpStatus: status, retryable: false, attempts: 1 });
    expect(callsFor(em, 'ehpc-hz-0001')).toBe(1);
  });

  it('treats an unknown cluster as ClusterNotFound without retrying', async () => {
    const em = await start({ regions: { [HZ]: [] } });
    const error = await failureOf(
      clientFor(em).reader.describeImageGatewayConfig({ clusterId: 'ehpc-hz-none', region: HZ }),
    );
    expect(error).toMatchObject({ code: 'ClusterNotFound', httpStatus: 404, attempts: 1 });
  });

  it.each([
    'SignatureNonceUsed',
    'ServiceUnavailable',
    'InternalError',
    'UnknownError',
    'Throttling',
    'Throttling.Api',
  ])('retries %s and succeeds when it clears', async (code) => {
    const em = await start({ regions: { [HZ]: generateFleet(HZ, 1) } });
    em.failCluster('ehpc-hz-0001', code, 1);
    const result = await clientFor(em).reader.describeImageGatewayConfig({
      clusterId: 'ehpc-hz-0001',
      region: HZ,
    });
    expect(result.requestId).toBeTruthy();
    expect(callsFor(em, 'ehpc-hz-0001')).toBe(2);
  });

  it('treats an error body sent with HTTP 200 as an error', async () => {
    const em = await start({ regions: { [HZ]: generateFleet(HZ, 1) } });
    em.failCluster('ehpc-hz-0001', { code: 'NotAuthorized', httpStatus: 200 });
    const error = await failureOf(
      clientFor(em).reader.describeImageGatewayConfig({ clusterId: 'ehpc-hz-0001', region: HZ }),
    );
    expect(error).toMatchObject({ kind: 'api', code: 'NotAuthorized', httpStatus: 200 });
  });

  const badBodies: Array<[string, EmulatedCluster['fault']]> = [
    [
      'an HTML 502 page',
      { raw: { status: 502, body: '<html><body>502 Bad Gateway</body></html>', contentType: 'text/html' } },
    ],
    ['an empty body', { raw: { status: 200, body: '' } }],
    ['a literal null body', { raw: { status: 200, body: 'null' } }],
    ['truncated JSON', { raw: { status: 200, body: '{"RequestId":"R","Imagegw":{"Pull' } }],
    ['a JSON array', { raw: { status: 200, body: '[1,2]' } }],
    ['a body without RequestId', { raw: { status: 200, body: '{"Imagegw":{}}' } }],
  ];
  it.each(badBodies)('classifies %s as bad-response, retried up to the cap', async (_label, fault) => {
    const em = await start({ regions: { [HZ]: [{ info: { Id: 'c1' }, ...(fault ? { fault } : {}) }] } });
    const error = await failureOf(
      clientFor(em, { retry: { attempts: 3 } }).reader.describeImageGatewayConfig({
        clusterId: 'c1',
        region: HZ,
      }),
    );
    expect(error).toMatchObject({ kind: 'bad-response', retryable: true, attempts: 3, clusterId: 'c1' });
    expect(callsFor(em, 'c1')).toBe(3);
  });

  it('classifies a 500 JSON body without Code as bad-response, not data', async () => {
    const em = await start({
      regions: {
        [HZ]: [
          {
            info: { Id: 'c1' },
            fault: { raw: { status: 500, body: '{"RequestId":"REQ-500","Message":"boom"}' } },
          },
        ],
      },
    });
    const error = await failureOf(
      clientFor(em, { retry: { attempts: 2 } }).reader.describeImageGatewayConfig({
        clusterId: 'c1',
        region: HZ,
      }),
    );
    expect(error).toMatchObject({ kind: 'bad-response', httpStatus: 500, requestId: 'REQ-500', attempts: 2 });
  });

  it('recovers when a bad response clears', async () => {
    const em = await start({ regions: { [HZ]: generateFleet(HZ, 1) } });
    em.failCluster('ehpc-hz-0001', { raw: { status: 502, body: '<html>' } }, 1);
    await expect(
      clientFor(em).reader.describeImageGatewayConfig({ clusterId: 'ehpc-hz-0001', region: HZ }),
    ).resolves.toBeDefined();
  });

  it('times out on a hung response', async () => {
    const em = await start({ regions: { [HZ]: [{ info: { Id: 'c1' }, fault: { hang: true } }] } });
    const error = await failureOf(
      clientFor(em, { timeoutMs: 60, retry: { attempts: 2 } }).reader.describeImageGatewayConfig({
        clusterId: 'c1',
        region: HZ,
      }),
    );
    expect(error).toMatchObject({ kind: 'timeout', retryable: true, attempts: 2 });
    expect(callsFor(em, 'c1')).toBe(2);
  });

  it('times out on a body trickled past the deadline', async () => {
    const body = JSON.stringify(GATEWAY_SCENARIOS.documented);
    const em = await start({
      regions: { [HZ]: [{ info: { Id: 'c1' }, fault: { raw: { status: 200, body, trickleMs: 5 } } }] },
    });
    const error = await failureOf(
      clientFor(em, { timeoutMs: 80, retry: { attempts: 1 } }).reader.describeImageGatewayConfig({
        clusterId: 'c1',
        region: HZ,
      }),
    );
    expect(error.kind).toBe('timeout');
  });

  it('classifies a reset connection as network', async () => {
    const em = await start({ regions: { [HZ]: [{ info: { Id: 'c1' }, fault: { reset: true, times: 1 } }] } });
    const result = await clientFor(em).reader.describeImageGatewayConfig({ clusterId: 'c1', region: HZ });
    expect(result.body.Imagegw).toBeDefined();
    em.failCluster('c1', { reset: true });
    const error = await failureOf(
      clientFor(em, { retry: { attempts: 2 } }).reader.describeImageGatewayConfig({
        clusterId: 'c1',
        region: HZ,
      }),
    );
    expect(error).toMatchObject({ kind: 'network', attempts: 2 });
  });

  it('also works over POST', async () => {
    const em = await start({ regions: { [HZ]: generateFleet(HZ, 2) } });
    const { reader } = clientFor(em, { method: 'POST' });
    expect((await reader.listClusters(HZ)).clusters).toHaveLength(2);
    await reader.describeImageGatewayConfig({ clusterId: 'ehpc-hz-0002', region: HZ });
    expect(em.requests.every((r) => r.method === 'POST' && r.status === 200)).toBe(true);
  });
});

describe('secrets never leave in errors', () => {
  const STS_KEY = 'STS.NUxqkExampleStsKeyId9';
  const STS_SECRET = 'sts-secret-value-4242';
  const TOKEN = 'CAIS-distinctive-token-ZEBRA-7781/+=';

  function expectClean(error: EhpcApiError, extra: string[] = []): void {
    const texts = [error.message, JSON.stringify(error), String(error.stack), String(error)];
    for (const text of texts) {
      for (const secret of [STS_KEY, STS_SECRET, TOKEN, 'ZEBRA-7781', 'NUxqkExampleStsKeyId9', ...extra]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toMatch(/Signature=|SecurityToken=|AccessKeyId=[^[]/);
    }
  }

  async function stsEmulator(): Promise<EhpcEmulator> {
    return start({
      regions: { [HZ]: [{ info: { Id: 'c1' }, fault: { hang: true } }, ...generateFleet(HZ, 1)] },
      credentials: [{ accessKeyId: STS_KEY, accessKeySecret: STS_SECRET, securityToken: TOKEN }],
    });
  }

  it.each(['GET', 'POST'] as const)(
    'a wrong secret (%s): SignatureDoesNotMatch, called once, redacted',
    async (method) => {
      const em = await stsEmulator();
      const { reader } = clientFor(em, {
        method,
        credentials: { accessKeyId: STS_KEY, accessKeySecret: 'wrong-secret-value', securityToken: TOKEN },
      });
      const error = await failureOf(reader.listClusters(HZ));
      expect(error).toMatchObject({
        kind: 'api',
        code: 'SignatureDoesNotMatch',
        httpStatus: 400,
        retryable: false,
      });
      expect(em.requests).toHaveLength(1);
      expect(error.message).toContain('string to sign is: [redacted]');
      expectClean(error, ['wrong-secret-value']);
    },
  );

  it('an unknown key: InvalidAccessKeyId.NotFound, called once, redacted', async () => {
    const em = await stsEmulator();
    const { reader } = clientFor(em, {
      credentials: {
        accessKeyId: 'STS.UnknownKeyIdABCDEF',
        accessKeySecret: STS_SECRET,
        securityToken: TOKEN,
      },
    });
    const error = await failureOf(
      reader.describeImageGatewayConfig({ clusterId: 'ehpc-hz-0001', region: HZ }),
    );
    expect(error).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', httpStatus: 404, attempts: 1 });
    expectClean(error, ['UnknownKeyIdABCDEF']);
  });

  it('a mismatched STS token is rejected without retry', async () => {
    const em = await stsEmulator();
    const { reader } = clientFor(em, {
      credentials: { accessKeyId: STS_KEY, accessKeySecret: STS_SECRET, securityToken: 'other-token-value' },
    });
    const error = await failureOf(reader.listClusters(HZ));
    expect(error).toMatchObject({ code: 'InvalidSecurityToken.MismatchWithAccessKey', attempts: 1 });
    expectClean(error, ['other-token-value']);
  });

  it('a timeout with STS credentials carries no URL secrets', async () => {
    const em = await stsEmulator();
    const { reader } = clientFor(em, {
      timeoutMs: 50,
      retry: { attempts: 1 },
      credentials: { accessKeyId: STS_KEY, accessKeySecret: STS_SECRET, securityToken: TOKEN },
    });
    const error = await failureOf(reader.describeImageGatewayConfig({ clusterId: 'c1', region: HZ }));
    expect(error.kind).toBe('timeout');
    expectClean(error);
  });

  it('the right STS credentials work', async () => {
    const em = await stsEmulator();
    const { reader } = clientFor(em, {
      credentials: { accessKeyId: STS_KEY, accessKeySecret: STS_SECRET, securityToken: TOKEN },
    });
    expect((await reader.listClusters(HZ)).clusters).toHaveLength(2);
  });

  it('missing credentials fail before any request', async () => {
    const em = await start({ regions: { [HZ]: [] } });
    const { reader } = clientFor(em, { credentials: { accessKeyId: '', accessKeySecret: '' } });
    const error = await failureOf(reader.listClusters(HZ));
    expect(error).toMatchObject({ kind: 'credentials', retryable: false });
    expect(em.requests).toHaveLength(0);
  });
});
