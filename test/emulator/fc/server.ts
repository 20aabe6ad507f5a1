/**
 * A Function Compute emulator for the FC API 2016-08-15 invoke path that `@alicloud/fc2` 2.6.6 speaks
 * (spec/cloud-apis.md §4, §5.5, §5.7, §7.2), on node:http at 127.0.0.1 and an ephemeral port.
 *
 * It verifies what FC verifies (signature, Date window, account, STS token, fc2's Content-MD5), answers
 * API errors with the real statuses and the PascalCase `{ErrorCode, ErrorMessage}` body fc2 reads, runs
 * registered handlers in-process with a Buffer event and an FC-shaped context, and retries failed
 * asynchronous invocations as FC does. Every attempt and every HTTP request is recorded for tests.
 *
 * Choices where the real service is unconfirmed (documented here once, referred to below):
 * - A1 Retries of an async invocation keep its request id. No FC document found says either way (the
 *   retry page is silent); it is what AWS Lambda does, and what a destination record with one request
 *   id and an invoke count implies. Each attempt gets a fresh copy of the same event bytes.
 * - A2 Sync results: a string or Buffer is sent as is, `undefined` as an empty body, anything else as
 *   `JSON.stringify(value)`. The content type is `application/json` when the body parses as JSON,
 *   else `application/octet-stream` (so fc2 never hits a JSON.parse SyntaxError on our answer).
 * - A3 Async accepted: 202, empty body, no content type (fc2 then resolves `data: ''`).
 * - A4 Check order: authorization shape → Date present → x-fc-account-id present → key known →
 *   STS token → Content-MD5 → signature → Date window → account → route → invocation type → size.
 *   A stale Date is 403 SignatureNotMatch (§7.2); an account mismatch, a wrong or expired STS token is
 *   403 AccessDenied; a missing token 400 MissingRequiredHeader; a body without Content-MD5 400
 *   MissingRequiredHeader (fc2 always sends it), a wrong one 400 InvalidArgument.
 * - A5 Anything but the invoke routes is 400 PathNotSupported (the documented status of that code):
 *   only InvokeFunction is emulated.
 * - A6 Handler failures are labelled `UnhandledInvocationError` (configurable, §5.1 [open]); a timeout
 *   is `errorType: 'FunctionTimeout'`, `Function timed out after N seconds`. The handler itself is not
 *   killed (it cannot be, in-process); its late result is ignored.
 * - A7 `context.service.qualifier` is `LATEST` when the call names none; any qualifier is accepted
 *   unless the function lists `qualifiers`.
 * - A8 Role credentials handed to handlers are also accepted by the API, so a handler can call the
 *   emulator back through fc2 with `context.credentials`.
 * - A9 The FC 3.0 route `POST /2023-03-30/functions/<fn>/invocations[?qualifier=]` finds the function
 *   by name across services and answers errors in the 3.0 shape `{Code, Message, RequestId}` (the
 *   documented 2023-03-30 `Error` struct; fc2 used on that path therefore sees `FCundefinedError`).
 *   A request with an `FC <id>:<sig>` authorization (fc2 with `version = '2023-03-30'`,
 *   docs/decisions/0001) is verified like a 2016-08-15 one, the
 *   CanonicalizedResource being `/2023-03-30/functions/<fn>/invocations` and the query unsigned; a
 *   request without one is refused (ACS3, the signature of a future FC 3.0 SDK, is not emulated).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';
import {
  FC_API_VERSION,
  fc2ContentMd5,
  fcSignatureMatches,
  fcStringToSign,
  parseFcAuthorization,
} from './signature';

export const FC3_API_VERSION = '2023-03-30';

/**
 * Largest invocation payload (request body) per invocation type, in bytes; one byte more is
 * 400 EntityTooLarge (`payload size exceeds maximum allowed size (N bytes)`). Async: 128 KB, as
 * documented. Sync: 6 MB, FC 2.0's long-standing limit; current FC docs say 32 MB, so the emulator is
 * the stricter of the two and a client that passes here passes there. KB and MB are taken as 1024-based.
 */
export const FC_PAYLOAD_LIMITS = { Sync: 6 * 1024 * 1024, Async: 128 * 1024 } as const;

