import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import RPCClient from '@alicloud/pop-core';
import { describe, expect, it } from 'vitest';
import { useEhpcEmulator } from '../helpers/emulator';
import {
  collectRpcParams,
  type EhpcEmulator,
  generateFleet,
  loadFleetFixture,
  popEncode,
  rpcCanonicalQuery,
  rpcSignature,
  rpcSignatureMatches,
  rpcStringToSign,
  signRpcQuery,
} from './ehpc/index';

const FIXTURE = join(__dirname, '..', 'fixtures', 'describe-image-gateway-config.example.json');
const KEY_ID = 'emulator-key-id';
const SECRET = 'emulator-key-secret';
const UPPER_UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

describe('RPC signature helpers: spec §2.2 vectors', () => {
  const common = {
    Format: 'JSON',
    Version: '2018-04-12',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: '0123456789abcdef0123456789abcdef',
    Timestamp: '2024-01-01T00:00:00Z',
    AccessKeyId: 'testid',
  };
  const b = {
    ...common,
    Action: 'DescribeImageGatewayConfig',
    ClusterId: 'ehpc-hz-FYUr32****',
    RegionId: 'cn-hangzhou',
  };

  it('A: the official example', () => {
    const params = {
      AccessKeyId: 'testid',
      Action: 'DescribeRegions',
      Format: 'XML',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
      SignatureVersion: '1.0',
      TimeStamp: '2016-02-23T12:46:24Z',
      Version: '2014-05-26',
    };
    expect(rpcCanonicalQuery(params)).toBe(
      'AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&TimeStamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26',
    );
    expect(rpcStringToSign('GET', params)).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26TimeStamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
    expect(rpcSignature('GET', params, 'testsecret')).toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE=');
  });

  it('B: DescribeImageGatewayConfig with RegionId, GET (with intermediate strings)', () => {
    expect(rpcCanonicalQuery(b)).toBe(
      'AccessKeyId=testid&Action=DescribeImageGatewayConfig&ClusterId=ehpc-hz-FYUr32%2A%2A%2A%2A&Format=JSON&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=0123456789abcdef0123456789abcdef&SignatureVersion=1.0&Timestamp=2024-01-01T00%3A00%3A00Z&Version=2018-04-12',
    );
    expect(rpcStringToSign('GET', b)).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeImageGatewayConfig%26ClusterId%3Dehpc-hz-FYUr32%252A%252A%252A%252A%26Format%3DJSON%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0123456789abcdef0123456789abcdef%26SignatureVersion%3D1.0%26Timestamp%3D2024-01-01T00%253A00%253A00Z%26Version%3D2018-04-12',
    );
    const signature = rpcSignature('GET', b, 'testsecret');
    expect(signature).toBe('nYGt/kHk3OefrvTbqAOrNIWZYEY=');
    expect(popEncode(signature)).toBe('nYGt%2FkHk3OefrvTbqAOrNIWZYEY%3D');
  });

  it('C: same as B, POST; only the method word differs', () => {
    expect(rpcStringToSign('POST', b)).toBe(rpcStringToSign('GET', b).replace(/^GET/, 'POST'));
    const signature = rpcSignature('post', b, 'testsecret');
    expect(signature).toBe('gJeb/RwaFzXM9cS/TMN3hk4SMQQ=');
    expect(popEncode(signature)).toBe('gJeb%2FRwaFzXM9cS%2FTMN3hk4SMQQ%3D');
  });

  it('D: B without RegionId', () => {
    const { RegionId: _regionId, ...d } = b;
    expect(rpcSignature('GET', d, 'testsecret')).toBe('bj5jzDTpAEq/9q5c6iF4stS8Lbk=');
  });

  it('E: B plus SecurityToken', () => {
    expect(rpcSignature('GET', { ...b, SecurityToken: 'STS.testtoken' }, 'testsecret')).toBe(
      'uH5huwEOoCGMVIylnDzl80xJ/FQ=',
    );
  });

  it('F: ListClusters page 1 of 50', () => {
    const f = { ...common, Action: 'ListClusters', PageNumber: '1', PageSize: '50' };
    const signature = rpcSignature('GET', f, 'testsecret');
    expect(signature).toBe('27WVfKvRDTuszwA7dZPTSCJklls=');
    expect(popEncode(signature)).toBe('27WVfKvRDTuszwA7dZPTSCJklls%3D');
  });

  it('G: encoding torture', () => {
    const value = "ehpc hz~é'()!*";
    expect(popEncode(value)).toBe('ehpc%20hz~%C3%A9%27%28%29%21%2A');
    const g = { ...common, Action: 'DescribeImageGatewayConfig', ClusterId: value };
    expect(rpcSignature('GET', g, 'testsecret')).toBe('hKvsLsrzwD3W/8ldTKGRiPFYZ8s=');
  });

  it('rpcSignatureMatches ignores Signature itself and rejects anything else', () => {
    const signed = { ...b, Signature: 'nYGt/kHk3OefrvTbqAOrNIWZYEY=' };
    expect(rpcSignatureMatches('GET', signed, 'testsecret')).toBe(true);
    expect(rpcSignatureMatches('POST', signed, 'testsecret')).toBe(false);
    expect(rpcSignatureMatches('GET', signed, 'othersecret')).toBe(false);
    expect(rpcSignatureMatches('GET', { ...signed, Signature: 'short' }, 'testsecret')).toBe(false);
    expect(rpcSignatureMatches('GET', b, 'testsecret')).toBe(false);
  });

  it('collectRpcParams merges query and form body and decodes + as space', () => {
    const params = collectRpcParams(
      '/?Action=ListClusters&A=1',
      'application/x-www-form-urlencoded',
      'B=two+words&A=2',
    );
    expect(params).toEqual({ Action: 'ListClusters', A: '2', B: 'two words' });
    expect(collectRpcParams('/?A=1', 'text/plain', 'B=2')).toEqual({ A: '1' });
  });
});

