import type { Clock } from '../clock';
import { redactSecrets } from '../redact';
import {
  type Channel,
  type ChannelDriver,
  describeChannelUrl,
  type HttpRequestSpec,
  type OutgoingPart,
  type SendOutcome,
} from './channel';
import { PartRequestError } from './drivers/common';

/**
 * One attempt to post one part (spec/chat-protocols.md §1.9, §13.2): the driver builds the request
 * with the run's clock, fetch posts it without following redirects under a timeout that covers the
 * body read, and the driver reads the answer. Messages never carry the channel URL, its token or
 * the signing secret.
 */

export interface SendDeps {
  fetch?: typeof fetch;
  clock: Clock;
  /** Covers connecting, sending, the headers and the body of the answer. Default 15 s (§8.4). */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
/** More of an answer than any service sends; the rest is not read. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Error codes (of the error or its cause) meaning no connection was made: nothing was sent. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** The connection dropped before any answer: the service did not say it took the post. */
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);
const TLS = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/** A path segment that may be a token (a hook id, Slack's T…/B…/secret), not a word like `webhook`. */
const looksLikeToken = (segment: string) =>
  segment.length >= 16 || (segment.length >= 8 && /\d/.test(segment));

/** Replaces everything secret about a channel in `text`, then applies the general redaction. */
export function scrubChannel(text: string, channel: Channel, spec?: HttpRequestSpec): string {
  const secrets = new Set<string>();
  const addUrl = (raw: string) => {
    secrets.add(raw);
    try {
      const url = new URL(raw);
      secrets.add(url.href);
      if (url.pathname.length > 1) secrets.add(`${url.pathname}${url.search}`);
      if (url.search) secrets.add(url.search);
      // Tokens: hook tokens and Slack's path segments, access_token/key/sign values.
      for (const segment of url.pathname.split('/')) if (looksLikeToken(segment)) secrets.add(segment);
      for (const value of url.searchParams.values()) if (value.length >= 4) secrets.add(value);
      for (const value of url.search.slice(1).split('&')) {
        const raw = value.slice(value.indexOf('=') + 1);
        if (raw.length >= 4) secrets.add(raw);
      }
    } catch {
      // not a URL: the raw text alone is replaced
    }
  };
  addUrl(channel.url);
  if (spec) addUrl(spec.url);
  if (channel.secret) secrets.add(channel.secret);
  if (spec?.headers['webhook-signature']) secrets.add(spec.headers['webhook-signature']);
  const described = describeChannelUrl(channel.url);
  let out = text;
  // Longest first, so a whole URL is replaced before its parts.
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    out = out
      .split(secret)
      .join(secret === channel.url || secret.startsWith('http') ? described : '[redacted]');
  }
  return redactSecrets(out);
}

function scrubOutcome(outcome: SendOutcome, channel: Channel, spec?: HttpRequestSpec): SendOutcome {
  return outcome.status === 'delivered'
    ? outcome
    : { ...outcome, message: scrubChannel(outcome.message, channel, spec) };
}

interface ErrorInfo {
  name: string;
  code: string | undefined;
  message: string;
}

/** The error and its causes (undici: TypeError('fetch failed') caused by the socket error). */
function errorChain(error: unknown): ErrorInfo[] {
  const chain: ErrorInfo[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth += 1) {
    if (typeof current !== 'object') {
      chain.push({ name: 'Error', code: undefined, message: String(current) });
      break;
    }
    const e = current as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    chain.push({
      name: typeof e.name === 'string' ? e.name : 'Error',
      code: typeof e.code === 'string' ? e.code : undefined,
      message: typeof e.message === 'string' ? e.message : String(current),
    });
    current = e.cause;
  }
  return chain;
}

const describeError = (chain: readonly ErrorInfo[]) =>
  chain.map((e) => `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}`).join(' <- ');

const isTimeout = (chain: readonly ErrorInfo[]) =>
  chain.some(
    (e) =>
      e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT',
  );

