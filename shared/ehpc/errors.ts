/**
 * The one error type of the E-HPC port, and the classification of whatever pop-core rejects with
 * (spec/cloud-apis.md §3, last table). Every message is built from safe parts and run through
 * `redactSecrets`: pop-core's own `message`, `url` and `entry` hold the signed URL (key id,
 * signature, STS token), and SignatureDoesNotMatch echoes them too, so none of those are kept.
 */
import { DeadlineReachedError } from '../deadline';
import { redactSecrets } from '../redact';
import { oneLine } from '../text';
import type { EhpcErrorKind } from './port';

export type { EhpcErrorKind } from './port';

export type EhpcAction = 'ListClusters' | 'DescribeImageGatewayConfig';

/** Transient on the service side: retry with backoff up to the attempt cap. */
const RETRY_CODES = new Set([
  'Throttling',
  'Throttling.User',
  'Throttling.Api',
  'ServiceUnavailable',
  'InternalError',
  'UnknownError',
  // pop-core draws a fresh nonce for every request, so a retry cures a collision.
  'SignatureNonceUsed',
]);

/**
 * Flow control says "slower", not "failed": a throttled call gets more tries than the configured
 * cap, so that heavy throttling (30% of calls) slows the audit down instead of dropping clusters.
 * Ten tries at 30% leave about one call in 170,000 unanswered, and that one becomes the cluster's
 * error (the run is incomplete), never a silent skip. The pace and the deadline bound the waiting.
 */
const THROTTLING_CODES = new Set(['Throttling', 'Throttling.User', 'Throttling.Api']);
const THROTTLED_ATTEMPTS = 10;

/** Failures of a backend the gateway called: worth one more try, then a per-cluster result. */
const RETRY_ONCE_CODES = new Set(['AliyunError', 'DbError', 'AgentError.Image.DescribeImagegwFailed']);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
]);

/** How many attempts in all an error allows, given the configured cap. */
export function attemptLimit(error: EhpcApiError, configured: number): number {
  if (!error.retryable) return 1;
  if (error.kind === 'api' && error.code !== undefined && RETRY_ONCE_CODES.has(error.code)) {
    return Math.min(2, configured);
  }
  if (error.kind === 'api' && error.code !== undefined && THROTTLING_CODES.has(error.code)) {
    return Math.max(THROTTLED_ATTEMPTS, configured);
  }
  return configured;
}

export function isRetryableCode(code: string): boolean {
  return RETRY_CODES.has(code) || RETRY_ONCE_CODES.has(code);
}

export interface EhpcCallContext {
  action: EhpcAction;
  region: string;
  clusterId?: string;
}

export interface EhpcApiErrorInit extends EhpcCallContext {
  kind: EhpcErrorKind;
  /** What went wrong, without the call context; redacted again here. */
  detail: string;
  retryable: boolean;
  code?: string;
  httpStatus?: number;
  requestId?: string;
}

export class EhpcApiError extends Error {
  override readonly name = 'EhpcApiError';
  readonly kind: EhpcErrorKind;
  readonly retryable: boolean;
  readonly action: EhpcAction;
  readonly region: string;
  // `declare`: optional facts that are unknown stay absent instead of becoming own undefined fields.
  /** The API's error code, e.g. `Throttling.User`; only for kind `api`. */
  // Not readonly: the client scrubs its own credentials' values out of them (pop-client.ts).
  declare code?: string;
  declare readonly httpStatus?: number;
  declare requestId?: string;
  declare readonly clusterId?: string;
  /** How many requests were made before giving up. */
  attempts = 1;

