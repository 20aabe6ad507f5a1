import type { FcContext } from '../../shared/fc/events';

/** A Function Compute context as the runtime passes it, with STS role credentials. */
export function fcContext(credentials: {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}): FcContext {
  return {
    requestId: 'c0ffee00-1111-2222-3333-444455556666',
    credentials: { ...credentials },
    function: { name: 'imagegw-test', timeout: 300 },
    region: 'cn-hangzhou',
    accountId: '1234567890123456',
  };
}

/** A timer trigger event exactly as FC delivers it: a Buffer of JSON, payload a string. */
export function timerEvent(triggerTime = '2026-12-03T02:30:00Z'): Buffer {
  return Buffer.from(
    JSON.stringify({ triggerTime, triggerName: 'daily-audit', payload: '{"source":"timer","mode":"full"}' }),
  );
}

/** An FC 3.0 HTTP trigger event: canonicalised header names, comma-joined values, optional base64 body. */
export function httpEvent(options: {
  method?: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer;
}): Buffer {
  const body = options.body;
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: options.path,
      body: body ? body.toString('base64') : '',
      isBase64Encoded: Boolean(body),
      headers: { 'User-Agent': 'vitest', 'X-Forwarded-Proto': 'https', ...options.headers },
      queryParameters: options.query ?? {},
      requestContext: {
        accountId: '1234567890123456',
        domainName: 'imagegw-test.cn-hangzhou.fcapp.run',
        domainPrefix: 'imagegw-test',
        http: {
          method: options.method ?? 'GET',
          path: options.path,
          protocol: 'HTTP/1.1',
          sourceIp: '11.11.11.11',
          userAgent: 'vitest',
        },
        requestId: '1-64f6cd87-test',
        time: '2026-12-03T02:30:00Z',
        timeEpoch: '1796265000000',
      },
    }),
  );
}