// ---------------------------------------------------------------------------------------------

const start = useEhpcEmulator();

function endpointOf(em: EhpcEmulator, region: string): string {
  const endpoint = em.endpoints[region];
  if (!endpoint) throw new Error(`no endpoint for ${region}`);
  return endpoint;
}

interface PopRejection {
  code?: string;
  name?: string;
  data?: Record<string, unknown>;
  entry?: { response?: { statusCode?: number; headers?: Record<string, string> } };
  text?: string;
}

function pop(endpoint: string, overrides: Partial<RPCClient.Config> = {}): RPCClient {
  return new RPCClient({
    endpoint,
    apiVersion: '2018-04-12',
    accessKeyId: KEY_ID,
    accessKeySecret: SECRET,
    ...overrides,
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<PopRejection> {
  try {
    await promise;
  } catch (error) {
    return error as PopRejection;
  }
  throw new Error('expected a rejection');
}

function nowStamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A correctly signed GET URL built with our helpers, for raw-byte checks with fetch(). */
function signedUrl(endpoint: string, params: Record<string, string>, secret = SECRET): string {
  const all = {
    Format: 'JSON',
    Version: '2018-04-12',
    AccessKeyId: KEY_ID,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: nowStamp(),
    ...params,
  };
  return `${endpoint}/?${signRpcQuery('GET', all, secret)}`;
}

describe('E-HPC emulator with the real pop-core client', () => {
  it('answers signed GET, POST and the hybrid lower-case post, with RegionId accepted', async () => {
    const em = await start({ regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 3) } });
    const client = pop(endpointOf(em, 'cn-hangzhou'));
    const get = await client.request<Record<string, unknown>>('ListClusters', { PageSize: 50 });
    expect(get).toMatchObject({ TotalCount: 3, PageNumber: 1, PageSize: 50 });
    const post = await client.request<{ Imagegw: unknown }>(
      'DescribeImageGatewayConfig',
      { ClusterId: 'ehpc-hz-0001', RegionId: 'cn-hangzhou' },
      { method: 'POST' },
    );
    expect(post.Imagegw).toBeDefined();
    const hybrid = await client.request('ListClusters', {}, { method: 'post' });
    expect(hybrid).toMatchObject({ TotalCount: 3, PageSize: 10 });

    const [getReq, postReq, hybridReq] = em.requests;
    expect(getReq?.method).toBe('GET');
    expect(postReq?.method).toBe('POST');
    expect(postReq?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(postReq?.params.RegionId).toBe('cn-hangzhou');
    expect(hybridReq?.method).toBe('POST');
    for (const request of em.requests) {
      expect(request.params.Signature).toBeUndefined();
      expect(request.status).toBe(200);
    }
  });

  it('lists ClusterInfoSimple in the documented wrapper with paging defaults', async () => {
    const em = await start({ regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 12) } });
    const client = pop(endpointOf(em, 'cn-hangzhou'));
    const first = await client.request<{
      RequestId: string;
      TotalCount: number;
      PageNumber: number;
      PageSize: number;
      Clusters: { ClusterInfoSimple: Array<{ Id: string; RegionId: string }> };
    }>('ListClusters', {});
    expect(first.RequestId).toMatch(UPPER_UUID);
    expect(first).toMatchObject({ TotalCount: 12, PageNumber: 1, PageSize: 10 });
    expect(first.Clusters.ClusterInfoSimple.map((c) => c.Id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `ehpc-hz-${String(i + 1).padStart(4, '0')}`),
    );
    expect(first.Clusters.ClusterInfoSimple[0]?.RegionId).toBe('cn-hangzhou');
    const second = await client.request<{ Clusters: { ClusterInfoSimple: unknown[] } }>('ListClusters', {
      PageNumber: 2,
    });
    expect(second.Clusters.ClusterInfoSimple).toHaveLength(2);
    const beyond = await client.request<{ Clusters: { ClusterInfoSimple: unknown[] } }>('ListClusters', {
      PageNumber: 9,
    });
    expect(beyond.Clusters.ClusterInfoSimple).toEqual([]);
  });

  it('clamps or rejects an out-of-range PageSize, as configured', async () => {
    const clamp = await start({
      regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 12) },
      pageSize: { max: 5, outOfRange: 'clamp' },
    });
    const clamped = await pop(endpointOf(clamp, 'cn-hangzhou')).request<{
      PageSize: number;
      Clusters: { ClusterInfoSimple: unknown[] };
    }>('ListClusters', { PageSize: 50, PageNumber: 3 });
    expect(clamped.PageSize).toBe(5);
    expect(clamped.Clusters.ClusterInfoSimple).toHaveLength(2);
    await clamp.close();

    const reject = await start({ regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 12) } });
    const client = pop(endpointOf(reject, 'cn-hangzhou'));
    for (const PageSize of [51, 0, 'x']) {
      const error = await rejectionOf(client.request('ListClusters', { PageSize }));
      expect(error.code).toBe('InvalidParams');
      expect(error.data?.Message).toBe('Invalid param: PageSize');
      expect(error.entry?.response?.statusCode).toBe(400);
    }
  });

  it('rejects a wrong secret with the echoed server string to sign', async () => {
    const em = await start({ regions: { 'cn-hangzhou': [] } });
    const error = await rejectionOf(
      pop(endpointOf(em, 'cn-hangzhou'), { accessKeySecret: 'wrong-secret' }).request('ListClusters', {}),
    );
    expect(error.code).toBe('SignatureDoesNotMatch');
    expect(error.entry?.response?.statusCode).toBe(400);
    const message = String(error.data?.Message);
    expect(message).toMatch(
      /^Specified signature is not matched with our calculation\. server string to sign is:GET&%2F&/,
    );
    expect(message).toContain(`AccessKeyId%3D${KEY_ID}`);
  });

  it('rejects an unknown key with 404 InvalidAccessKeyId.NotFound', async () => {
    const em = await start({ regions: { 'cn-hangzhou': [] } });
    const error = await rejectionOf(
      pop(endpointOf(em, 'cn-hangzhou'), { accessKeyId: 'LTAInobodyKnowsMe' }).request('ListClusters', {}),
    );
    expect(error.code).toBe('InvalidAccessKeyId.NotFound');
    expect(error.entry?.response?.statusCode).toBe(404);
  });

  it('requires the matching SecurityToken for STS keys', async () => {
    const sts = {
      accessKeyId: 'STS.emulatorStsKey01',
      accessKeySecret: 'sts-secret',
      securityToken: 'token-A',
    };
    const em = await start({ regions: { 'cn-hangzhou': [] }, credentials: [sts] });
    const endpoint = endpointOf(em, 'cn-hangzhou');
    await expect(pop(endpoint, sts).request('ListClusters', {})).resolves.toMatchObject({ TotalCount: 0 });
    const mismatch = await rejectionOf(
      pop(endpoint, { ...sts, securityToken: 'token-B' }).request('ListClusters', {}),
    );
    expect(mismatch.code).toBe('InvalidSecurityToken.MismatchWithAccessKey');
    const { securityToken: _token, ...withoutToken } = sts;
    const missing = await rejectionOf(pop(endpoint, withoutToken).request('ListClusters', {}));
    expect(missing.code).toBe('MissingSecurityToken');
  });

  it('rejects an expired STS token', async () => {
    const sts = {
      accessKeyId: 'STS.emulatorStsKey02',
      accessKeySecret: 's',
      securityToken: 't',
      expiresAt: Date.now() - 1,
    };
    const em = await start({ regions: { 'cn-hangzhou': [] }, credentials: [sts] });
    const error = await rejectionOf(pop(endpointOf(em, 'cn-hangzhou'), sts).request('ListClusters', {}));
    expect(error.code).toBe('InvalidSecurityToken.Expired');
  });

  it('enforces the timestamp window against the injected clock', async () => {
    let now = Date.now() + 16 * 60_000;
    const em = await start({ regions: { 'cn-hangzhou': [] }, clock: () => now });
    const client = pop(endpointOf(em, 'cn-hangzhou'));
    const error = await rejectionOf(client.request('ListClusters', {}));
    expect(error.code).toBe('InvalidTimeStamp.Expired');
    expect(error.entry?.response?.statusCode).toBe(400);
    now = Date.now() + 14 * 60_000;
    await expect(client.request('ListClusters', {})).resolves.toBeDefined();
    const malformed = await rejectionOf(client.request('ListClusters', { Timestamp: '2024-01-01 00:00:00' }));
    expect(malformed.code).toBe('InvalidTimeStamp.Format');
  });

  it('refuses a reused nonce only after the signature verified', async () => {
    const em = await start({ regions: { 'cn-hangzhou': [] } });
    const endpoint = endpointOf(em, 'cn-hangzhou');
    const nonce = { SignatureNonce: 'fixed-nonce-0001' };
    const forged = await rejectionOf(
      pop(endpoint, { accessKeySecret: 'bad' }).request('ListClusters', nonce),
    );
    expect(forged.code).toBe('SignatureDoesNotMatch');
    await expect(pop(endpoint).request('ListClusters', nonce)).resolves.toBeDefined();
    const reused = await rejectionOf(pop(endpoint).request('ListClusters', nonce));
    expect(reused.code).toBe('SignatureNonceUsed');
    expect(reused.entry?.response?.statusCode).toBe(400);
  });

  it('checks Version and Action', async () => {
    const em = await start({ regions: { 'cn-hangzhou': [] } });
    const endpoint = endpointOf(em, 'cn-hangzhou');
    const version = await rejectionOf(
      pop(endpoint, { apiVersion: '2024-07-30' }).request('ListClusters', {}),
    );
    expect(version.code).toBe('InvalidVersion');
    expect(version.entry?.response?.statusCode).toBe(400);
    const action = await rejectionOf(pop(endpoint).request('ModifyImageGatewayConfig', {}));
    expect(action.code).toBe('InvalidAction.NotFound');
    expect(action.entry?.response?.statusCode).toBe(404);
  });

  it('reports missing common parameters', async () => {
    const em = await start({ regions: { 'cn-hangzhou': [] } });
    const response = await fetch(`${endpointOf(em, 'cn-hangzhou')}/?Action=ListClusters&Version=2018-04-12`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ Code: 'MissingAccessKeyId' });
  });

  it('answers DescribeImageGatewayConfig errors for missing, unknown and foreign clusters', async () => {
    const em = await start({
      regions: {
        'cn-hangzhou': generateFleet('cn-hangzhou', 1),
        'cn-shanghai': generateFleet('cn-shanghai', 1),
      },
    });
    const client = pop(endpointOf(em, 'cn-hangzhou'));
    const missing = await rejectionOf(client.request('DescribeImageGatewayConfig', {}));
    expect(missing.code).toBe('InvalidParams');
    expect(missing.data?.Message).toBe('Invalid param: ClusterId');
    expect(missing.entry?.response?.statusCode).toBe(400);
    for (const ClusterId of ['ehpc-hz-9999', 'ehpc-sh-0001']) {
      const error = await rejectionOf(client.request('DescribeImageGatewayConfig', { ClusterId }));
      expect(error.code).toBe('ClusterNotFound');
      expect(error.entry?.response?.statusCode).toBe(404);
    }
    await expect(
      pop(endpointOf(em, 'cn-shanghai')).request('DescribeImageGatewayConfig', { ClusterId: 'ehpc-sh-0001' }),
    ).resolves.toBeDefined();
  });

  it('returns injected fault codes with their real HTTP status and the documented error body', async () => {
    const em = await start({ regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 1) } });
    const endpoint = endpointOf(em, 'cn-hangzhou');
    const client = pop(endpoint);
    const table: Array<[string, number]> = [
      ['AgentError.Image.DescribeImagegwFailed', 406],
      ['DbError', 406],
      ['AliyunError', 406],
      ['NotAuthorized', 407],
      ['Forbidden.RAM', 403],
      ['Throttling.User', 400],
      ['ServiceUnavailable', 503],
      ['InternalError', 500],
      ['UnknownError', 500],
      ['LoginNotFound', 404],
      ['ClusterNotFound', 404],
    ];
    for (const [code, status] of table) {
      em.failCluster('ehpc-hz-0001', code, 1);
      const error = await rejectionOf(
        client.request('DescribeImageGatewayConfig', { ClusterId: 'ehpc-hz-0001' }),
      );
      expect(error.code).toBe(code);
      expect(error.entry?.response?.statusCode).toBe(status);
      expect(error.entry?.response?.headers?.['content-type']).toBe('application/json;charset=utf-8');
      expect(Object.keys(error.data ?? {}).sort()).toEqual([
        'Code',
        'HostId',
        'Message',
        'Recommend',
        'RequestId',
      ]);
      expect(error.data?.RequestId).toMatch(UPPER_UUID);
      expect(error.data?.HostId).toBe('ehpc.cn-hangzhou.aliyuncs.com');
    }
    // `times` ran out: the cluster answers normally again.
    await expect(
      client.request('DescribeImageGatewayConfig', { ClusterId: 'ehpc-hz-0001' }),
    ).resolves.toBeDefined();
    expect(em.requests.map((r) => r.status)).toEqual([...table.map(([, status]) => status), 200]);
  });

  it('serves raw, hanging and resetting faults', async () => {
    const em = await start({
      regions: {
        'cn-hangzhou': [
          {
            info: { Id: 'html' },
            fault: { raw: { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' } },
          },
          { info: { Id: 'hang' }, fault: { hang: true } },
          { info: { Id: 'reset' }, fault: { reset: true } },
        ],
      },
    });
    const client = pop(endpointOf(em, 'cn-hangzhou'));
    const html = await rejectionOf(client.request('DescribeImageGatewayConfig', { ClusterId: 'html' }));
    expect(html).not.toBeInstanceOf(Error);
    expect(html).toMatchObject({ name: 'SyntaxError', text: '<html>Bad Gateway</html>' });
    const hang = await rejectionOf(
      client.request('DescribeImageGatewayConfig', { ClusterId: 'hang' }, { timeout: 50 }),
    );
    expect(hang.name).toBe('RequestTimeoutError');
    const reset = await rejectionOf(client.request('DescribeImageGatewayConfig', { ClusterId: 'reset' }));
    expect(reset.code).toBe('ECONNRESET');
  });

  it('throttles every n-th request or the next n requests', async () => {
    const em = await start({ regions: { 'cn-hangzhou': [] } });
    const client = pop(endpointOf(em, 'cn-hangzhou'));
    em.throttle({ next: 2, code: 'Throttling.Api' });
    expect((await rejectionOf(client.request('ListClusters', {}))).code).toBe('Throttling.Api');
    expect((await rejectionOf(client.request('ListClusters', {}))).code).toBe('Throttling.Api');
    await expect(client.request('ListClusters', {})).resolves.toBeDefined();
    em.throttle({ every: 3 });
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      outcomes.push(
        await client.request('ListClusters', {}).then(
          () => 'ok',
          (e: PopRejection) => String(e.code),
        ),
      );
    }
    expect(outcomes).toEqual(['ok', 'ok', 'Throttling.User', 'ok', 'ok', 'Throttling.User']);
    em.throttle({});
    await expect(client.request('ListClusters', {})).resolves.toBeDefined();
  });

  it('serves the documentation example byte for byte and never requires x-acs headers', async () => {
    const bytes = await readFile(FIXTURE);
    const em = await start({
      regions: { 'cn-hangzhou': [{ info: { Id: 'ehpc-hz-FYUr32****' }, describe: bytes.toString('utf8') }] },
    });
    const response = await fetch(
      signedUrl(endpointOf(em, 'cn-hangzhou'), {
        Action: 'DescribeImageGatewayConfig',
        ClusterId: 'ehpc-hz-FYUr32****',
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    expect(em.requests[0]?.headers['x-acs-action']).toBeUndefined();
  });

  it('loads fleet fixtures, serving describeFile bytes verbatim', async () => {
    const fixture = await loadFleetFixture(join(__dirname, 'ehpc', 'fixtures', 'sample-fleet.json'));
    const em = await start(fixture);
    const endpoint = endpointOf(em, 'cn-hangzhou');
    const response = await fetch(
      signedUrl(endpoint, { Action: 'DescribeImageGatewayConfig', ClusterId: 'ehpc-hz-doc00001' }),
    );
    expect(Buffer.from(await response.arrayBuffer()).equals(await readFile(FIXTURE))).toBe(true);
    const agent = await rejectionOf(
      pop(endpoint).request('DescribeImageGatewayConfig', { ClusterId: 'ehpc-hz-agent0001' }),
    );
    expect(agent.code).toBe('AgentError.Image.DescribeImagegwFailed');
    const shanghai = await pop(endpointOf(em, 'cn-shanghai')).request<{ Imagegw: { MongoDBURI: string } }>(
      'DescribeImageGatewayConfig',
      { ClusterId: 'ehpc-sh-insecure01' },
    );
    expect(shanghai.Imagegw.MongoDBURI).toContain('s3cr3t-pass');
  });

  it('generates region-prefixed fleets with varied compliant gateways', () => {
    const fleet = generateFleet('cn-shanghai', 8, { now: Date.UTC(2025, 0, 31) });
    expect(fleet.map((c) => c.info.Id).slice(0, 2)).toEqual(['ehpc-sh-0001', 'ehpc-sh-0002']);
    const bodies = fleet.map((c) => JSON.stringify(c.describe));
    expect(new Set(bodies).size).toBe(8);
    expect(bodies.join()).not.toMatch(/http:\/\/|:[^/@]+@/);
    expect(generateFleet('cn-hangzhou', 1, { startIndex: 42 })[0]?.info.Id).toBe('ehpc-hz-0042');
  });
});

describe('E-HPC emulator options and controls', () => {
  it('lists every cluster from every endpoint with listScope "account"', async () => {
    const em = await start({
      regions: {
        'cn-hangzhou': generateFleet('cn-hangzhou', 2),
        'cn-shanghai': generateFleet('cn-shanghai', 1),
      },
      listScope: 'account',
    });
    const listed = await pop(endpointOf(em, 'cn-shanghai')).request<{
      TotalCount: number;
      Clusters: { ClusterInfoSimple: Array<{ Id: string; RegionId: string }> };
    }>('ListClusters', { PageSize: 50 });
    expect(listed.TotalCount).toBe(3);
    expect(listed.Clusters.ClusterInfoSimple.map((c) => `${c.Id}@${c.RegionId}`)).toEqual([
      'ehpc-hz-0001@cn-hangzhou',
      'ehpc-hz-0002@cn-hangzhou',
      'ehpc-sh-0001@cn-shanghai',
    ]);
  });

  it('fills RegionId, Name and Status unless they are null', async () => {
    const em = await start({
      regions: {
        'cn-hangzhou': [
          { info: { Id: 'a' } },
          { info: { Id: 'b', RegionId: null, Name: null, Status: null } },
        ],
      },
    });
    const listed = await pop(endpointOf(em, 'cn-hangzhou')).request<{
      Clusters: { ClusterInfoSimple: unknown[] };
    }>('ListClusters', {});
    expect(listed.Clusters.ClusterInfoSimple).toEqual([
      { Id: 'a', RegionId: 'cn-hangzhou', Name: 'a', Status: 'running' },
      { Id: 'b' },
    ]);
  });

  it('can answer unknown clusters with InvalidParams instead', async () => {
    const em = await start({ regions: { 'cn-hangzhou': [] }, unknownCluster: 'InvalidParams' });
    const error = await rejectionOf(
      pop(endpointOf(em, 'cn-hangzhou')).request('DescribeImageGatewayConfig', { ClusterId: 'nope' }),
    );
    expect(error.code).toBe('InvalidParams');
    expect(error.data?.Message).toBe('Invalid param: ClusterId');
  });

  it('fails a region listing, then recovers; clearFaults drops configured faults too', async () => {
    const em = await start({
      regions: { 'cn-hangzhou': [{ info: { Id: 'c1' }, fault: { code: 'DbError' } }] },
    });
    const client = pop(endpointOf(em, 'cn-hangzhou'));
    em.failRegion('cn-hangzhou', 'ServiceUnavailable', 1);
    const down = await rejectionOf(client.request('ListClusters', {}));
    expect(down.code).toBe('ServiceUnavailable');
    expect(down.entry?.response?.statusCode).toBe(503);
    await expect(client.request('ListClusters', {})).resolves.toBeDefined();
    expect((await rejectionOf(client.request('DescribeImageGatewayConfig', { ClusterId: 'c1' }))).code).toBe(
      'DbError',
    );
    em.clearFaults();
    await expect(client.request('DescribeImageGatewayConfig', { ClusterId: 'c1' })).resolves.toBeDefined();
  });

  it('delays answers by latencyMs', async () => {
    const em = await start({ regions: { 'cn-hangzhou': [] }, latencyMs: 30 });
    const started = Date.now();
    await pop(endpointOf(em, 'cn-hangzhou')).request('ListClusters', {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});

describe('E-HPC emulator flow control (rateLimit)', () => {
  /** Outcome of one ListClusters call: 'ok' or the error code. */
  function outcome(client: RPCClient): Promise<string> {
    return client.request('ListClusters', {}).then(
      () => 'ok',
      (e: PopRejection) => String(e.code),
    );
  }

  async function outcomes(client: RPCClient, count: number): Promise<string[]> {
    const seen: string[] = [];
    // Sequential, so the order of arrival is the order of the calls.
    for (let i = 0; i < count; i += 1) seen.push(await outcome(client));
    return seen;
  }

  it('accepts perSecond requests in a sliding second, then answers Throttling.User', async () => {
    let now = Date.now();
    const em = await start({ regions: { 'cn-hangzhou': [] }, clock: () => now, rateLimit: { perSecond: 3 } });
    const client = pop(endpointOf(em, 'cn-hangzhou'));
    expect(await outcomes(client, 4)).toEqual(['ok', 'ok', 'ok', 'Throttling.User']);
    const refused = await rejectionOf(client.request('ListClusters', {}));
    expect(refused.code).toBe('Throttling.User');
    expect(refused.entry?.response?.statusCode).toBe(400);
    expect(refused.data?.Message).toBe('Request was denied due to user flow control.');

    now += 999; // the three accepted requests are still inside (now - 1000 ms, now]
    expect(await outcomes(client, 1)).toEqual(['Throttling.User']);
    now += 1; // ... and now they are not: refused requests did not count
    expect(await outcomes(client, 4)).toEqual(['ok', 'ok', 'ok', 'Throttling.User']);

    const codes = em.requests.map((request) => request.code ?? 'ok');
    expect(codes.filter((code) => code === 'Throttling.User')).toHaveLength(4);
    expect(em.requests.map((request) => request.status)).toEqual([
      200, 200, 200, 400, 400, 400, 200, 200, 200, 400,
    ]);
  });

  it('slides: a slot frees exactly one second after the request that took it', async () => {
    let now = Date.now();
    const em = await start({ regions: { 'cn-hangzhou': [] }, clock: () => now, rateLimit: { perSecond: 3 } });
    const client = pop(endpointOf(em, 'cn-hangzhou'));
    const start0 = now;
    expect(await outcomes(client, 2)).toEqual(['ok', 'ok']);
    now = start0 + 500;
    expect(await outcomes(client, 2)).toEqual(['ok', 'Throttling.User']);
    // At +1000 the two requests of +0 leave the window; the one of +500 stays until +1500.
    now = start0 + 1000;
    expect(await outcomes(client, 3)).toEqual(['ok', 'ok', 'Throttling.User']);
    now = start0 + 1499;
    expect(await outcomes(client, 1)).toEqual(['Throttling.User']);
    now = start0 + 1500;
    expect(await outcomes(client, 2)).toEqual(['ok', 'Throttling.User']);
    expect(em.requests.map((request) => request.at - start0)).toEqual([
      0, 0, 500, 500, 1000, 1000, 1000, 1499, 1500, 1500,
    ]);
  });

  it('limits each region on its own', async () => {
    const now = Date.now();
    const em = await start({
      regions: { 'cn-hangzhou': [], 'cn-shanghai': generateFleet('cn-shanghai', 1) },
      clock: () => now,
      rateLimit: { perSecond: 2 },
    });
    const hangzhou = pop(endpointOf(em, 'cn-hangzhou'));
    const shanghai = pop(endpointOf(em, 'cn-shanghai'));
    expect(await outcomes(hangzhou, 3)).toEqual(['ok', 'ok', 'Throttling.User']);
    // Both actions share the region's limit.
    await expect(
      shanghai.request('DescribeImageGatewayConfig', { ClusterId: 'ehpc-sh-0001' }),
    ).resolves.toBeDefined();
    expect(await outcomes(shanghai, 2)).toEqual(['ok', 'Throttling.User']);
    expect(
      em.requests.filter((request) => request.code === 'Throttling.User').map((request) => request.region),
    ).toEqual(['cn-hangzhou', 'cn-shanghai']);
  });

  it('counts only requests that pass the signature and API checks', async () => {
    const now = Date.now();
    const em = await start({ regions: { 'cn-hangzhou': [] }, clock: () => now, rateLimit: { perSecond: 1 } });
    const endpoint = endpointOf(em, 'cn-hangzhou');
    const forged = await rejectionOf(pop(endpoint, { accessKeySecret: 'bad' }).request('ListClusters', {}));
    expect(forged.code).toBe('SignatureDoesNotMatch');
    const unknown = await rejectionOf(pop(endpoint).request('DescribeNothing', {}));
    expect(unknown.code).toBe('InvalidAction.NotFound');
    expect(await outcomes(pop(endpoint), 2)).toEqual(['ok', 'Throttling.User']);
  });

  it('refuses a perSecond that is not a positive whole number', async () => {
    await expect(start({ regions: { 'cn-hangzhou': [] }, rateLimit: { perSecond: 0 } })).rejects.toThrow(
      /perSecond/,
    );
    await expect(start({ regions: { 'cn-hangzhou': [] }, rateLimit: { perSecond: 2.5 } })).rejects.toThrow(
      /perSecond/,
    );
  });
});
