import { z } from 'zod';
import { ConfigError, type Credentials } from '../config';
import { oneLine } from '../text';

/** A request the function cannot serve: a malformed event. Mapped to a clear error, never a crash. */
export class EventError extends Error {
  override readonly name = 'EventError';
}

/** The parts of the Function Compute context the functions use (spec/cloud-apis.md §5.5). */
export interface FcContext {
  requestId: string;
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string };
  function?: { name?: string; timeout?: number };
  region?: string;
  accountId?: string;
}

/**
 * Credentials of this invocation. Never cached across invocations: they expire. In FC they are the
 * role's STS keys (an `STS.` key id), which need their security token; a RAM user's AccessKey
 * (`imagegw-audit serve`, which passes the CLI's own keys) has none.
 */
export function credentialsFromContext(context: FcContext): Credentials {
  const { accessKeyId, accessKeySecret, securityToken } = context.credentials ?? {};
  if (!accessKeyId || !accessKeySecret || (accessKeyId.startsWith('STS.') && !securityToken)) {
    throw new ConfigError(
      'the invocation context has no complete role credentials: attach a RAM role to the function (role in s.yaml)',
    );
  }
  return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
}

function decodeJson(event: unknown, what: string): unknown {
  const text = Buffer.isBuffer(event)
    ? event.toString('utf8')
    : typeof event === 'string'
      ? event
      : undefined;
  if (text === undefined) throw new EventError(`${what}: expected the event as a Buffer`);
  if (text.trim() === '') throw new EventError(`${what}: the event is empty`);
  try {
    return JSON.parse(text);
  } catch {
    throw new EventError(`${what}: the event is not JSON`);
  }
}

function firstIssue(error: z.ZodError, what: string): EventError {
  const issue = error.issues[0];
  return new EventError(
    `${what}: ${oneLine(issue?.path.join('.') || 'event', 120)}: ${oneLine(issue?.message ?? 'invalid')}`,
  );
}

const timerEventSchema = z.object({
  // It becomes the run id (and a webhook header): an RFC 3339 time, nothing else.
  triggerTime: z.iso.datetime({
    offset: true,
    error: 'expected an RFC 3339 time such as 2026-12-03T02:30:00Z',
  }),
  triggerName: z.string().min(1),
  payload: z.string().optional(),
});

export type TimerEvent = z.infer<typeof timerEventSchema>;

export function parseTimerEvent(event: unknown): TimerEvent {
  const parsed = timerEventSchema.safeParse(decodeJson(event, 'timer event'));
  if (!parsed.success) throw firstIssue(parsed.error, 'timer event');
  return parsed.data;
}

const httpEventSchema = z.object({
  version: z.string().optional(),
  rawPath: z.string(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  queryParameters: z.record(z.string(), z.string()).optional(),
  requestContext: z.object({
    http: z.object({ method: z.string(), path: z.string().optional() }),
    requestId: z.string().optional(),
  }),
});

export interface HttpRequest {
  method: string;
  path: string;
  /** Header names lower-cased: FC canonicalises their case, so lookups must not depend on it. */
  headers: Record<string, string>;
  query: Record<string, string>;
  body: Buffer;
}

/** An FC 3.0 HTTP trigger event (a Buffer of JSON) as a request with decoded body and path. */
export function parseHttpEvent(event: unknown): HttpRequest {
  const parsed = httpEventSchema.safeParse(decodeJson(event, 'HTTP event'));
  if (!parsed.success) throw firstIssue(parsed.error, 'HTTP event');
  const {
    requestContext,
    rawPath,
    body = '',
    isBase64Encoded,
    headers = {},
    queryParameters = {},
  } = parsed.data;
  let path = requestContext.http.path;
  if (path === undefined) {
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      throw new EventError(`HTTP event: rawPath "${rawPath}" is not a valid encoded path`);
    }
  }
  return {
    method: requestContext.http.method.toUpperCase(),
    path,
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
    query: queryParameters,
    body: Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8'),
  };
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  isBase64Encoded: boolean;
  body: string;
}

export function jsonResponse(statusCode: number, value: unknown): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    isBase64Encoded: false,
    body: JSON.stringify(value),
  };
}