/** A failure before any answer arrived. */
function beforeAnswer(error: unknown, where: string, timeoutMs: number): SendOutcome {
  const chain = errorChain(error);
  const detail = describeError(chain);
  const codes = chain.map((e) => e.code).filter((code): code is string => code !== undefined);
  const notConnected = codes.find((code) => NOT_CONNECTED.has(code));
  if (notConnected) {
    const code = notConnected === 'ECONNREFUSED' ? 'connection_refused' : notConnected.toLowerCase();
    return { status: 'retry', code, message: `could not connect to ${where}: ${detail}` };
  }
  if (isTimeout(chain)) {
    // Connecting has its own, shorter, timeout (UND_ERR_CONNECT_TIMEOUT above): this one most
    // likely fired while the service held a post it had received. It may have been accepted.
    return {
      status: 'uncertain',
      code: 'timeout',
      message: `no answer from ${where} within ${timeoutMs} ms; the post may have been accepted: ${detail}`,
    };
  }
  const reset =
    codes.find((code) => RESET.has(code)) ??
    (/other side closed|socket hang up/i.test(detail) ? 'ECONNRESET' : undefined);
  if (reset) {
    return {
      status: 'retry',
      code: 'connection_reset',
      message: `${where} closed the connection before answering: ${detail}`,
    };
  }
  const tls = codes.find((code) => TLS.test(code));
  if (tls) {
    return { status: 'failed', code: 'tls', message: `TLS with ${where} failed: ${detail}` };
  }
  const badRequest =
    codes.some((code) => code.startsWith('ERR_INVALID_')) ||
    chain.some((e) => e.message === 'bad port') ||
    (chain[0]?.name === 'TypeError' && chain.length === 1);
  if (badRequest) {
    // fetch rejects a bad URL or header before sending anything: a configuration problem.
    return {
      status: 'failed',
      code: 'bad_request',
      message: `the request to ${where} could not be made: ${detail}`,
    };
  }
  return { status: 'retry', code: 'network', message: `posting to ${where} failed: ${detail}` };
}

/** Reads at most MAX_ANSWER_BYTES of the answer (the timeout signal still covers the read). */
async function readAnswer(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size >= MAX_ANSWER_BYTES) {
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}

export async function sendPart(
  driver: ChannelDriver,
  channel: Channel,
  part: OutgoingPart,
  deps: SendDeps,
): Promise<SendOutcome> {
  const where = `${channel.name} at ${describeChannelUrl(channel.url)}`;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = deps.fetch ?? fetch;

  let spec: HttpRequestSpec;
  try {
    spec = driver.request(channel, part, deps.clock.now());
  } catch (error) {
    const code = error instanceof PartRequestError ? error.code : 'bad_config';
    const detail = describeError(errorChain(error));
    return scrubOutcome(
      { status: 'failed', code, message: `part ${part.index}/${part.total} for ${where}: ${detail}` },
      channel,
    );
  }

  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await doFetch(spec.url, {
      method: 'POST',
      headers: spec.headers,
      body: spec.body,
      redirect: 'manual', // §1.9: a webhook endpoint's 3xx is never followed
      signal,
    });
  } catch (error) {
    return scrubOutcome(beforeAnswer(error, where, timeoutMs), channel, spec);
  }

  let body: string;
  try {
    body = await readAnswer(response);
  } catch (error) {
    const detail = describeError(errorChain(error));
    // The service has answered, so it had the whole post. A 429 or 5xx is still "not taken";
    // anything else may be a success we could not read.
    if (response.status === 429 || response.status >= 500) {
      return scrubOutcome(driver.interpret(response.status, response.headers, ''), channel, spec);
    }
    const timedOut = isTimeout(errorChain(error)) || signal.aborted;
    return scrubOutcome(
      {
        status: 'uncertain',
        code: timedOut ? 'timeout' : 'answer_lost',
        message: `${where} answered HTTP ${response.status} but its body ${timedOut ? `did not arrive within ${timeoutMs} ms` : 'was cut off'}; the post may have been accepted: ${detail}`,
      },
      channel,
      spec,
    );
  }

  let outcome: SendOutcome;
  try {
    outcome = driver.interpret(response.status, response.headers, body);
  } catch (error) {
    outcome = {
      status: 'uncertain',
      code: 'interpret_error',
      message: `the answer of ${where} (HTTP ${response.status}) could not be read: ${describeError(errorChain(error))}`,
    };
  }
  return scrubOutcome(outcome, channel, spec);
}