/** FC's documented clock tolerance for the `date` header, either way. */
export const FC_DATE_WINDOW_MS = 15 * 60_000;

/** FC's default for `maxAsyncRetryAttempts` and the fc3 schema's allowed range. */
export const FC_DEFAULT_MAX_ASYNC_RETRY_ATTEMPTS = 3;
const MAX_ASYNC_RETRY_ATTEMPTS_LIMIT = 8;

export interface FcCredential {
  accessKeyId: string;
  accessKeySecret: string;
  /** Required for (and only for) `STS.` key ids: requests must carry exactly this `x-fc-security-token`. */
  securityToken?: string;
  /** STS expiry on the emulator clock (ms since epoch); later requests get 403 AccessDenied. */
  expiresAt?: number;
}

export interface FcRoleCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

/** Keys the emulator accepts by default: one plain AccessKey pair and one STS triple. */
export const DEFAULT_FC_CREDENTIALS: readonly FcCredential[] = [
  { accessKeyId: 'fc-emulator-key-id', accessKeySecret: 'fc-emulator-key-secret' },
  {
    accessKeyId: 'STS.fc-emulator-sts-key-id',
    accessKeySecret: 'fc-emulator-sts-key-secret',
    securityToken: 'fc-emulator-sts-token',
  },
];

/** What handlers get in `context.credentials` by default (the function's RAM role, always STS). */
export const DEFAULT_FC_ROLE_CREDENTIALS: FcRoleCredentials = {
  accessKeyId: 'STS.fc-emulator-role-key-id',
  accessKeySecret: 'fc-emulator-role-key-secret',
  securityToken: 'fc-emulator-role-token',
};

export interface FcLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  log(...args: unknown[]): void;
}

/** The context FC passes to an event handler (spec §5.5); assignable to shared/fc/events.ts `FcContext`. */
export interface FcEmulatorContext {
  requestId: string;
  credentials: FcRoleCredentials;
  function: { name: string; handler: string; memory: number; timeout: number };
  service: { name: string; qualifier: string; logProject: string; logStore: string; versionId: string };
  region: string;
  accountId: string;
  logger: FcLogger;
}

/** An event handler; it may return a value or a promise of one. */
export type FcHandler = (event: Buffer, context: FcEmulatorContext) => unknown;

export interface FcFunctionDefinition {
  service: string;
  name: string;
  handler: FcHandler;
  /** `context.function.timeout`, and the attempt deadline. Default 60; fractions allowed for tests. */
  timeoutSeconds?: number;
  /** Retries after a failed async attempt, 0–8 (FC's range). Default 3, as FC. */
  maxAsyncRetryAttempts?: number;
  /** `context.function.memory` in MB. Default 512. */
  memorySize?: number;
  /** `context.function.handler`. Default `index.handler`. */
  handlerName?: string;
  /** When given, other qualifiers get 404 AliasNotFound (VersionNotFound for digits). Default: any. */
  qualifiers?: readonly string[];
}

export type FcInvocationType = 'Sync' | 'Async';
export type FcFaultTiming = 'before' | 'after';

/** One attempt of one invocation; `outcome` is updated in place when the attempt ends. */
export interface FcInvocationRecord {
  requestId: string;
  service: string;
  function: string;
  qualifier?: string;
  type: FcInvocationType;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  outcome: 'ok' | 'error' | 'pending';
  /** `<errorType>: <errorMessage>` of a failed attempt. */
  error?: string;
  /** The request body as UTF-8. */
  event: string;
  /** Set when the attempt failed by `failNext`. */
  injected?: FcFaultTiming;
}

export interface FcRequestRecord {
  method: string;
  /** Path without query, as received. */
  path: string;
  /** 0 while the request is being handled. */
  status: number;
  /** The API error code of an error answer. */
  code?: string;
  /** The `x-fc-request-id` answered. */
  requestId: string;
  /** The key id of the `authorization` header (never the secret or token). */
  accessKeyId?: string;
  invocationType?: string;
}

export interface FailNextOptions {
  /** How many consecutive attempts fail. Default 1. */
  times?: number;
  /**
   * `before`: the attempt fails without running the handler (the instance crashed on start).
   * `after`: the handler runs to completion, side effects included, but the attempt is reported failed.
   */
  when: FcFaultTiming;
}

