import { createHash } from 'node:crypto';
import { request } from 'node:http';
import FCClient from '@alicloud/fc2';
import { afterEach, describe, expect, it } from 'vitest';
import type { FcContext } from '../../shared/fc/events';
import {
  DEFAULT_FC_CREDENTIALS,
  DEFAULT_FC_ROLE_CREDENTIALS,
  FC_PAYLOAD_LIMITS,
  type FcEmulator,
  type FcEmulatorContext,
  type FcEmulatorOptions,
  fc2ContentMd5,
  fcAuthorization,
  fcStringToSign,
  parseFcAuthorization,
  signFcRequest,
  startFcEmulator,
} from './fc/index';

const ACCOUNT = '1234567890123456';
const KEY_ID = 'fc-emulator-key-id';
const SECRET = 'fc-emulator-key-secret';
const STS_KEY_ID = 'STS.fc-emulator-sts-key-id';
const STS_SECRET = 'fc-emulator-sts-key-secret';
const STS_TOKEN = 'fc-emulator-sts-token';
const SERVICE = 'ehpc-audit';
const INVOKE_PATH = (fn: string, service = SERVICE) =>
  `/2016-08-15/services/${service}/functions/${fn}/invocations`;

let current: FcEmulator | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function start(options: Partial<FcEmulatorOptions> = {}): Promise<FcEmulator> {
  current = await startFcEmulator({
    accountId: ACCOUNT,
    retryDelayMs: () => 0,
    functions: [{ service: SERVICE, name: 'echo', handler: (event) => event.toString('utf8') }],
    ...options,
  });
  return current;
}

function client(emulator: FcEmulator, config: Partial<FCClient.Config> = {}, accountId = ACCOUNT): FCClient {
  return new FCClient(accountId, {
    accessKeyID: KEY_ID,
    accessKeySecret: SECRET,
    region: 'cn-hangzhou',
    endpoint: emulator.endpoint,
    timeout: 5_000,
    ...config,
  });
}

const ASYNC = { 'x-fc-invocation-type': 'Async' };

async function rejection(promise: Promise<unknown>): Promise<FCClient.FCError> {
  try {
    await promise;
  } catch (error) {
    return error as FCClient.FCError;
  }
  throw new Error('expected the call to reject');
}

