import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attemptLimit,
  classifyRejection,
  EhpcApiError,
  type EhpcCallContext,
} from '../../shared/ehpc/errors';
import { backoffDelay, retryPolicy } from '../../shared/ehpc/retry';
import { toPlainJson } from '../../shared/ehpc/schemas';

// Rejections shaped exactly like pop-core 1.8.0 / httpx 2.3.3 / json-bigint 1.0.0 produce them
// (spec/cloud-apis.md §3), carrying an STS key id and token in every place they leak from.
const KEY = 'STS.NTw9ExampleKeyId77';
const TOKEN = 'CAIS-token-PELICAN-5521';
const SIGNED_URL = `https://ehpc.cn-hangzhou.aliyuncs.com/?AccessKeyId=${KEY}&Action=ListClusters&SecurityToken=${TOKEN}&Signature=abc%2Fdef%3D`;
const context: EhpcCallContext = {
  action: 'DescribeImageGatewayConfig',
  region: 'cn-hangzhou',
  clusterId: 'ehpc-hz-1',
};

function apiRejection(code: string, message: string, status: number): Error {
  return Object.assign(new Error(`${message}, URL: ${SIGNED_URL}`), {
    name: `${code}Error`,
    code,
    data: {
      RequestId: 'A1B2C3D4-0000-4000-8000-000000000000',
      HostId: 'ehpc.cn-hangzhou.aliyuncs.com',
      Code: code,
      Message: message,
    },
    url: SIGNED_URL,
    entry: { url: SIGNED_URL, request: { headers: {} }, response: { statusCode: status, headers: {} } },
  });
}

function expectClean(error: EhpcApiError): void {
  for (const text of [error.message, JSON.stringify(error), String(error.stack)]) {
    expect(text).not.toContain('NTw9ExampleKeyId77');
    expect(text).not.toContain('PELICAN-5521');
    expect(text).not.toMatch(/Signature=abc|SecurityToken=C/);
  }
}

describe('classifyRejection', () => {
  it('api errors keep code, status and request id, never the URL', () => {
    const error = classifyRejection(
      apiRejection('Throttling.User', 'Request was denied due to user flow control.', 400),
      context,
    );
    expect(error).toMatchObject({
      kind: 'api',
      code: 'Throttling.User',
      httpStatus: 400,
      requestId: 'A1B2C3D4-0000-4000-8000-000000000000',
      retryable: true,
      clusterId: 'ehpc-hz-1',
    });
    expect(error.message).toContain('Request was denied due to user flow control.');
    expect(error.message).not.toContain('URL');
    expectClean(error);
  });

  it('SignatureDoesNotMatch loses the echoed string to sign', () => {
    const echoed = `Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3D${KEY}%26SecurityToken%3D${TOKEN}`;
    const error = classifyRejection(apiRejection('SignatureDoesNotMatch', echoed, 400), context);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('string to sign is: [redacted]');
    expectClean(error);
  });

  it('timeouts of both kinds are retryable and redacted', () => {
    const connect = Object.assign(new Error(`ConnectTimeout: Connect ${SIGNED_URL} failed.`), {
      name: 'RequestTimeoutError',
    });
    const read = Object.assign(
      new Error(`ReadTimeout: 100. GET /?AccessKeyId=${KEY}&SecurityToken=${TOKEN} failed.`),
      {
        name: 'RequestTimeoutError',
      },
    );
    for (const rejection of [connect, read]) {
      const error = classifyRejection(rejection, context);
      expect(error).toMatchObject({ kind: 'timeout', retryable: true });
      expectClean(error);
    }
  });

  it('network errors are retryable and redacted', () => {
    const rejection = Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:1GET ${SIGNED_URL} failed.`), {
      code: 'ECONNREFUSED',
    });
    const error = classifyRejection(rejection, context);
    expect(error).toMatchObject({ kind: 'network', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
    expectClean(error);
  });

  it("json-bigint's plain-object SyntaxError is a bad response and its body text is not kept", () => {
    const rejection = {
      name: 'SyntaxError',
      message: "Unexpected '<'",
      at: 1,
      text: `<html>${SIGNED_URL}</html>`,
    };
    const error = classifyRejection(rejection, context);
    expect(error).toMatchObject({ kind: 'bad-response', retryable: true });
    expect(error.message).toContain("Unexpected '<'");
    expectClean(error);
  });

  it("pop-core's TypeError on a null body is a bad response", () => {
    const error = classifyRejection(
      new TypeError("Cannot read properties of null (reading 'Code')"),
      context,
    );
    expect(error).toMatchObject({ kind: 'bad-response', retryable: true });
  });

  it('anything else is unknown and not retried', () => {
    expect(classifyRejection('boom', context)).toMatchObject({ kind: 'unknown', retryable: false });
    expect(classifyRejection(undefined, context)).toMatchObject({ kind: 'unknown', retryable: false });
    const odd = classifyRejection(new Error(`odd ${SIGNED_URL}`), context);
    expect(odd).toMatchObject({ kind: 'unknown', retryable: false });
    expectClean(odd);
  });

  it('passes an EhpcApiError through', () => {
    const original = new EhpcApiError({ ...context, kind: 'credentials', retryable: false, detail: 'x' });
    expect(classifyRejection(original, context)).toBe(original);
  });

  it('limits attempts by code', () => {
    const of = (code: string) => classifyRejection(apiRejection(code, 'm', 400), context);
    expect(attemptLimit(of('ServiceUnavailable'), 4)).toBe(4);
    expect(attemptLimit(of('DbError'), 4)).toBe(2);
    expect(attemptLimit(of('AliyunError'), 1)).toBe(1);
    for (const code of [
      'NotAuthorized',
      'Forbidden.RAM',
      'InvalidAccessKeyId.NotFound',
      'SignatureDoesNotMatch',
      'ClusterNotFound',
      'InvalidParams',
      'LoginNotFound',
      'InvalidTimeStamp.Expired',
    ]) {
      expect(attemptLimit(of(code), 4), code).toBe(1);
    }
  });
});

describe('backoff', () => {
  it('stays within full-jitter bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (retry, r) => {
          const policy = retryPolicy({ baseDelayMs: 200, maxDelayMs: 5000, random: () => r });
          const delay = backoffDelay(policy, retry);
          return delay >= 0 && delay <= Math.min(5000, 200 * 2 ** (retry - 1));
        },
      ),
    );
  });
});

describe('toPlainJson', () => {
  it('gives ordinary prototypes and unwraps BigNumber-like values', () => {
    const nested = Object.create(null) as Record<string, unknown>;
    nested.big = { _isBigNumber: true, toFixed: () => '12345678901234567890' };
    nested.safe = { _isBigNumber: true, toFixed: () => '9007199254740991' };
    nested.list = [Object.assign(Object.create(null) as object, { a: 1 })];
    const plain = toPlainJson(nested) as Record<string, unknown>;
    expect(plain).toStrictEqual({
      big: Number('12345678901234567890'),
      safe: 9007199254740991,
      list: [{ a: 1 }],
    });
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
  });
});