/** An API-level failure for the next requests, before authentication (e.g. 503 ResourceThrottled). */
export interface FcRequestFault {
  status: number;
  /** Sent as `ErrorCode`; omitted from the body when absent (fc2 then throws `FCundefinedError`). */
  code?: string;
  message?: string;
  /** Raw body instead of the JSON error (HTML 502 pages, camelCase-only bodies, truncated JSON). */
  body?: string | Buffer;
  /** With `body`: default `text/plain`. */
  contentType?: string;
}

export interface FcTimerOptions {
  triggerName: string;
  /** Default: the emulator clock, to the second, as `2026-12-03T02:30:00Z`. */
  triggerTime?: string;
  payload?: string;
  qualifier?: string;
}

export interface FcEmulatorOptions {
  functions: readonly FcFunctionDefinition[];
  /** The emulated main account; `x-fc-account-id` must equal it. Default `1234567890123456`. */
  accountId?: string;
  /** `context.region`. Default `cn-hangzhou`. */
  region?: string;
  /** Keys accepted from callers. Default DEFAULT_FC_CREDENTIALS. */
  credentials?: readonly FcCredential[];
  /** `context.credentials` of every invocation; the API accepts them too (A8). Default: the DEFAULT_ one. */
  roleCredentials?: FcRoleCredentials;
  /** Milliseconds since the epoch, for the Date check, timer events and log lines. Default Date.now. */
  clock?: () => number;
  /** Default FC_DATE_WINDOW_MS. */
  dateWindowMs?: number;
  /** Pause (ms) before attempt `attempt + 1` once `attempt` failed. Default 2^(attempt-1); FC waits longer. */
  retryDelayMs?: (attempt: number) => number;
  /** The `x-fc-error-type` of failed invocations (A6). Default `UnhandledInvocationError`. */
  errorType?: 'UnhandledInvocationError' | 'HandledInvocationError';
}

export interface FcEmulator {
  /** `http://127.0.0.1:PORT`, for fc2's `endpoint`. */
  endpoint: string;
  accountId: string;
  region: string;
  /** Every attempt, in start order. */
  invocations: FcInvocationRecord[];
  /** Every HTTP request, in arrival order. */
  requests: FcRequestRecord[];
  /** `context.logger` output: `<ISO time> <requestId> [LEVEL] message`. */
  logs: string[];
  /** The next `times` attempts of that function (any service, sync or async) fail (see FailNextOptions). */
  failNext(functionName: string, options: FailNextOptions): void;
  /** The next `count` HTTP requests get this answer instead of being served. */
  failRequests(count: number, fault: FcRequestFault): void;
  /** Enqueue an async invocation without HTTP, as an event trigger does; returns its request id. */
  trigger(service: string, functionName: string, event: Buffer | string, qualifier?: string): string;
  /** Fire a timer trigger: `{triggerTime, triggerName, payload}` as an async invocation (spec §5.2). */
  fireTimer(service: string, functionName: string, options: FcTimerOptions): string;
  /**
   * Resolves once no HTTP request is being served and no async invocation is queued, running or
   * waiting for a retry, including invocations that handlers started while running.
   */
  idle(): Promise<void>;
  /** Closes connections, drops queued attempts and pending retries, and resolves pending `idle()`s. */
  close(): Promise<void>;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  code?: string;
}

interface InvocationError {
  errorMessage: string;
  errorType: string;
  stackTrace: string[];
}

type AttemptResult = { ok: true; value: unknown } | { ok: false; error: InvocationError };

interface Invocation {
  requestId: string;
  fn: FcFunctionDefinition;
  qualifier: string | undefined;
  type: FcInvocationType;
  body: Buffer;
}

interface ApiFailure {
  status: number;
  code: string;
  message: string;
}

type ErrorStyle = 'fc2' | 'fc3';

const SIGNATURE_NOT_MATCH =
  'The request signature we calculated does not match the signature you provided. Check your access key and signing method';

