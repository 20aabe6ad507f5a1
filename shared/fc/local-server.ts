/**
 * A plain HTTP server in front of an FC 3.0 HTTP-trigger handler, for development and tests: each
 * request becomes the event Function Compute would hand the function (spec/cloud-apis.md §5.3), the
 * way `s local start` does, but in-process and without Docker. The handler's `{ statusCode, headers,
 * isBase64Encoded, body }` goes back as the HTTP response.
 *
 * Event-building choices (FC documents the shape, not every corner):
 * - `rawPath` is the request target's path exactly as sent (still URL-encoded, no dot-segment
 *   resolution); `requestContext.http.path` is it decoded. A path that does not decode is answered
 *   400 here, as a gateway would, and never reaches the handler.
 * - Header names are canonicalised (`content-type` → `Content-Type`, `x-slack-signature` →
 *   `X-Slack-Signature`), and repeated headers are joined with `,` (no space), from the raw header
 *   lines, so the order is the client's.
 * - Query parameters are decoded form-style (`+` is a space); repeated ones are joined with `,`; a
 *   name without `=` has the value `""`.
 * - The body is plain text (`isBase64Encoded: false`) when its Content-Type is textual (`text/*`,
 *   JSON, XML, form-urlencoded, JavaScript) and its bytes are valid UTF-8; otherwise, binary or
 *   untyped, it is Base64 with `isBase64Encoded: true`. Both decode to the same bytes. No body is
 *   `""` and not Base64.
 * - `requestContext`: `requestId` is fresh per request in FC's `1-<hex seconds>-<hex>` form and is
 *   also the context's `requestId` (and the response's `X-Fc-Request-Id`); `domainName` is the
 *   Host header's host name and `domainPrefix` its first label; `accountId` the context's;
 *   `time` is RFC 3339 to the second and `timeEpoch` milliseconds as a string.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FcContext, HttpResponse } from './events';

export type HttpTriggerHandler = (event: Buffer, context: FcContext) => Promise<HttpResponse>;

export interface LocalServerOptions {
  handler: HttpTriggerHandler;
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The invocation context for a request (or a job) with this request id. */
  context: (requestId: string) => FcContext;
  /** Larger bodies are answered 413 without reaching the handler, and are never held in memory. */
  maxBodyBytes: number;
  /** Where the one-line logs go (failures, and one line per request); default stderr. */
  log?: (line: string) => void;
  /** Applied to every logged error message (e.g. redaction of credentials). */
  redact?: (text: string) => string;
  /** Log each request (method, path without query, status, time). Default true. */
  accessLog?: boolean;
}

export interface LocalServer {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  port: number;
  /** Stops accepting, lets requests in flight finish, and resolves once every connection is gone. */
  close(): Promise<void>;
  /** Drops every connection at once, requests in flight included. */
  closeNow(): void;
}

/** A request id in Function Compute's shape, e.g. `1-6760b2a1-3f0c9e2d4b5a69788e1f2a3b`. */
export function newRequestId(nowMs = Date.now()): string {
  return `1-${Math.floor(nowMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** `x-slack-request-timestamp` → `X-Slack-Request-Timestamp`, as the FC HTTP trigger presents names. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((word) => (word ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join('-');
}

/** Header lines (Node's `rawHeaders`: name, value, name, value…) as FC's canonical, comma-joined map. */
export function canonicalHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const joined = new Map<string, string[]>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = canonicalHeaderName(rawHeaders[index] ?? '');
    const values = joined.get(name) ?? [];
    values.push(rawHeaders[index + 1] ?? '');
    joined.set(name, values);
  }
  return Object.fromEntries([...joined].map(([name, values]) => [name, values.join(',')]));
}

/** A query string (without `?`) as FC's `queryParameters`: decoded, repeated names comma-joined. */
export function queryParameters(search: string): Record<string, string> {
  const joined = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(search)) {
    const values = joined.get(name) ?? [];
    values.push(value);
    joined.set(name, values);
  }
  return Object.fromEntries([...joined].map(([name, values]) => [name, values.join(',')]));
}

const TEXT_TYPES =
  /^(?:text\/[^;\s]+|application\/(?:json|xml|javascript|x-www-form-urlencoded|[^;\s]+\+(?:json|xml)))\s*(?:;|$)/i;

/** A request target's path for logs: never its query, host or user info. */
export function logPath(target: string): string {
  if (target.startsWith('/')) return target.split('?')[0] ?? '/';
  try {
    return new URL(target).pathname;
  } catch {
    return '(unparsable target)';
  }
}

/** The event's `body` and `isBase64Encoded` for these bytes (see the module comment). */
export function encodeBody(
  body: Buffer,
  contentType: string | undefined,
): { body: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { body: '', isBase64Encoded: false };
  if (contentType && TEXT_TYPES.test(contentType.trim())) {
    try {
      return { body: new TextDecoder('utf-8', { fatal: true }).decode(body), isBase64Encoded: false };
    } catch {
      // Not UTF-8 after all: send it as binary.
    }
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
}

export interface RequestFacts {
  method: string;
  /** The request target (`/path?query`), as sent. */
  target: string;
  httpVersion: string;
  rawHeaders: readonly string[];
  sourceIp: string;
  body: Buffer;
  requestId: string;
  accountId: string;
  nowMs: number;
}

/** The FC 3.0 HTTP trigger event (a JSON Buffer) for one request; throws on a path that does not decode. */
export function buildHttpEvent(facts: RequestFacts): Buffer {
  let target = facts.target;
  if (!target.startsWith('/') && /^https?:\/\//i.test(target)) {
    // Absolute form (`GET http://host/path`, as sent to proxies): keep its path and query only.
    const url = new URL(target);
    target = `${url.pathname}${url.search}`;
  }
  const queryAt = target.indexOf('?');
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const search = queryAt === -1 ? '' : target.slice(queryAt + 1);
  const path = decodeURIComponent(rawPath);
  const headers = canonicalHeaders(facts.rawHeaders);
  const host = (headers.Host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const time = `${new Date(facts.nowMs).toISOString().slice(0, 19)}Z`;
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath,
      ...encodeBody(facts.body, headers['Content-Type']),
      headers,
      queryParameters: queryParameters(search),
      requestContext: {
        accountId: facts.accountId,
        domainName: host,
        domainPrefix: host.split('.')[0] ?? '',
        http: {
          method: facts.method,
          path,
          protocol: `HTTP/${facts.httpVersion}`,
          sourceIp: facts.sourceIp,
          userAgent: headers['User-Agent'] ?? '',
        },
        requestId: facts.requestId,
        time,
        timeEpoch: String(facts.nowMs),
      },
    }),
  );
}

