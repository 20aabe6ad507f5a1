/**
 * One shard of a fanned-out scheduled run (shared/fanout): invoked asynchronously by
 * `scheduled-audit`, one invocation per shard. It reads its clusters, writes their results to the
 * state store, and the worker that completes the run assembles the report and notifies.
 *
 * FC retries a failed async invocation with the same event and request id; the worker is
 * idempotent: a shard already written is not read again, an assembled run is not assembled twice.
 */

import { realClock } from '../../shared/clock';
import { tryAssemble } from '../../shared/fanout/assemble';
import { parseShardEvent, runShard } from '../../shared/fanout/worker';
import { type HandlerDeps, lazyAuditService, readDeadline } from '../../shared/fc/audit-service';
import { type DeliveryDeps, deliverRun, deliveryDeps } from '../../shared/fc/deliver-run';
import { credentialsFromContext, type FcContext } from '../../shared/fc/events';
import { progressLogger } from '../../shared/fc/progress-log';
import { openStateStore } from '../../shared/state/open-store';

export type AuditWorkerDeps = HandlerDeps & Omit<DeliveryDeps, 'env' | 'baseDir'>;

export function createHandler(deps: AuditWorkerDeps) {
  const baseDir = deps.baseDir ?? __dirname;
  const getService = lazyAuditService({ ...deps, baseDir });
  const delivery = deliveryDeps(deps, baseDir);

  return async (event: Buffer, context: FcContext) => {
    const startedMs = (deps.notifyClock ?? realClock).now();
    const shard = parseShardEvent(event);
    const audit = await getService(context);
    const credentials = credentialsFromContext(context);
    const store = await openStateStore(audit.config.state, credentials);
    const staged = audit.staged({
      credentials,
      mode: 'scheduled',
      runId: shard.runId,
      deadline: readDeadline(startedMs, context.function?.timeout),
      onProgress: progressLogger({ requestId: context.requestId, runId: shard.runId }),
    });
    const outcome = await runShard(shard, {
      store,
      policy: audit.policy,
      read: staged.read,
      by: context.requestId,
    });
    const report = await tryAssemble(store, shard.runId, context.requestId, audit.policy, audit.now());
    const result = { kind: 'imagegw-audit.shard-result', runId: shard.runId, shard: shard.shard, ...outcome };
    if (!report) return JSON.stringify(result);
    const run = await deliverRun(report, audit, delivery, {
      requestId: context.requestId,
      credentials,
      startedMs,
      ...(context.function?.timeout === undefined ? {} : { timeoutSeconds: context.function.timeout }),
    });
    return JSON.stringify({ ...result, assembled: true, run });
  };
}