class TimeoutError extends Error {
  override readonly name = 'FunctionTimeout';
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePort((server.address() as AddressInfo).port));
  });
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function jsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function parsesAsJson(body: Buffer): boolean {
  if (body.length === 0) return false;
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

function describeError(error: unknown): InvocationError {
  if (error instanceof Error) {
    const stack = (error.stack ?? '').split('\n').slice(1);
    return {
      errorMessage: error.message,
      errorType: error.name,
      stackTrace: stack.map((line) => line.trim()).filter(Boolean),
    };
  }
  return { errorMessage: String(error), errorType: typeof error, stackTrace: [] };
}

/** A2: what FC sends back for a handler's return value. */
function resultBody(value: unknown): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value) ?? '', 'utf8');
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function validate(options: FcEmulatorOptions, credentials: readonly FcCredential[]): void {
  const seen = new Set<string>();
  for (const fn of options.functions) {
    const key = `${fn.service}/${fn.name}`;
    if (seen.has(key)) throw new TypeError(`FC emulator: function ${key} is registered twice`);
    seen.add(key);
    if (!fn.service || fn.service.includes('.') || fn.service.includes('/'))
      throw new TypeError(`FC emulator: invalid service name '${fn.service}'`);
    if (!fn.name || fn.name.includes('/'))
      throw new TypeError(`FC emulator: invalid function name '${fn.name}'`);
    const retries = fn.maxAsyncRetryAttempts ?? FC_DEFAULT_MAX_ASYNC_RETRY_ATTEMPTS;
    if (!Number.isInteger(retries) || retries < 0 || retries > MAX_ASYNC_RETRY_ATTEMPTS_LIMIT)
      throw new TypeError(`FC emulator: ${key}: maxAsyncRetryAttempts must be an integer in 0–8`);
    if (fn.timeoutSeconds !== undefined && !(fn.timeoutSeconds > 0))
      throw new TypeError(`FC emulator: ${key}: timeoutSeconds must be positive`);
  }
  for (const credential of credentials) {
    if (credential.accessKeyId.startsWith('STS') && !credential.securityToken)
      throw new TypeError(`FC emulator: STS key '${credential.accessKeyId}' needs a securityToken`);
  }
}

