/**
 * The one file importing @alicloud/fc2 (FC API 2016-08-15, spec/cloud-apis.md §4). Built as a lazy
 * module (scripts/build.mjs): only a fanned-out run loads it, through `loadFc2Invoker`.
 *
 * What the SDK leaves to its caller: the key id is `accessKeyID` (capital ID) and STS keys need
 * `securityToken`; plain HTTP is its default, so HTTPS is asked for; a function error comes back as
 * a 2xx with `x-fc-error-type`, not a rejection; its rejections name the error code only in `name`
 * and `code`, and FC's messages may quote the key id, so every message is redacted.
 */
import FCClient from '@alicloud/fc2';
import { backoffDelay, type RetryOptions, retryPolicy } from '../ehpc/retry';
import { redactSecrets, scrubKnownValues } from '../redact';
import { type AsyncInvoker, InvokeError, type WorkerAddress } from './invoker';

/** Throttling and service-side trouble: FC or the network may accept the same call a moment later. */
const RETRYABLE_CODES = new Set([
  'ResourceExhausted',
  'ResourceThrottled',
  'InternalServerError',
  'ServiceUnavailable',
]);
const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ESOCKETTIMEDOUT',
]);

function classify(rejection: unknown, address: WorkerAddress): InvokeError {
  if (rejection instanceof InvokeError) return rejection;
  const failure = (typeof rejection === 'object' && rejection !== null ? rejection : {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
  };
  const code = typeof failure.code === 'string' ? failure.code : undefined;
  const name = typeof failure.name === 'string' ? failure.name : 'Error';
  const status =
    typeof failure.message === 'string' ? /failed with (\d{3})/.exec(failure.message)?.[1] : undefined;
  const retryable =
    (code !== undefined && (RETRYABLE_CODES.has(code) || RETRYABLE_NETWORK.has(code))) ||
    (status !== undefined && (status === '429' || status.startsWith('5'))) ||
    name === 'RequestTimeoutError' ||
    name === 'SyntaxError';
  return new InvokeError(
    scrub(
      `invoking ${target(address)} failed: ${code ?? name}${status ? ` (HTTP ${status})` : ''}${
        typeof failure.message === 'string' ? `: ${failure.message.split('\n')[0]?.slice(0, 300)}` : ''
      }`,
      address,
    ),
    code ?? (status ? `HTTP${status}` : name),
    retryable,
  );
}

const target = (address: WorkerAddress) =>
  address.service === undefined
    ? `function ${address.functionName} (${address.qualifier ?? 'LATEST'})`
    : `${address.service}.${address.qualifier ?? 'LATEST'}/${address.functionName}`;

/** FC 3.0's API version: paths without services (docs/decisions/0001, option d). */
const FC3_API_VERSION = '2023-03-30';

function scrub(text: string, address: WorkerAddress): string {
  const { accessKeyId, accessKeySecret, securityToken } = address.credentials;
  return redactSecrets(scrubKnownValues(text, [securityToken, accessKeySecret, accessKeyId])).replace(
    /\s+/g,
    ' ',
  );
}

export function createFc2Invoker(address: WorkerAddress, retry: RetryOptions = {}): AsyncInvoker {
  const { accessKeyId, accessKeySecret, securityToken } = address.credentials;
  const config: FCClient.Config = {
    accessKeyID: accessKeyId,
    accessKeySecret,
    region: address.region,
    secure: address.endpoint === undefined || address.endpoint.startsWith('https:'),
    timeout: address.timeoutMs ?? 10_000,
    headers: { 'x-fc-invocation-type': 'Async' },
    ...(securityToken ? { securityToken } : {}),
    ...(address.endpoint ? { endpoint: address.endpoint } : {}),
  };
  let client: FCClient;
  try {
    client = new FCClient(address.accountId, config);
    // A client of its own, so changing the version here affects no other caller (the fc3 component does the same).
    if (address.service === undefined) client.version = FC3_API_VERSION;
  } catch (error) {
    // The constructor's TypeErrors name a missing setting; nothing secret is in them, but scrub anyway.
    throw new InvokeError(
      scrub(
        `cannot create the FC client: ${error instanceof Error ? error.message : String(error)}`,
        address,
      ),
      'config',
      false,
    );
  }
  const policy = retryPolicy({ attempts: 4, ...retry });
  return {
    async invokeAsync(event) {
      for (let tried = 1; ; tried += 1) {
        try {
          const qualifier = address.qualifier ?? 'LATEST';
          const response =
            address.service === undefined
              ? await client.post(
                  `/functions/${encodeURIComponent(address.functionName)}/invocations`,
                  event,
                  {},
                  { qualifier },
                )
              : await client.invokeFunction(address.service, address.functionName, event, {}, qualifier);
          const errorType = response.headers['x-fc-error-type'];
          if (errorType !== undefined) {
            // An async invocation is accepted before it runs, so this means FC ran it synchronously.
            throw new InvokeError(
              `invoking ${target(address)} failed: ${String(errorType)}`,
              String(errorType),
              false,
            );
          }
          const requestId = response.headers['x-fc-request-id'];
          return typeof requestId === 'string' ? { requestId } : {};
        } catch (rejection) {
          const error = classify(rejection, address);
          if (!error.retryable || tried >= policy.attempts) throw error;
          await policy.sleep(backoffDelay(policy, tried));
        }
      }
    },
  };
}
