import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OssStateStore } from '../../shared/state/oss-store';
import { StateError } from '../../shared/state/store';
import { type OssEmulator, startOssEmulator } from '../emulator/oss/server';
import { signatureV1, stringToSign } from '../emulator/oss/signature';

const KEY_ID = 'STS.NTestKeyId7890abcdef';
const SECRET = 'sts-secret-Zq8-do-not-leak';
const TOKEN = 'CAIS-security-token-do-not-leak-0123456789';
const credentials = { accessKeyId: KEY_ID, accessKeySecret: SECRET, securityToken: TOKEN };

let emulator: OssEmulator;
let now = Date.now();

beforeAll(async () => {
  emulator = await startOssEmulator({ credentials, clock: () => now, buckets: ['state'] });
});
afterAll(async () => {
  await emulator.close();
});

const store = (overrides: Partial<typeof credentials> = {}) =>
  new OssStateStore({
    region: 'cn-hangzhou',
    bucket: 'state',
    prefix: 'imagegw/',
    credentials: { ...credentials, ...overrides },
    endpoint: emulator.endpoint,
  });

function expectNoSecrets(error: unknown, ...secrets: string[]): void {
  expect(error).toBeInstanceOf(StateError);
  const text = `${(error as Error).message}\n${JSON.stringify(error)}\n${String((error as Error).stack)}`;
  for (const secret of secrets) expect(text).not.toContain(secret);
  expect((error as Error).message).not.toContain('\n');
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('OssStateStore with STS keys', () => {
  it('works with the right keys and token, and sends the token signed', async () => {
    const s = store();
    await s.put('a/b', 'hello');
    expect(await s.get('a/b')).toBe('hello');
    const last = emulator.requests.at(-1);
    expect(last?.headers['x-oss-security-token']).toBe(TOKEN);
    expect(last?.headers.authorization).toMatch(new RegExp(`^OSS ${KEY_ID.replace('.', '\\.')}:`));
  });

  it('turns a wrong secret into a StateError that holds no key id, secret or token', async () => {
    const wrongSecret = 'wrong-secret-also-private';
    for (const operation of [
      (s: OssStateStore) => s.get('a/b'),
      (s: OssStateStore) => s.put('a/b', 'x'),
      (s: OssStateStore) => s.create('a/new', 'x'),
      (s: OssStateStore) => s.list('a'),
      (s: OssStateStore) => s.delete('a/b'),
    ]) {
      const error = await failure(operation(store({ accessKeySecret: wrongSecret })));
      expectNoSecrets(error, KEY_ID, SECRET, TOKEN, wrongSecret, 'NTestKeyId');
      expect((error as Error).message).toContain('SignatureDoesNotMatch');
    }
    expect(emulator.requests.at(-1)?.code).toBe('SignatureDoesNotMatch');
  });

  it('refuses a missing or wrong security token and an unknown key id, without leaking them', async () => {
    const badToken = await failure(store({ securityToken: 'forged-token-value' }).get('a/b'));
    expectNoSecrets(badToken, KEY_ID, SECRET, TOKEN, 'forged-token-value');
    expect((badToken as Error).message).toContain('InvalidSecurityToken');
    const badKey = await failure(store({ accessKeyId: 'LTAI5tUnknownKeyId99' }).get('a/b'));
    expectNoSecrets(badKey, 'LTAI5tUnknownKeyId99', SECRET, TOKEN);
    expect((badKey as Error).message).toContain('InvalidAccessKeyId');
  });

  it('refuses requests whose time is more than 15 minutes off', async () => {
    now = Date.now() + 20 * 60_000;
    try {
      const error = await failure(store().get('a/b'));
      expectNoSecrets(error, KEY_ID, SECRET, TOKEN);
      expect((error as Error).message).toContain('RequestTimeTooSkewed');
    } finally {
      now = Date.now();
    }
  });

  it('reports a missing bucket and an unreachable endpoint as StateErrors', async () => {
    const noBucket = new OssStateStore({
      region: 'cn-hangzhou',
      bucket: 'absent',
      prefix: '',
      credentials,
      endpoint: emulator.endpoint,
    });
    const error = await failure(noBucket.put('x', 'y'));
    expectNoSecrets(error, KEY_ID, SECRET, TOKEN);
    expect((error as Error).message).toContain('NoSuchBucket');
    const down = new OssStateStore({
      region: 'cn-hangzhou',
      bucket: 'state',
      prefix: '',
      credentials,
      endpoint: 'http://127.0.0.1:1',
      timeoutMs: 2_000,
    });
    expectNoSecrets(await failure(down.get('x')), KEY_ID, SECRET, TOKEN);
  });
});

describe('OSS emulator signature check', () => {
  function send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body = '',
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, emulator.endpoint);
      const req = request(url, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  function signedHeaders(method: string, resource: string, extra: Record<string, string> = {}) {
    const headers: Record<string, string> = {
      host: 'state.oss-cn-hangzhou.aliyuncs.com',
      'x-oss-date': new Date(now).toUTCString(),
      'x-oss-security-token': TOKEN,
      'content-type': 'text/plain',
      ...extra,
    };
    const signature = signatureV1(SECRET, stringToSign(method, headers, resource));
    return { ...headers, authorization: `OSS ${KEY_ID}:${signature}` };
  }

  it('accepts a correctly signed raw request', async () => {
    const answer = await send('PUT', '/imagegw/raw', signedHeaders('PUT', '/state/imagegw/raw'), 'raw');
    expect(answer.status).toBe(200);
  });

  it('rejects a tampered signature, a tampered header and a tampered path with 403 SignatureDoesNotMatch', async () => {
    const good = signedHeaders('PUT', '/state/imagegw/raw');
    const flipped = good.authorization.replace(/:(.)/, (_m, ch: string) => `:${ch === 'A' ? 'B' : 'A'}`);
    const cases = [
      { path: '/imagegw/raw', headers: { ...good, authorization: flipped } },
      { path: '/imagegw/raw', headers: { ...good, 'x-oss-forbid-overwrite': 'true' } },
      { path: '/imagegw/other', headers: good },
      { path: '/imagegw/raw', headers: { ...good, 'content-type': 'application/json' } },
    ];
    for (const { path, headers } of cases) {
      const answer = await send('PUT', path, headers, 'tampered');
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('<Code>SignatureDoesNotMatch</Code>');
      expect(answer.body).toMatch(/<RequestId>[0-9A-F]{24}<\/RequestId>/);
      expect(answer.body).toContain('<StringToSign>');
    }
    expect(emulator.objects('state').get('imagegw/other')).toBeUndefined();
  });

  it('refuses an unsigned request and answers 409 FileAlreadyExists to a forbidden overwrite', async () => {
    const anonymous = await send('GET', '/imagegw/raw', { host: 'state.oss-cn-hangzhou.aliyuncs.com' });
    expect(anonymous.status).toBe(403);
    expect(anonymous.body).toContain('<Code>AccessDenied</Code>');
    const headers = signedHeaders('PUT', '/state/imagegw/raw', { 'x-oss-forbid-overwrite': 'true' });
    const conflict = await send('PUT', '/imagegw/raw', headers, 'again');
    expect(conflict.status).toBe(409);
    expect(conflict.body).toContain('<Code>FileAlreadyExists</Code>');
  });
});