export async function startFcEmulator(options: FcEmulatorOptions): Promise<FcEmulator> {
  const accountId = options.accountId ?? '1234567890123456';
  const region = options.region ?? 'cn-hangzhou';
  const clock = options.clock ?? Date.now;
  const dateWindowMs = options.dateWindowMs ?? FC_DATE_WINDOW_MS;
  const retryDelayMs = options.retryDelayMs ?? ((attempt: number) => 2 ** (attempt - 1));
  const errorTypeLabel = options.errorType ?? 'UnhandledInvocationError';
  const roleCredentials = options.roleCredentials ?? DEFAULT_FC_ROLE_CREDENTIALS;
  const accepted = [...(options.credentials ?? DEFAULT_FC_CREDENTIALS), roleCredentials];
  validate(options, accepted);

  const keys = new Map<string, FcCredential>();
  for (const credential of accepted) keys.set(credential.accessKeyId, credential);

  const invocations: FcInvocationRecord[] = [];
  const requests: FcRequestRecord[] = [];
  const logs: string[] = [];
  const functionFaults = new Map<string, FcFaultTiming[]>();
  const requestFaults: FcRequestFault[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const idleWaiters: Array<() => void> = [];
  /** The `finish` of every unfinished async invocation, so that close() can settle them. */
  const closers = new Set<() => void>();
  let busy = 0;
  let closed = false;

  // ---- idle bookkeeping -------------------------------------------------------------------------

  function release(): void {
    busy -= 1;
    if (busy > 0 || idleWaiters.length === 0) return;
    // One macrotask of grace: a handler's follow-up request may already be on its way.
    setImmediate(() => {
      if (busy === 0 || closed) for (const resolveIdle of idleWaiters.splice(0)) resolveIdle();
    });
  }

  function schedule(action: () => void, delayMs: number): void {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        action();
      },
      Math.max(0, delayMs),
    );
    timers.add(timer);
  }

  // ---- API errors --------------------------------------------------------------------------------

  function apiError(failure: ApiFailure, requestId: string, style: ErrorStyle): Reply {
    const body =
      style === 'fc2'
        ? { ErrorCode: failure.code, ErrorMessage: failure.message }
        : { Code: failure.code, Message: failure.message, RequestId: requestId };
    return {
      status: failure.status,
      code: failure.code,
      headers: { 'content-type': 'application/json' },
      body: jsonBody(body),
    };
  }

  function faultReply(fault: FcRequestFault): Reply {
    if (fault.body !== undefined) {
      const reply: Reply = {
        status: fault.status,
        headers: { 'content-type': fault.contentType ?? 'text/plain' },
        body: Buffer.from(fault.body),
      };
      if (fault.code !== undefined) reply.code = fault.code;
      return reply;
    }
    const body: Record<string, string> = {};
    if (fault.code !== undefined) body.ErrorCode = fault.code;
    body.ErrorMessage = fault.message ?? `injected ${fault.status}`;
    const reply: Reply = {
      status: fault.status,
      headers: { 'content-type': 'application/json' },
      body: jsonBody(body),
    };
    if (fault.code !== undefined) reply.code = fault.code;
    return reply;
  }

  // ---- authentication (A4) -----------------------------------------------------------------------

  function authenticate(
    method: string,
    pathname: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): ApiFailure | undefined {
    const authorization = parseFcAuthorization(header(headers, 'authorization'));
    if (!authorization) return { status: 403, code: 'SignatureNotMatch', message: SIGNATURE_NOT_MATCH };
    const missing = (name: string): ApiFailure => ({
      status: 400,
      code: 'MissingRequiredHeader',
      message: `required HTTP header ${name} was not specified`,
    });
    const date = header(headers, 'date');
    if (!date) return missing('Date');
    const account = header(headers, 'x-fc-account-id');
    if (!account) return missing('x-fc-account-id');

    const credential = keys.get(authorization.accessKeyId);
    if (!credential) {
      return {
        status: 403,
        code: 'InvalidAccessKeyID',
        message: `invalid access key ID '${authorization.accessKeyId}'`,
      };
    }
    if (credential.securityToken !== undefined) {
      const token = header(headers, 'x-fc-security-token');
      if (!token) return missing('x-fc-security-token');
      if (!sameText(token, credential.securityToken))
        return { status: 403, code: 'AccessDenied', message: 'the security token you provided is invalid' };
      if (credential.expiresAt !== undefined && clock() >= credential.expiresAt)
        return { status: 403, code: 'AccessDenied', message: 'the security token you provided has expired' };
    }
    if (body.length > 0) {
      const md5 = header(headers, 'content-md5');
      if (!md5) return missing('Content-MD5');
      if (md5 !== fc2ContentMd5(body)) {
        return {
          status: 400,
          code: 'InvalidArgument',
          message: 'the Content-MD5 header does not match the request body',
        };
      }
    }
    if (
      !fcSignatureMatches(
        authorization.signature,
        credential.accessKeySecret,
        fcStringToSign(method, pathname, headers),
      )
    ) {
      return { status: 403, code: 'SignatureNotMatch', message: SIGNATURE_NOT_MATCH };
    }
    const sentAt = Date.parse(date);
    if (Number.isNaN(sentAt) || Math.abs(clock() - sentAt) > dateWindowMs) {
      return {
        status: 403,
        code: 'SignatureNotMatch',
        message: `the request date '${date}' is more than 15 minutes away from the server time`,
      };
    }
    if (account !== accountId) {
      return {
        status: 403,
        code: 'AccessDenied',
        message: `the caller is not authorized to access account '${account}'`,
      };
    }
    return undefined;
  }

  // ---- invocation --------------------------------------------------------------------------------

  function findFunction(service: string, name: string): FcFunctionDefinition | ApiFailure {
    const inService = options.functions.filter((fn) => fn.service === service);
    if (inService.length === 0)
      return { status: 404, code: 'ServiceNotFound', message: `service '${service}' does not exist` };
    const fn = inService.find((candidate) => candidate.name === name);
    if (!fn) return { status: 404, code: 'FunctionNotFound', message: `function '${name}' does not exist` };
    return fn;
  }

  function checkQualifier(fn: FcFunctionDefinition, qualifier: string | undefined): ApiFailure | undefined {
    if (qualifier === undefined || fn.qualifiers === undefined || fn.qualifiers.includes(qualifier))
      return undefined;
    if (/^\d+$/.test(qualifier)) {
      return {
        status: 404,
        code: 'VersionNotFound',
        message: `version '${qualifier}' of service '${fn.service}' does not exist`,
      };
    }
    return {
      status: 404,
      code: 'AliasNotFound',
      message: `alias '${qualifier}' of service '${fn.service}' does not exist`,
    };
  }

  function makeLogger(requestId: string): FcLogger {
    const write =
      (level: string) =>
      (...args: unknown[]): void => {
        logs.push(`${new Date(clock()).toISOString()} ${requestId} [${level}] ${format(...args)}`);
      };
    return {
      debug: write('DEBUG'),
      info: write('INFO'),
      warn: write('WARN'),
      error: write('ERROR'),
      log: write('INFO'),
    };
  }

  function makeContext(invocation: Invocation): FcEmulatorContext {
    const { fn } = invocation;
    return {
      requestId: invocation.requestId,
      credentials: { ...roleCredentials },
      function: {
        name: fn.name,
        handler: fn.handlerName ?? 'index.handler',
        memory: fn.memorySize ?? 512,
        timeout: fn.timeoutSeconds ?? 60,
      },
      service: {
        name: fn.service,
        qualifier: invocation.qualifier ?? 'LATEST',
        logProject: '',
        logStore: '',
        versionId: '',
      },
      region,
      accountId,
      logger: makeLogger(invocation.requestId),
    };
  }

  async function runHandler(invocation: Invocation): Promise<unknown> {
    const { fn } = invocation;
    const timeoutSeconds = fn.timeoutSeconds ?? 60;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TimeoutError(`Function timed out after ${timeoutSeconds} seconds`)),
        timeoutSeconds * 1000,
      );
      // close() clears it with the retry timers: a hung handler must not keep the process alive.
      timers.add(timer);
    });
    // A fresh copy per attempt: a handler that mutates its event must not change the retry's.
    const event = Buffer.from(invocation.body);
    const run = Promise.resolve().then(() => fn.handler(event, makeContext(invocation)));
    try {
      return await Promise.race([run, deadline]);
    } finally {
      if (timer !== undefined) {
        clearTimeout(timer);
        timers.delete(timer);
      }
    }
  }

  async function runAttempt(invocation: Invocation, attempt: number): Promise<AttemptResult> {
    const record: FcInvocationRecord = {
      requestId: invocation.requestId,
      service: invocation.fn.service,
      function: invocation.fn.name,
      type: invocation.type,
      attempt,
      outcome: 'pending',
      event: invocation.body.toString('utf8'),
    };
    if (invocation.qualifier !== undefined) record.qualifier = invocation.qualifier;
    invocations.push(record);

    const fault = functionFaults.get(invocation.fn.name)?.shift();
    let result: AttemptResult;
    if (fault === 'before') {
      result = {
        ok: false,
        error: {
          errorMessage: 'Process exited unexpectedly before completing request (injected: before)',
          errorType: 'ProcessExited',
          stackTrace: [],
        },
      };
    } else {
      try {
        result = { ok: true, value: await runHandler(invocation) };
      } catch (error) {
        result = { ok: false, error: describeError(error) };
      }
      if (fault === 'after' && result.ok) {
        result = {
          ok: false,
          error: {
            errorMessage: 'Process exited unexpectedly after the handler returned (injected: after)',
            errorType: 'ProcessExited',
            stackTrace: [],
          },
        };
      }
    }
    if (result.ok) {
      record.outcome = 'ok';
    } else {
      record.outcome = 'error';
      record.error = `${result.error.errorType}: ${result.error.errorMessage}`;
    }
    if (fault !== undefined) record.injected = fault;
    return result;
  }

  async function invokeSync(invocation: Invocation): Promise<Reply> {
    const result = await runAttempt(invocation, 1);
    if (!result.ok) {
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-fc-error-type': errorTypeLabel },
        body: jsonBody(result.error),
      };
    }
    const body = resultBody(result.value);
    return {
      status: 200,
      headers: { 'content-type': parsesAsJson(body) ? 'application/json' : 'application/octet-stream' },
      body,
    };
  }

  /** Queue an async invocation: attempts run in the background, never inside the request (A1). */
  function enqueueAsync(invocation: Invocation): void {
    busy += 1;
    const maxRetries = invocation.fn.maxAsyncRetryAttempts ?? FC_DEFAULT_MAX_ASYNC_RETRY_ATTEMPTS;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      closers.delete(finish);
      release();
    };
    const attemptNo = (attempt: number): void => {
      if (closed) {
        finish();
        return;
      }
      runAttempt(invocation, attempt).then(
        (result) => {
          if (closed || result.ok || attempt > maxRetries) finish();
          else schedule(() => attemptNo(attempt + 1), retryDelayMs(attempt));
        },
        () => finish(),
      );
    };
    closers.add(finish);
    schedule(() => attemptNo(1), 0);
  }

  function knownFunction(functionName: string): void {
    if (!options.functions.some((fn) => fn.name === functionName))
      throw new TypeError(`FC emulator: no function named '${functionName}' is registered`);
  }

  function trigger(
    service: string,
    functionName: string,
    event: Buffer | string,
    qualifier?: string,
  ): string {
    const found = findFunction(service, functionName);
    if ('code' in found) throw new TypeError(`FC emulator: ${found.message}`);
    const requestId = randomUUID();
    enqueueAsync({
      requestId,
      fn: found,
      qualifier,
      type: 'Async',
      body: Buffer.from(event),
    });
    return requestId;
  }

  // ---- HTTP --------------------------------------------------------------------------------------

  async function invoke(
    fn: FcFunctionDefinition,
    qualifier: string | undefined,
    headers: IncomingHttpHeaders,
    body: Buffer,
    requestId: string,
    style: ErrorStyle,
  ): Promise<Reply> {
    const qualifierFailure = checkQualifier(fn, qualifier);
    if (qualifierFailure) return apiError(qualifierFailure, requestId, style);
    const typeHeader = header(headers, 'x-fc-invocation-type');
    if (typeHeader !== undefined && typeHeader !== 'Sync' && typeHeader !== 'Async') {
      return apiError(
        {
          status: 400,
          code: 'InvalidArgument',
          message: `invalid invocation type '${typeHeader}': expected 'Sync' or 'Async'`,
        },
        requestId,
        style,
      );
    }
    const type: FcInvocationType = typeHeader === 'Async' ? 'Async' : 'Sync';
    const limit = FC_PAYLOAD_LIMITS[type];
    if (body.length > limit) {
      return apiError(
        {
          status: 400,
          code: 'EntityTooLarge',
          message: `payload size exceeds maximum allowed size (${limit} bytes)`,
        },
        requestId,
        style,
      );
    }
    const invocation: Invocation = { requestId, fn, qualifier, type, body };
    if (type === 'Sync') return invokeSync(invocation);
    enqueueAsync(invocation);
    return { status: 202, headers: {}, body: Buffer.alloc(0) };
  }

  async function answer(
    method: string,
    pathname: string,
    query: URLSearchParams,
    headers: IncomingHttpHeaders,
    body: Buffer,
    requestId: string,
  ): Promise<Reply> {
    const fault = requestFaults.shift();
    if (fault) return faultReply(fault);

    const fc3 = new RegExp(`^/${FC3_API_VERSION}/functions/([^/]+)/invocations$`).exec(pathname);
    if (fc3?.[1] !== undefined) {
      const name = decodeSegment(fc3[1]);
      const fn = options.functions.find((candidate) => candidate.name === name);
      // Our only client on this path is fc2 (docs/decisions/0001): every request must carry its signature.
      const authFailure = authenticate(method, pathname, headers, body);
      if (authFailure) return apiError(authFailure, requestId, 'fc3');
      if (method !== 'POST' || !fn) {
        const failure: ApiFailure = fn
          ? {
              status: 400,
              code: 'PathNotSupported',
              message: `'${method}' against '${pathname}' is not supported`,
            }
          : { status: 404, code: 'FunctionNotFound', message: `function '${name ?? fc3[1]}' does not exist` };
        return apiError(failure, requestId, 'fc3');
      }
      return invoke(fn, query.get('qualifier') ?? undefined, headers, body, requestId, 'fc3');
    }

    const unsupported: ApiFailure = {
      status: 400,
      code: 'PathNotSupported',
      message: `'${method}' against '${pathname}' is not supported`,
    };
    if (!pathname.startsWith(`/${FC_API_VERSION}/`)) return apiError(unsupported, requestId, 'fc2');
    const authFailure = authenticate(method, pathname, headers, body);
    if (authFailure) return apiError(authFailure, requestId, 'fc2');

    const route = new RegExp(`^/${FC_API_VERSION}/services/([^/]+)/functions/([^/]+)/invocations$`).exec(
      pathname,
    );
    const serviceSegment = route?.[1] === undefined ? undefined : decodeSegment(route[1]);
    const functionName = route?.[2] === undefined ? undefined : decodeSegment(route[2]);
    if (method !== 'POST' || serviceSegment === undefined || functionName === undefined)
      return apiError(unsupported, requestId, 'fc2');
    // Service names cannot hold dots; the first one starts the qualifier (fc2 joins them so).
    const dot = serviceSegment.indexOf('.');
    const service = dot < 0 ? serviceSegment : serviceSegment.slice(0, dot);
    const qualifier = dot < 0 ? undefined : serviceSegment.slice(dot + 1);
    const found = findFunction(service, functionName);
    if ('code' in found) return apiError(found, requestId, 'fc2');
    return invoke(found, qualifier, headers, body, requestId, 'fc2');
  }

  const server = createServer((req, res) => {
    busy += 1;
    const requestId = randomUUID();
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const pathname = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = new URLSearchParams(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1));
    const method = (req.method ?? 'GET').toUpperCase();
    const record: FcRequestRecord = { method, path: pathname, status: 0, requestId };
    const keyId = parseFcAuthorization(header(req.headers, 'authorization'))?.accessKeyId;
    if (keyId !== undefined) record.accessKeyId = keyId;
    const invocationType = header(req.headers, 'x-fc-invocation-type');
    if (invocationType !== undefined) record.invocationType = invocationType;
    requests.push(record);

    readBody(req)
      .then((body) => answer(method, pathname, query, req.headers, body, requestId))
      .catch(
        (error: unknown): Reply =>
          // An emulator bug must surface as a loud 500 rather than a hung test.
          apiError(
            { status: 500, code: 'InternalServerError', message: `emulator failure: ${String(error)}` },
            requestId,
            'fc2',
          ),
      )
      .then((reply) => {
        record.status = reply.status;
        if (reply.code !== undefined) record.code = reply.code;
        if (res.destroyed) return;
        res.writeHead(reply.status, {
          ...reply.headers,
          'x-fc-request-id': requestId,
          'content-length': String(reply.body.length),
        });
        res.end(reply.body);
      })
      .catch(() => req.socket.destroy())
      .finally(release);
  });

  const port = await listen(server);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    accountId,
    region,
    invocations,
    requests,
    logs,
    failNext(functionName, { times = 1, when }) {
      knownFunction(functionName);
      if (!Number.isInteger(times) || times < 1)
        throw new TypeError('FC emulator: times must be a positive integer');
      const queue = functionFaults.get(functionName) ?? [];
      for (let i = 0; i < times; i += 1) queue.push(when);
      functionFaults.set(functionName, queue);
    },
    failRequests(count, fault) {
      for (let i = 0; i < count; i += 1) requestFaults.push(fault);
    },
    trigger,
    fireTimer(service, functionName, { triggerName, triggerTime, payload, qualifier }) {
      const time = triggerTime ?? new Date(clock()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const event: Record<string, string> = { triggerTime: time, triggerName };
      if (payload !== undefined) event.payload = payload;
      return trigger(service, functionName, JSON.stringify(event), qualifier);
    },
    idle() {
      if (closed || busy === 0) return Promise.resolve();
      return new Promise<void>((resolveIdle) => idleWaiters.push(resolveIdle));
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const finish of closers) finish();
      closers.clear();
      for (const resolveIdle of idleWaiters.splice(0)) resolveIdle();
      await new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      });
    },
  };
}
