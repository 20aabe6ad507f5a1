/**
 * Timer-triggered audit of every cluster in the configured regions. A thin shell: parse the timer
 * event, list the fleet with this invocation's role credentials, then either read every cluster
 * here or, for a fleet above IMAGEGW_SHARD_SIZE with IMAGEGW_WORKER_FUNCTION set, hand the reads
 * to `audit-worker` invocations (shared/fanout), which assemble the report and notify.
 */
import { realClock } from '../../shared/clock';
import { fanOut } from '../../shared/fanout/coordinator';
import { recoverAbandonedRuns } from '../../shared/fanout/recover';
import { type HandlerDeps, lazyAuditService, readDeadline } from '../../shared/fc/audit-service';
import { type DeliveryDeps, deliverRun, deliveryDeps } from '../../shared/fc/deliver-run';
import { credentialsFromContext, type FcContext, parseTimerEvent } from '../../shared/fc/events';
import { type AsyncInvoker, loadFc2Invoker, type WorkerAddress } from '../../shared/fc/invoker';
import { progressLogger } from '../../shared/fc/progress-log';
import { openStateStore } from '../../shared/state/open-store';
import { scheduledRunId } from './run-id';

export type ScheduledAuditDeps = HandlerDeps &
  Omit<DeliveryDeps, 'env' | 'baseDir'> & {
    /** How workers are invoked; default fc2, loaded only when a run fans out. */
    loadInvoker?: (address: WorkerAddress) => Promise<AsyncInvoker>;
  };

export function createHandler(deps: ScheduledAuditDeps) {
  const baseDir = deps.baseDir ?? __dirname;
  const getService = lazyAuditService({ ...deps, baseDir });
  const delivery = deliveryDeps(deps, baseDir);

  return async (event: Buffer, context: FcContext) => {
    // The function's whole time budget starts now, before the audit, not after it.
    const startedMs = (deps.notifyClock ?? realClock).now();
    const timer = parseTimerEvent(event);
    const audit = await getService(context);
    const runId = scheduledRunId(timer.triggerName, timer.triggerTime);
    const credentials = credentialsFromContext(context);
    const invocation = {
      requestId: context.requestId,
      credentials,
      startedMs,
      ...(context.function?.timeout === undefined ? {} : { timeoutSeconds: context.function.timeout }),
    };
    const staged = audit.staged({
      credentials,
      mode: 'scheduled',
      runId,
      deadline: readDeadline(startedMs, context.function?.timeout),
      onProgress: progressLogger({ requestId: context.requestId, runId }),
    });
    const startedAt = audit.now();
    const fanOutConfig = audit.config.fanOut;
    // An earlier fanned-out run that lost a worker is reported now, incomplete, before this run's news.
    const recovered = fanOutConfig
      ? await recoverAbandonedRuns(await openStateStore(audit.config.state, credentials), {
          policy: audit.policy,
          now: startedAt,
          by: context.requestId,
          currentRunId: runId,
        })
      : [];
    const recoveredRuns: Record<string, unknown>[] = [];
    for (const report of recovered) recoveredRuns.push(await deliverRun(report, audit, delivery, invocation));
    const withRecovered = (result: Record<string, unknown>) =>
      JSON.stringify(recoveredRuns.length > 0 ? { ...result, recoveredRuns } : result);

    const listing = await staged.list();
    if (!fanOutConfig || listing.targets.length <= fanOutConfig.shardSize) {
      // Per-cluster failures are in the result, not thrown: a throw would make FC re-run the audit.
      const finished = await staged.finish(listing, startedAt);
      const fanOutOff = audit.config.fanOutOff;
      const report = fanOutOff ? { ...finished, notices: [...finished.notices, fanOutOff] } : finished;
      if (fanOutOff)
        console.warn(JSON.stringify({ level: 'warn', event: 'audit.fan-out-off', reason: fanOutOff }));
      return withRecovered(await deliverRun(report, audit, delivery, invocation));
    }
    if (!context.accountId || !context.region) {
      throw new Error('fan-out needs the invocation context to name its accountId and region');
    }
    const address: WorkerAddress = {
      accountId: context.accountId,
      region: context.region,
      ...(fanOutConfig.service ? { service: fanOutConfig.service } : {}),
      functionName: fanOutConfig.functionName,
      qualifier: fanOutConfig.qualifier,
      ...(fanOutConfig.endpoint ? { endpoint: fanOutConfig.endpoint } : {}),
      credentials,
    };
    const { summary, report } = await fanOut({
      runId,
      mode: 'scheduled',
      startedAt,
      policy: audit.policy,
      listing,
      shardSize: fanOutConfig.shardSize,
      store: await openStateStore(audit.config.state, credentials),
      invoker: await (deps.loadInvoker ?? loadFc2Invoker)(address),
      by: context.requestId,
      now: audit.now,
    });
    console.log(
      JSON.stringify({ level: 'info', event: 'audit.fan-out', requestId: context.requestId, ...summary }),
    );
    if (!report) return withRecovered({ ...summary });
    return withRecovered({ ...summary, run: await deliverRun(report, audit, delivery, invocation) });
  };
}
