/**
 * Starting an on-demand audit, from `/audit` or a chat command: one at a time (a lease in the state
 * store; a second caller learns the running run's id), within the caller's budget, and for chat
 * as an asynchronous invocation of this same function.
 */
import { newRunId } from '../../shared/audit/report';
import { type CallerBudget, DEFAULT_CALLER_BUDGET, spendCallerBudget } from '../../shared/chat/guards';
import { CHAT_JOB_KIND, type ChatJob } from '../../shared/chat/job';
import type { ReplyTarget } from '../../shared/chat/reply';
import type { Credentials, Env } from '../../shared/config';
import type { FcContext } from '../../shared/fc/events';
import { type AsyncInvoker, loadFc2Invoker, type WorkerAddress } from '../../shared/fc/invoker';
import { acquireLease } from '../../shared/state/lease';
import type { StateStore } from '../../shared/state/store';

export const ON_DEMAND_LEASE = 'on-demand';

export type StartOutcome =
  | { started: true; runId: string; release: () => Promise<void> }
  | { started: false; reason: 'running'; runId: string }
  | { started: false; reason: 'budget'; retryAfterMs: number };

export async function startOnDemand(
  store: StateStore,
  caller: string,
  options: { nowMs: number; leaseMs: number; budget?: CallerBudget; now: Date },
): Promise<StartOutcome> {
  const runId = newRunId(options.now);
  const lease = await acquireLease(store, ON_DEMAND_LEASE, runId, options.leaseMs, options.nowMs);
  if (!lease.acquired) return { started: false, reason: 'running', runId: lease.holder ?? 'unknown' };
  const spent = await spendCallerBudget(
    store,
    caller,
    options.nowMs,
    options.budget ?? DEFAULT_CALLER_BUDGET,
  );
  if (!spent.allowed) {
    await lease.release();
    return { started: false, reason: 'budget', retryAfterMs: spent.retryAfterMs };
  }
  return { started: true, runId, release: lease.release };
}

/** Holds the lease again in the job's invocation (same holder: the run id) and releases it when done. */
export async function resumeOnDemand(store: StateStore, runId: string, nowMs: number, leaseMs: number) {
  return acquireLease(store, ON_DEMAND_LEASE, runId, leaseMs, nowMs);
}

export type InvokerLoader = (address: WorkerAddress) => Promise<AsyncInvoker>;

/** Hands the audit to an asynchronous invocation of this function (the chat route must answer in 3 s). */
export async function dispatchChatJob(
  job: { runId: string; clusterId?: string; caller: string; reply: ReplyTarget },
  context: FcContext,
  env: Env,
  fcEndpoint: string | undefined,
  credentials: Credentials,
  loadInvoker: InvokerLoader = loadFc2Invoker,
): Promise<void> {
  const functionName = env.IMAGEGW_SELF_FUNCTION?.trim() || context.function?.name;
  if (!functionName || !context.accountId || !context.region) {
    throw new Error('cannot invoke this function again: the context lacks its name, account or region');
  }
  const endpoint = fcEndpoint;
  const invoker = await loadInvoker({
    accountId: context.accountId,
    region: context.region,
    functionName,
    qualifier: 'LATEST',
    credentials,
    ...(endpoint ? { endpoint } : {}),
  });
  const event: ChatJob = {
    kind: CHAT_JOB_KIND,
    runId: job.runId,
    caller: job.caller,
    reply: job.reply,
    ...(job.clusterId ? { clusterId: job.clusterId } : {}),
  };
  await invoker.invokeAsync(JSON.stringify(event));
}
