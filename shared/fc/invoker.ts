import type { Credentials } from '../config';

/**
 * How the scheduled function hands a shard to `audit-worker`: one asynchronous invocation. The
 * only implementation today is fc2 (`fc2-invoker.ts`, a lazy module: the SDK is heavy and only
 * fan-out needs it); an FC 3.0 client could replace it behind this interface
 * (docs/decisions/0001-invoking-fc3-functions-with-fc2.md).
 */
export interface AsyncInvoker {
  /** Resolves once FC has accepted the invocation (it runs later); rejects with an InvokeError. */
  invokeAsync(event: string): Promise<{ requestId?: string }>;
}

/** Where the worker is and who calls it. */
export interface WorkerAddress {
  accountId: string;
  /** The FC region of the worker (the calling function's own region). */
  region: string;
  /**
   * Unset: an FC 3.0 function (what s.yaml deploys), reached on `/2023-03-30/functions/<fn>`. Set:
   * an FC 2.0 service, reached on `/2016-08-15/services/<service>/functions/<fn>`.
   */
  service?: string;
  functionName: string;
  /** Version or alias (default `LATEST`). */
  qualifier?: string;
  /** Overrides `https://<account>.<region>.fc.aliyuncs.com` (the FC emulator, an internal endpoint). */
  endpoint?: string;
  credentials: Credentials;
  timeoutMs?: number;
}

/** A one-line, redacted invocation failure; `retryable` says whether a later try may succeed. */
export class InvokeError extends Error {
  override readonly name = 'InvokeError';
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Loads fc2 on first use only: a run that does not fan out never pays for it. */
export async function loadFc2Invoker(address: WorkerAddress): Promise<AsyncInvoker> {
  const { createFc2Invoker } = await import('./fc2-invoker');
  return createFc2Invoker(address);
}