class BodyTooLarge extends Error {}

/**
 * Reads the body up to `limit` bytes. Past it, the rest is read and dropped (so the client, still
 * sending, gets the 413 rather than a reset), up to a bound after which the connection is cut.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const drainLimit = Math.max(limit * 16, 1024 * 1024);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > drainLimit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) chunks.push(chunk);
      else if (received > drainLimit) {
        request.removeAllListeners('data');
        request.pause();
        reject(new BodyTooLarge());
      }
    });
    request.on('end', () => (received > limit ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
  close = false,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, {
    ...headers,
    'content-length': String(body.length),
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(body);
}

const json = (value: unknown) => ({
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: Buffer.from(JSON.stringify(value)),
});

/** Writes the handler's answer; anything malformed in it (status, header values) becomes a 500. */
function writeHandlerResponse(response: ServerResponse, result: HttpResponse, requestId: string): void {
  const status = result?.statusCode;
  if (!Number.isInteger(status) || status < 100 || status > 599 || typeof result.body !== 'string') {
    throw new Error(`the handler returned no valid response (statusCode ${String(status)})`);
  }
  const body = Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, value);
  response.setHeader('x-fc-request-id', requestId);
  response.setHeader('content-length', String(body.length));
  response.writeHead(status);
  response.end(body);
}

export function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const redact = options.redact ?? ((text: string) => text);
  const accessLog = options.accessLog ?? true;

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedMs = Date.now();
    const requestId = newRequestId(startedMs);
    const method = request.method ?? 'GET';
    const target = request.url ?? '/';
    // The path only: an absolute-form target (`GET http://user:pass@host/x`) carries user info.
    const shownPath = logPath(target);
    response.on('finish', () => {
      if (accessLog) log(`${method} ${shownPath} ${response.statusCode} ${Date.now() - startedMs}ms`);
    });

    let body: Buffer;
    try {
      body = await readBody(request, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        const refusal = json({ error: `the body is larger than ${options.maxBodyBytes} bytes` });
        // `Connection: close`: the rest of the body may still be on its way, so the socket is not reused.
        send(response, 413, refusal.headers, refusal.body, true);
      } else {
        response.destroy();
      }
      return;
    }

    const context = options.context(requestId);
    let event: Buffer;
    try {
      event = buildHttpEvent({
        method,
        target,
        httpVersion: request.httpVersion,
        rawHeaders: request.rawHeaders,
        sourceIp: (request.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        body,
        requestId,
        accountId: context.accountId ?? '',
        nowMs: startedMs,
      });
    } catch {
      const refusal = json({ error: 'the request path is not a valid URL-encoded path' });
      send(response, 400, refusal.headers, refusal.body);
      return;
    }

    try {
      const result = await options.handler(event, context);
      writeHandlerResponse(response, result, requestId);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      log(`[${requestId}] ${method} ${shownPath}: the handler failed: ${redact(message).split('\n')[0]}`);
      for (const name of response.getHeaderNames()) response.removeHeader(name);
      const failure = json({ error: 'internal error' });
      send(response, 500, { ...failure.headers, 'x-fc-request-id': requestId }, failure.body);
    }
  }

  const server: Server = createServer((request, response) => {
    serve(request, response).catch(() => {
      // Whatever went wrong, this request is over; the server goes on.
      response.destroy();
    });
  });
  // A request that is not HTTP: answer 400 and drop it (Node's default, made explicit).
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shownHost}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
        closeNow: () => {
          server.closeAllConnections();
        },
      });
    });
  });
}
