/**
 * Timer-triggered audit of every cluster in the configured regions. A thin shell: parse the timer
 * event, run the audit with this invocation's role credentials, post the summary, return it.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { type Clock, realClock } from '../../shared/clock';
import { type HandlerDeps, lazyAuditService, readDeadline } from '../../shared/fc/audit-service';
import { credentialsFromContext, type FcContext, parseTimerEvent } from '../../shared/fc/events';
import { progressLogger } from '../../shared/fc/progress-log';
import { notifyAndRecord } from '../../shared/notify/notify-report';
import { type DeliveryResult, postRunSummary, runSummaryPayload } from '../../shared/notify/summary-webhook';
import { redactSecrets } from '../../shared/redact';
import { openStateStore } from '../../shared/state/open-store';

export type ScheduledAuditDeps = HandlerDeps & {
  fetch?: typeof fetch;
  /** Time for chat delivery (rate limits, Retry-After); tests pass a fake one. */
  notifyClock?: Clock;
};

/**
 * FC retries a failed async invocation with the same event: a run id derived from the trigger
 * time lets receivers recognise the repeat.
 */
export function scheduledRunId(triggerName: string, triggerTime: string): string {
  const time = new Date(triggerTime);
  const stamp = Number.isNaN(time.getTime()) ? triggerTime : time.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${createHash('sha256').update(triggerName).digest('hex').slice(0, 4)}`;
}

export function createHandler(deps: ScheduledAuditDeps) {
  const getService = lazyAuditService({ ...deps, baseDir: deps.baseDir ?? __dirname });

  return async (event: Buffer, context: FcContext) => {
    // The function's whole time budget starts now, before the audit, not after it.
    const started = (deps.notifyClock ?? realClock).now();
    const timer = parseTimerEvent(event);
    const audit = await getService(context);
    const runId = scheduledRunId(timer.triggerName, timer.triggerTime);
    const credentials = credentialsFromContext(context);
    const report = await audit.run({
      credentials,
      mode: 'scheduled',
      runId,
      deadline: readDeadline(started, context.function?.timeout),
      onProgress: progressLogger({ requestId: context.requestId, runId }),
    });
    const timeoutMs = (context.function?.timeout ?? 60) * 1000;
    let notified = report;
    let notifyError: string | undefined;
    if (audit.config.channelsFile) {
      try {
        notified = await notifyAndRecord(
          report,
          {
            channelsFile: resolve(deps.baseDir ?? __dirname, audit.config.channelsFile),
            store: await openStateStore(audit.config.state, credentials),
            env: deps.env,
          },
          {
            ...(deps.fetch ? { fetch: deps.fetch } : {}),
            ...(deps.notifyClock ? { clock: deps.notifyClock } : {}),
            // Leave time to answer: what is not sent by then waits in the outbox for the next run.
            deadline: started + Math.max(0, timeoutMs - 15_000),
          },
        );
      } catch (error) {
        // A broken channels file must not lose the run: the summary still goes out, with the reason.
        notifyError = redactSecrets(error instanceof Error ? error.message : String(error));
        console.error(`[${context.requestId}] run ${report.runId}: notifications: ${notifyError}`);
      }
    }
    let delivery: DeliveryResult | undefined;
    if (audit.config.webhookUrl) {
      delivery = await postRunSummary(
        audit.config.webhookUrl,
        report,
        deps.fetch ? { fetch: deps.fetch } : {},
      );
      if (!delivery.delivered) console.error(`[${context.requestId}] run ${report.runId}: ${delivery.error}`);
    }
    // Per-cluster failures are in the result, not thrown: a throw would make FC re-run the audit.
    return JSON.stringify({
      ...runSummaryPayload(notified),
      ...(notified.notifications ? { notifications: notified.notifications } : {}),
      ...(notifyError ? { notificationError: notifyError } : {}),
      ...(delivery ? { delivery } : {}),
    });
  };
}

export const handler = createHandler({ env: process.env });