/** A request fc2 would refuse to build; node:http gives full control of the headers. */
function rawRequest(
  endpoint: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
  method = 'POST',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolveRaw, reject) => {
    const req = request(`${endpoint}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolveRaw({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('FC signature helpers: spec §4.4 vectors', () => {
  const body = '{"source":"timer"}';
  const path = '/2016-08-15/services/ehpc-audit/functions/check/invocations';
  const base = {
    'content-md5': fc2ContentMd5(body),
    'content-type': 'application/octet-stream',
    date: 'Mon, 02 Jan 2006 15:04:05 GMT',
    'x-fc-account-id': '1234567890123456',
  };

  it('content-md5 is Base64 of the hex digest', () => {
    expect(fc2ContentMd5(body)).toBe('Y2UwYWVjMmNmNWQ2YzYzZjQ0NDVkZmU5NzYwODE4MTI=');
  });

  it('async', () => {
    const headers = { ...base, 'x-fc-invocation-type': 'Async' };
    expect(fcStringToSign('POST', path, headers)).toBe(
      'POST\nY2UwYWVjMmNmNWQ2YzYzZjQ0NDVkZmU5NzYwODE4MTI=\napplication/octet-stream\nMon, 02 Jan 2006 15:04:05 GMT\nx-fc-account-id:1234567890123456\nx-fc-invocation-type:Async\n/2016-08-15/services/ehpc-audit/functions/check/invocations',
    );
    expect(fcAuthorization('testid', 'testsecret', fcStringToSign('POST', path, headers))).toBe(
      'FC testid:9J0vf+hw6c1kBkd6k1Rc8PvZndZYBe9CX7by/DChKdg=',
    );
  });

  it('sync', () => {
    expect(fcAuthorization('testid', 'testsecret', fcStringToSign('POST', path, base))).toBe(
      'FC testid:+QDTPfM4yUiSjIOgO97/bbKQvLC76NXAxZgE0HQkz8A=',
    );
  });

  it('async with STS', () => {
    const headers = { ...base, 'x-fc-invocation-type': 'Async', 'x-fc-security-token': 'testtoken' };
    expect(fcAuthorization('STS.testid', 'testsecret', fcStringToSign('POST', path, headers))).toBe(
      'FC STS.testid:u4x7S19H01Xj/Rh5Z6cIC0T5esWB7TkiWltArz3vH5A=',
    );
  });

  it("agrees with fc2's own signer, and x-fc-* header names are canonicalised", () => {
    const headers = { ...base, 'X-Fc-Invocation-Type': 'Async' };
    expect(fcAuthorization('testid', 'testsecret', fcStringToSign('POST', path, headers))).toBe(
      FCClient.getSignature('testid', 'testsecret', 'POST', path, {
        ...base,
        'x-fc-invocation-type': 'Async',
      }),
    );
  });

  it('parses the authorization header', () => {
    expect(parseFcAuthorization('FC STS.a.b:c+/=')).toEqual({ accessKeyId: 'STS.a.b', signature: 'c+/=' });
    expect(parseFcAuthorization('acs a:b')).toBeUndefined();
    expect(parseFcAuthorization(undefined)).toBeUndefined();
  });

  it('signFcRequest reproduces the sync vector', () => {
    const headers = signFcRequest({
      method: 'POST',
      path,
      accessKeyId: 'testid',
      accessKeySecret: 'testsecret',
      accountId: '1234567890123456',
      body,
      date: 'Mon, 02 Jan 2006 15:04:05 GMT',
    });
    expect(headers.authorization).toBe('FC testid:+QDTPfM4yUiSjIOgO97/bbKQvLC76NXAxZgE0HQkz8A=');
  });
});

describe('FC emulator: invocation through @alicloud/fc2', () => {
  it('sync invoke answers the handler result', async () => {
    const emulator = await start({
      functions: [
        { service: SERVICE, name: 'echo', handler: (event) => event.toString('utf8') },
        { service: SERVICE, name: 'json', handler: () => ({ ok: true, n: 1 }) },
        { service: SERVICE, name: 'nothing', handler: async () => undefined },
      ],
    });
    const fc = client(emulator);
    const echoed = await fc.invokeFunction(SERVICE, 'echo', 'hello');
    expect(echoed.data).toBe('hello');
    expect(echoed.headers['content-type']).toBe('application/octet-stream');
    expect(echoed.headers['x-fc-error-type']).toBeUndefined();
    const requestId = echoed.headers['x-fc-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

    const json = await fc.invokeFunction(SERVICE, 'json', '');
    expect(json.data).toEqual({ ok: true, n: 1 });
    expect(json.headers['content-type']).toBe('application/json');
    expect((await fc.invokeFunction(SERVICE, 'nothing', '{}')).data).toBe('');

    const raw = await fc.invokeFunction(SERVICE, 'echo', Buffer.from('bytes'), {}, undefined, {
      rawBuf: true,
    });
    expect(Buffer.isBuffer(raw.data)).toBe(true);

    expect(emulator.invocations[0]).toEqual({
      requestId,
      service: SERVICE,
      function: 'echo',
      type: 'Sync',
      attempt: 1,
      outcome: 'ok',
      event: 'hello',
    });
    expect(emulator.requests.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });

  it('async answers an empty body at once; the handler then runs with a Buffer event and a full context', async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolveGate) => {
      open = resolveGate;
    });
    const seen: Array<{ event: unknown; context: FcEmulatorContext }> = [];
    const emulator = await start({
      region: 'cn-shanghai',
      functions: [
        {
          service: SERVICE,
          name: 'audit',
          timeoutSeconds: 300,
          handler: async (event, context) => {
            const asFcContext: FcContext = context; // the shape the functions consume
            expect(asFcContext.requestId).toBe(context.requestId);
            context.logger.info('event of %d bytes', event.length);
            await gate;
            seen.push({ event, context });
            return 'done';
          },
        },
      ],
    });
    const response = await client(emulator).invokeFunction(
      SERVICE,
      'audit',
      '{"source":"timer"}',
      ASYNC,
      'prod',
    );
    expect(response.data).toBe('');
    const requestId = response.headers['x-fc-request-id'];
    expect(seen).toEqual([]); // the 202 did not wait for the handler
    expect(emulator.requests[0]).toMatchObject({ status: 202, invocationType: 'Async', accessKeyId: KEY_ID });
    open();
    await emulator.idle();

    expect(seen).toHaveLength(1);
    const [{ event, context }] = seen as [{ event: unknown; context: FcEmulatorContext }];
    expect(Buffer.isBuffer(event)).toBe(true);
    expect((event as Buffer).toString('utf8')).toBe('{"source":"timer"}');
    expect(context).toEqual({
      requestId,
      credentials: DEFAULT_FC_ROLE_CREDENTIALS,
      function: { name: 'audit', handler: 'index.handler', memory: 512, timeout: 300 },
      service: { name: SERVICE, qualifier: 'prod', logProject: '', logStore: '', versionId: '' },
      region: 'cn-shanghai',
      accountId: ACCOUNT,
      logger: expect.objectContaining({ info: expect.any(Function), error: expect.any(Function) }),
    });
    expect(emulator.invocations).toEqual([
      {
        requestId,
        service: SERVICE,
        function: 'audit',
        qualifier: 'prod',
        type: 'Async',
        attempt: 1,
        outcome: 'ok',
        event: '{"source":"timer"}',
      },
    ]);
    expect(emulator.logs).toEqual([
      expect.stringMatching(new RegExp(`Z ${requestId} \\[INFO\\] event of 18 bytes$`)),
    ]);
  });

  it('a failing handler gives 200 with x-fc-error-type, and fc2 resolves', async () => {
    const emulator = await start({
      functions: [
        {
          service: SERVICE,
          name: 'boom',
          handler: () => {
            throw new RangeError('cluster list too long');
          },
        },
      ],
    });
    const response = await client(emulator).invokeFunction(SERVICE, 'boom', '{}');
    expect(response.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(response.data).toMatchObject({ errorMessage: 'cluster list too long', errorType: 'RangeError' });
    expect((response.data as { stackTrace: unknown }).stackTrace).toEqual(expect.any(Array));
    expect(emulator.invocations).toMatchObject([
      { type: 'Sync', attempt: 1, outcome: 'error', error: 'RangeError: cluster list too long' },
    ]);
  });

  it('a handler past its timeout fails the attempt', async () => {
    const emulator = await start({
      functions: [
        { service: SERVICE, name: 'slow', timeoutSeconds: 0.02, handler: () => new Promise(() => {}) },
      ],
    });
    const response = await client(emulator).invokeFunction(SERVICE, 'slow', '{}');
    expect(response.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(response.data).toMatchObject({
      errorType: 'FunctionTimeout',
      errorMessage: expect.stringMatching(/timed out/),
    });
  });

  it('accepts STS keys with their token; the role credentials of the context work for nested calls', async () => {
    const emulator = await start({
      functions: [
        { service: SERVICE, name: 'echo', handler: (event) => event.toString('utf8') },
        {
          service: SERVICE,
          name: 'fanout',
          handler: async (_event, context) => {
            const fc = new FCClient(context.accountId, {
              accessKeyID: context.credentials.accessKeyId,
              accessKeySecret: context.credentials.accessKeySecret,
              securityToken: context.credentials.securityToken,
              region: context.region,
              endpoint: emulator.endpoint,
            });
            await fc.invokeFunction(SERVICE, 'echo', 'child', ASYNC);
            return 'fanned out';
          },
        },
      ],
    });
    const sts = client(emulator, {
      accessKeyID: STS_KEY_ID,
      accessKeySecret: STS_SECRET,
      securityToken: STS_TOKEN,
    });
    expect((await sts.invokeFunction(SERVICE, 'echo', 'via sts')).data).toBe('via sts');
    await sts.invokeFunction(SERVICE, 'fanout', '{}', ASYNC);
    await emulator.idle();
    expect(emulator.invocations.map((i) => [i.function, i.type, i.outcome])).toEqual([
      ['echo', 'Sync', 'ok'],
      ['fanout', 'Async', 'ok'],
      ['echo', 'Async', 'ok'],
    ]);
    expect(emulator.requests.map((r) => r.accessKeyId)).toEqual([
      STS_KEY_ID,
      STS_KEY_ID,
      DEFAULT_FC_ROLE_CREDENTIALS.accessKeyId,
    ]);
  });

  it('fires timer events as async invocations', async () => {
    const events: string[] = [];
    const emulator = await start({
      clock: () => Date.parse('2026-12-03T02:30:00.123Z'),
      functions: [
        { service: SERVICE, name: 'audit', handler: (event: Buffer) => void events.push(event.toString()) },
      ],
    });
    const requestId = emulator.fireTimer(SERVICE, 'audit', {
      triggerName: 'daily',
      payload: '{"mode":"full"}',
    });
    await emulator.idle();
    expect(events).toEqual([
      '{"triggerTime":"2026-12-03T02:30:00Z","triggerName":"daily","payload":"{\\"mode\\":\\"full\\"}"}',
    ]);
    expect(emulator.invocations).toMatchObject([{ requestId, type: 'Async', outcome: 'ok' }]);
  });

  it('refuses an unsigned request on the FC 3.0 invoke path, in the 3.0 error shape', async () => {
    const emulator = await start();
    const unsigned = await rawRequest(emulator.endpoint, '/2023-03-30/functions/echo/invocations', {}, 'fc3');
    expect(unsigned.status).toBe(403);
    expect(JSON.parse(unsigned.body)).toMatchObject({
      Code: expect.any(String),
      Message: expect.any(String),
    });
    expect(emulator.invocations).toHaveLength(0);
  });

  it('verifies the FC signature on the FC 3.0 path when fc2 is the transport (ADR 0001, option d)', async () => {
    const emulator = await start();
    const fc3 = (config: Partial<FCClient.Config> = {}) => {
      const fc = client(emulator, config);
      fc.version = '2023-03-30';
      return fc;
    };
    const accepted = await fc3().post('/functions/echo/invocations', '{"run":1}', ASYNC, {
      qualifier: 'LATEST',
    });
    expect(accepted.data).toBe('');
    await emulator.idle();
    expect(emulator.invocations).toMatchObject([
      { function: 'echo', qualifier: 'LATEST', type: 'Async', outcome: 'ok', event: '{"run":1}' },
    ]);
    const error = await rejection(
      fc3({ accessKeySecret: 'wrong-secret' }).post('/functions/echo/invocations', 'x', ASYNC),
    );
    // The 3.0 error body is {Code, Message, RequestId}: fc2 finds no ErrorCode in it.
    expect(error).toMatchObject({ name: 'FCundefinedError' });
    expect(error.message).toContain('failed with 403');
    expect(emulator.requests.map((r) => [r.status, r.code])).toEqual([
      [202, undefined],
      [403, 'SignatureNotMatch'],
    ]);
  });
});

describe('FC emulator: API errors', () => {
  it('wrong secret: 403 SignatureNotMatch, and no secret in anything the emulator says', async () => {
    const emulator = await start();
    const wrongSecret = 'definitely-not-the-secret';
    const error = await rejection(
      client(emulator, { accessKeySecret: wrongSecret }).invokeFunction(SERVICE, 'echo', 'x'),
    );
    expect(error.name).toBe('FCSignatureNotMatchError');
    expect(error.code).toBe('SignatureNotMatch');
    expect(error.message).toMatch(
      /failed with 403\. requestid: [0-9a-f-]{36}, message: The request signature/,
    );
    expect(error.message).not.toContain(wrongSecret);
    expect(error.message).not.toContain(SECRET);
    expect(emulator.requests).toMatchObject([{ status: 403, code: 'SignatureNotMatch' }]);
    expect(emulator.invocations).toEqual([]);
  });

  it('unknown key: 403 InvalidAccessKeyID', async () => {
    const emulator = await start();
    const error = await rejection(
      client(emulator, { accessKeyID: 'nobody' }).invokeFunction(SERVICE, 'echo', 'x'),
    );
    expect(error).toMatchObject({ name: 'FCInvalidAccessKeyIDError', code: 'InvalidAccessKeyID' });
  });

  it('STS key: without a token it is rejected, with a wrong one too', async () => {
    const emulator = await start();
    // fc2 itself refuses to build such a client…
    expect(
      () =>
        new FCClient(ACCOUNT, {
          accessKeyID: STS_KEY_ID,
          accessKeySecret: STS_SECRET,
          region: 'cn-hangzhou',
          endpoint: emulator.endpoint,
        }),
    ).toThrow('"config.securityToken" must be passed in for STS');
    // …so the request is signed by hand.
    const path = INVOKE_PATH('echo');
    const headers = signFcRequest({
      method: 'POST',
      path,
      accessKeyId: STS_KEY_ID,
      accessKeySecret: STS_SECRET,
      accountId: ACCOUNT,
      body: 'x',
    });
    const noToken = await rawRequest(emulator.endpoint, path, headers, 'x');
    expect(noToken.status).toBe(400);
    expect(noToken.headers['x-fc-request-id']).toEqual(expect.any(String));
    expect(noToken.headers['content-type']).toBe('application/json');
    expect(JSON.parse(noToken.body)).toEqual({
      ErrorCode: 'MissingRequiredHeader',
      ErrorMessage: 'required HTTP header x-fc-security-token was not specified',
    });

    const wrong = await rejection(
      client(emulator, {
        accessKeyID: STS_KEY_ID,
        accessKeySecret: STS_SECRET,
        securityToken: 'stolen-token',
      }).invokeFunction(SERVICE, 'echo', 'x'),
    );
    expect(wrong).toMatchObject({ name: 'FCAccessDeniedError', code: 'AccessDenied' });
    expect(wrong.message).not.toContain('stolen-token');
    expect(wrong.message).not.toContain(STS_TOKEN);
    expect(emulator.invocations).toEqual([]);
  });

  it('unknown function or service: 404', async () => {
    const emulator = await start();
    const fc = client(emulator);
    expect(await rejection(fc.invokeFunction(SERVICE, 'nope', 'x'))).toMatchObject({
      name: 'FCFunctionNotFoundError',
      code: 'FunctionNotFound',
    });
    expect(await rejection(fc.invokeFunction('other-service', 'echo', 'x'))).toMatchObject({
      name: 'FCServiceNotFoundError',
      code: 'ServiceNotFound',
    });
    expect(emulator.requests.map((r) => r.status)).toEqual([404, 404]);
  });

  it('a Date more than 15 minutes off the emulator clock: 403', async () => {
    let skewMs = 16 * 60_000;
    const emulator = await start({ clock: () => Date.now() + skewMs });
    const error = await rejection(client(emulator).invokeFunction(SERVICE, 'echo', 'x'));
    expect(error).toMatchObject({ name: 'FCSignatureNotMatchError', code: 'SignatureNotMatch' });
    expect(error.message).toContain('failed with 403');
    skewMs = -16 * 60_000;
    expect(await rejection(client(emulator).invokeFunction(SERVICE, 'echo', 'x'))).toMatchObject({
      code: 'SignatureNotMatch',
    });
    skewMs = 14 * 60_000;
    expect((await client(emulator).invokeFunction(SERVICE, 'echo', 'x')).data).toBe('x');
  });

  it('x-fc-account-id must be the emulated account', async () => {
    const emulator = await start();
    const error = await rejection(
      client(emulator, {}, '9999999999999999').invokeFunction(SERVICE, 'echo', 'x'),
    );
    expect(error).toMatchObject({ name: 'FCAccessDeniedError', code: 'AccessDenied' });
  });

  it("Content-MD5 must be fc2's form; missing headers are 400 MissingRequiredHeader", async () => {
    const emulator = await start();
    const path = INVOKE_PATH('echo');
    const signed = (extra: Record<string, string>) =>
      signFcRequest({
        method: 'POST',
        path,
        accessKeyId: KEY_ID,
        accessKeySecret: SECRET,
        accountId: ACCOUNT,
        body: 'x',
        ...extra,
      });
    const ok = await rawRequest(emulator.endpoint, path, signed({}), 'x');
    expect(ok).toMatchObject({ status: 200, body: 'x' });

    // The standard form (Base64 of the raw digest), correctly signed, is still refused.
    const standardMd5 = createHash('md5').update('x').digest('base64');
    const headers: Record<string, string> = { ...signed({}), 'content-md5': standardMd5 };
    headers.authorization = fcAuthorization(KEY_ID, SECRET, fcStringToSign('POST', path, headers));
    const bad = await rawRequest(emulator.endpoint, path, headers, 'x');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ErrorCode: 'InvalidArgument' });

    const { date: _date, ...noDate } = signed({});
    const missingDate = await rawRequest(emulator.endpoint, path, noDate, 'x');
    expect(missingDate.status).toBe(400);
    expect(JSON.parse(missingDate.body)).toEqual({
      ErrorCode: 'MissingRequiredHeader',
      ErrorMessage: 'required HTTP header Date was not specified',
    });

    const { authorization: _authorization, ...unsigned } = signed({});
    expect((await rawRequest(emulator.endpoint, path, unsigned, 'x')).status).toBe(403);
  });

  it('payload limits: async 128 KB, sync 6 MB → 400 EntityTooLarge', async () => {
    const emulator = await start({
      functions: [{ service: SERVICE, name: 'sink', handler: (event: Buffer) => String(event.length) }],
    });
    const fc = client(emulator);
    const asyncLimit = FC_PAYLOAD_LIMITS.Async;
    const tooBig = await rejection(fc.invokeFunction(SERVICE, 'sink', 'x'.repeat(asyncLimit + 1), ASYNC));
    expect(tooBig).toMatchObject({ name: 'FCEntityTooLargeError', code: 'EntityTooLarge' });
    expect(tooBig.message).toContain(`payload size exceeds maximum allowed size (${asyncLimit} bytes)`);
    expect((await fc.invokeFunction(SERVICE, 'sink', 'x'.repeat(asyncLimit), ASYNC)).data).toBe('');
    // The same size is fine synchronously; the sync limit is far larger. The string result looks
    // like JSON, so it is sent as application/json and fc2 hands back a number.
    expect((await fc.invokeFunction(SERVICE, 'sink', 'x'.repeat(asyncLimit + 1))).data).toBe(asyncLimit + 1);
    const syncLimit = FC_PAYLOAD_LIMITS.Sync;
    expect(await rejection(fc.invokeFunction(SERVICE, 'sink', Buffer.alloc(syncLimit + 1)))).toMatchObject({
      code: 'EntityTooLarge',
    });
    await emulator.idle();
  });

  it('an unknown invocation type: 400 InvalidArgument', async () => {
    const emulator = await start();
    const error = await rejection(
      client(emulator).invokeFunction(SERVICE, 'echo', 'x', { 'x-fc-invocation-type': 'Later' }),
    );
    expect(error).toMatchObject({ name: 'FCInvalidArgumentError', code: 'InvalidArgument' });
  });

  it('failRequests: API-level failures for client retry tests', async () => {
    const emulator = await start();
    const fc = client(emulator);
    emulator.failRequests(1, { status: 503, code: 'ResourceThrottled' });
    emulator.failRequests(1, { status: 429, code: 'ResourceExhausted', message: 'too many' });
    emulator.failRequests(1, { status: 502, body: '<html>bad gateway</html>', contentType: 'text/html' });
    emulator.failRequests(1, {
      status: 500,
      body: '{"errorCode":"InternalServerError","errorMessage":"x"}',
      contentType: 'application/json',
    });
    expect(await rejection(fc.invokeFunction(SERVICE, 'echo', 'x'))).toMatchObject({
      name: 'FCResourceThrottledError',
      code: 'ResourceThrottled',
    });
    expect(await rejection(fc.invokeFunction(SERVICE, 'echo', 'x'))).toMatchObject({
      name: 'FCResourceExhaustedError',
    });
    expect(await rejection(fc.invokeFunction(SERVICE, 'echo', 'x'))).toMatchObject({
      name: 'FCundefinedError',
    });
    const camel = await rejection(fc.invokeFunction(SERVICE, 'echo', 'x'));
    expect(camel.name).toBe('FCundefinedError');
    expect(camel.code).toBeUndefined();
    expect((await fc.invokeFunction(SERVICE, 'echo', 'x')).data).toBe('x');
    expect(emulator.requests.map((r) => r.status)).toEqual([503, 429, 502, 500, 200]);
    expect(emulator.invocations).toHaveLength(1);
  });

  it('other paths and methods: 400 PathNotSupported (after authentication)', async () => {
    const emulator = await start();
    const path = '/2016-08-15/services';
    const headers = signFcRequest({
      method: 'GET',
      path,
      accessKeyId: KEY_ID,
      accessKeySecret: SECRET,
      accountId: ACCOUNT,
    });
    const reply = await rawRequest(emulator.endpoint, path, headers, undefined, 'GET');
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toMatchObject({ ErrorCode: 'PathNotSupported' });
  });

  it('no error body, record or message ever holds a secret or token', async () => {
    const emulator = await start({
      credentials: [
        ...DEFAULT_FC_CREDENTIALS,
        {
          accessKeyId: 'STS.expired',
          accessKeySecret: 'expired-secret',
          securityToken: 'expired-token',
          expiresAt: 0,
        },
      ],
    });
    const calls: Array<Promise<unknown>> = [
      client(emulator, { accessKeySecret: 'wrong-secret' }).invokeFunction(SERVICE, 'echo', 'x'),
      client(emulator, {
        accessKeyID: STS_KEY_ID,
        accessKeySecret: STS_SECRET,
        securityToken: 'wrong-token',
      }).invokeFunction(SERVICE, 'echo', 'x'),
      client(emulator, {
        accessKeyID: 'STS.expired',
        accessKeySecret: 'expired-secret',
        securityToken: 'expired-token',
      }).invokeFunction(SERVICE, 'echo', 'x'),
      client(emulator, {
        accessKeyID: STS_KEY_ID,
        accessKeySecret: 'wrong-secret',
        securityToken: STS_TOKEN,
      }).invokeFunction(SERVICE, 'echo', 'x'),
    ];
    const errors = await Promise.all(calls.map(rejection));
    expect(errors.map((e) => e.code)).toEqual([
      'SignatureNotMatch',
      'AccessDenied',
      'AccessDenied',
      'SignatureNotMatch',
    ]);
    const said = JSON.stringify([
      errors.map((e) => `${e.name} ${e.message}`),
      emulator.requests,
      emulator.invocations,
    ]);
    for (const secret of [
      SECRET,
      STS_SECRET,
      STS_TOKEN,
      'wrong-secret',
      'wrong-token',
      'expired-secret',
      'expired-token',
    ]) {
      expect(said).not.toContain(secret);
    }
  });
});

describe('FC emulator: async retries and fault injection', () => {
  function counting(name: string, options: { maxAsyncRetryAttempts?: number; fail?: boolean } = {}) {
    const runs: Array<{ requestId: string; event: string }> = [];
    const definition = {
      service: SERVICE,
      name,
      ...(options.maxAsyncRetryAttempts === undefined
        ? {}
        : { maxAsyncRetryAttempts: options.maxAsyncRetryAttempts }),
      handler: (event: Buffer, context: FcEmulatorContext) => {
        runs.push({ requestId: context.requestId, event: event.toString('utf8') });
        if (options.fail) throw new Error('always fails');
        return 'ok';
      },
    };
    return { runs, definition };
  }

  it("failNext 'before': the handler does not run, FC retries with the same event and request id", async () => {
    const { runs, definition } = counting('audit');
    const emulator = await start({ functions: [definition] });
    emulator.failNext('audit', { when: 'before' });
    const response = await client(emulator).invokeFunction(SERVICE, 'audit', '{"n":1}', ASYNC);
    const requestId = response.headers['x-fc-request-id'] as string;
    await emulator.idle();
    expect(runs).toEqual([{ requestId, event: '{"n":1}' }]);
    expect(emulator.invocations).toMatchObject([
      { requestId, attempt: 1, outcome: 'error', injected: 'before', event: '{"n":1}' },
      { requestId, attempt: 2, outcome: 'ok', event: '{"n":1}' },
    ]);
  });

  it("failNext 'after': the handler runs (side effects happen) yet the attempt fails and is retried", async () => {
    const { runs, definition } = counting('audit');
    const emulator = await start({ functions: [definition] });
    emulator.failNext('audit', { when: 'after', times: 2 });
    const response = await client(emulator).invokeFunction(SERVICE, 'audit', '{"n":2}', ASYNC);
    const requestId = response.headers['x-fc-request-id'];
    await emulator.idle();
    expect(runs).toEqual([
      { requestId, event: '{"n":2}' },
      { requestId, event: '{"n":2}' },
      { requestId, event: '{"n":2}' },
    ]);
    expect(emulator.invocations.map((i) => [i.attempt, i.outcome, i.injected])).toEqual([
      [1, 'error', 'after'],
      [2, 'error', 'after'],
      [3, 'ok', undefined],
    ]);
  });

  it('a handler that keeps failing runs 1 + maxAsyncRetryAttempts times, then stops', async () => {
    const two = counting('two', { maxAsyncRetryAttempts: 2, fail: true });
    const byDefault = counting('default', { fail: true });
    const none = counting('none', { maxAsyncRetryAttempts: 0, fail: true });
    const delays: number[] = [];
    const emulator = await start({
      functions: [two.definition, byDefault.definition, none.definition],
      retryDelayMs: (attempt) => {
        delays.push(attempt);
        return 1;
      },
    });
    const fc = client(emulator);
    await fc.invokeFunction(SERVICE, 'two', 'a', ASYNC);
    await fc.invokeFunction(SERVICE, 'default', 'b', ASYNC);
    await fc.invokeFunction(SERVICE, 'none', 'c', ASYNC);
    await emulator.idle();
    expect(two.runs).toHaveLength(3);
    expect(byDefault.runs).toHaveLength(4);
    expect(none.runs).toHaveLength(1);
    const attempts = (fn: string) =>
      emulator.invocations.filter((i) => i.function === fn).map((i) => i.attempt);
    expect(attempts('two')).toEqual([1, 2, 3]);
    expect(attempts('default')).toEqual([1, 2, 3, 4]);
    expect(
      emulator.invocations.every((i) => i.outcome === 'error' && i.error === 'Error: always fails'),
    ).toBe(true);
    expect(new Set(two.runs.map((r) => r.requestId)).size).toBe(1);
    expect(delays.sort()).toEqual([1, 1, 2, 2, 3]);
    // Nothing else is scheduled.
    await new Promise((resolveLater) => setTimeout(resolveLater, 10));
    expect(emulator.invocations).toHaveLength(8);
  });

  it('sync invocations are never retried; failNext applies to them too', async () => {
    const { runs, definition } = counting('audit');
    const emulator = await start({ functions: [definition] });
    emulator.failNext('audit', { when: 'before' });
    const response = await client(emulator).invokeFunction(SERVICE, 'audit', '{}');
    expect(response.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(runs).toEqual([]);
    expect(emulator.invocations).toMatchObject([
      { type: 'Sync', attempt: 1, outcome: 'error', injected: 'before' },
    ]);
    expect(() => emulator.failNext('no-such-function', { when: 'before' })).toThrow(/no function named/);
  });

  it('close() stops pending retries and releases idle()', async () => {
    const { runs, definition } = counting('audit', { fail: true });
    const emulator = await start({ functions: [definition], retryDelayMs: () => 60_000 });
    await client(emulator).invokeFunction(SERVICE, 'audit', '{}', ASYNC);
    while (emulator.invocations[0]?.outcome !== 'error')
      await new Promise((resolveSoon) => setImmediate(resolveSoon));
    const idle = emulator.idle();
    await emulator.close();
    await idle;
    expect(runs).toHaveLength(1);
    expect(emulator.invocations).toHaveLength(1);
  });
});