  constructor(rawInit: EhpcApiErrorInit) {
    // Code and request id come from the server's body: a hostile or broken endpoint can put
    // anything there, the signed request path included. Redacted, one line, bounded, like the rest.
    const init: EhpcApiErrorInit = {
      ...rawInit,
      ...(rawInit.code === undefined ? {} : { code: serverText(rawInit.code) }),
      ...(rawInit.requestId === undefined ? {} : { requestId: serverText(rawInit.requestId) }),
    };
    const where = init.clusterId === undefined ? init.region : `${init.region}, ${init.clusterId}`;
    const facts = [
      init.code,
      init.httpStatus === undefined ? undefined : `HTTP ${init.httpStatus}`,
      init.requestId === undefined ? undefined : `RequestId ${init.requestId}`,
    ].filter((fact) => fact !== undefined);
    super(
      redactSecrets(
        `${init.action} (${where}) failed [${init.kind}${facts.length ? `, ${facts.join(', ')}` : ''}]: ${init.detail}`,
      ),
    );
    this.kind = init.kind;
    this.retryable = init.retryable;
    this.action = init.action;
    this.region = init.region;
    if (init.code !== undefined) this.code = init.code;
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.clusterId !== undefined) this.clusterId = init.clusterId;
  }

  /** A record safe to log or post: the same facts, message included (Error.message is not enumerable). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      code: this.code,
      httpStatus: this.httpStatus,
      requestId: this.requestId,
      retryable: this.retryable,
      action: this.action,
      region: this.region,
      clusterId: this.clusterId,
      attempts: this.attempts,
      message: this.message,
    };
  }
}

const serverText = (text: string) => oneLine(redactSecrets(text), 100);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function statusOf(rejection: Record<string, unknown>): number | undefined {
  const entry = rejection.entry;
  if (!isRecord(entry) || !isRecord(entry.response)) return undefined;
  const status = entry.response.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Turns anything pop-core (or httpx, or json-bigint) rejected with into an EhpcApiError. The input
 * is `unknown` on purpose: JSON parse failures arrive as plain objects without a stack.
 */
export function classifyRejection(rejection: unknown, context: EhpcCallContext): EhpcApiError {
  if (rejection instanceof EhpcApiError) return rejection;
  const base = { ...context };
  if (rejection instanceof DeadlineReachedError) {
    return new EhpcApiError({ ...base, kind: 'deadline', retryable: false, detail: rejection.message });
  }
  if (!isRecord(rejection)) {
    return new EhpcApiError({
      ...base,
      kind: 'unknown',
      retryable: false,
      detail: `non-object rejection (${typeof rejection})`,
    });
  }
  const { data, code, name } = rejection;

  if (isRecord(data) && (typeof code === 'string' || typeof code === 'number')) {
    const apiCode = String(code);
    const init: EhpcApiErrorInit = {
      ...base,
      kind: 'api',
      code: apiCode,
      retryable: isRetryableCode(apiCode),
      // The body's Message, never err.message (which appends the signed URL).
      detail: stringField(data, 'Message') ?? '(no message)',
    };
    const status = statusOf(rejection);
    if (status !== undefined) init.httpStatus = status;
    const requestId = stringField(data, 'RequestId');
    if (requestId !== undefined) init.requestId = requestId;
    return new EhpcApiError(init);
  }

  const message = typeof rejection.message === 'string' ? rejection.message : '';
  if (name === 'RequestTimeoutError') {
    return new EhpcApiError({ ...base, kind: 'timeout', retryable: true, detail: `timed out: ${message}` });
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    return new EhpcApiError({ ...base, kind: 'network', retryable: true, detail: `${code}: ${message}` });
  }
  if (!(rejection instanceof Error) && name === 'SyntaxError' && 'text' in rejection) {
    // json-bigint's error object carries the whole body in `text`; only its size is reported.
    const size = typeof rejection.text === 'string' ? rejection.text.length : 0;
    return new EhpcApiError({
      ...base,
      kind: 'bad-response',
      retryable: true,
      detail: `response body is not JSON (${message || 'parse error'}; ${size} characters)`,
    });
  }
  if (rejection instanceof TypeError) {
    // pop-core reads `json.Code` off whatever parsed, so a literal `null` body lands here.
    return new EhpcApiError({
      ...base,
      kind: 'bad-response',
      retryable: true,
      detail: `unusable response body (${message})`,
    });
  }
  return new EhpcApiError({
    ...base,
    kind: 'unknown',
    retryable: false,
    detail: `${typeof name === 'string' ? name : 'error'}: ${message}`,
  });
}
