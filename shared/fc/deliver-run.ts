import { resolve } from 'node:path';
import type { Report } from '../audit/types';
import type { Clock } from '../clock';
import type { Credentials, Env } from '../config';
import { notifyAndRecord } from '../notify/notify-report';
import { type DeliveryResult, postRunSummary, runSummaryPayload } from '../notify/summary-webhook';
import { redactSecrets } from '../redact';
import { recordRun } from '../report/latest';
import { openStateStore } from '../state/open-store';
import type { AuditService } from './audit-service';

export interface DeliveryDeps {
  env: Env;
  /** Where a relative IMAGEGW_CHANNELS_FILE resolves: the bundle's folder. */
  baseDir: string;
  fetch?: typeof fetch;
  /** Time for chat delivery (rate limits, Retry-After); tests pass a fake one. */
  notifyClock?: Clock;
}

/** The delivery settings of a function's handler from its dependencies. */
export function deliveryDeps(
  deps: { env: Env; fetch?: typeof fetch; notifyClock?: Clock },
  baseDir: string,
): DeliveryDeps {
  return {
    env: deps.env,
    baseDir,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.notifyClock ? { notifyClock: deps.notifyClock } : {}),
  };
}

/**
 * What a finished run does before its invocation returns, wherever it finished (the scheduled
 * function, or the worker that assembled a fanned-out run): chat digests (IMAGEGW_CHANNELS_FILE),
 * the summary webhook (IMAGEGW_WEBHOOK_URL), and the JSON result. Everything is awaited: FC freezes
 * the instance once the handler returns. Failures are in the result, never thrown: a throw would
 * make FC run the invocation again.
 */
export async function deliverRun(
  report: Report,
  audit: AuditService,
  deps: DeliveryDeps,
  invocation: { requestId: string; credentials: Credentials; startedMs: number; timeoutSeconds?: number },
): Promise<Record<string, unknown>> {
  const timeoutMs = (invocation.timeoutSeconds ?? 60) * 1000;
  const store = await openStateStore(audit.config.state, invocation.credentials);
  let recordError: string | undefined;
  try {
    await recordRun(store, report);
  } catch (error) {
    // The page's data is lost for this run, the run itself is not: digests and the summary still go out.
    recordError = redactSecrets(error instanceof Error ? error.message : String(error));
    console.error(`[${invocation.requestId}] run ${report.runId}: recording the run: ${recordError}`);
  }
  let notified = report;
  let notifyError: string | undefined;
  if (audit.config.channelsFile) {
    try {
      notified = await notifyAndRecord(
        report,
        {
          channelsFile: resolve(deps.baseDir, audit.config.channelsFile),
          store,
          env: deps.env,
        },
        {
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
          ...(deps.notifyClock ? { clock: deps.notifyClock } : {}),
          // Leave time to answer: what is not sent by then waits in the outbox for the next run.
          deadline: invocation.startedMs + Math.max(0, timeoutMs - 15_000),
        },
      );
    } catch (error) {
      // A broken channels file must not lose the run: the summary still goes out, with the reason.
      notifyError = redactSecrets(error instanceof Error ? error.message : String(error));
      console.error(`[${invocation.requestId}] run ${report.runId}: notifications: ${notifyError}`);
    }
  }
  let delivery: DeliveryResult | undefined;
  if (audit.config.webhookUrl) {
    delivery = await postRunSummary(audit.config.webhookUrl, report, deps.fetch ? { fetch: deps.fetch } : {});
    if (!delivery.delivered)
      console.error(`[${invocation.requestId}] run ${report.runId}: ${delivery.error}`);
  }
  return {
    ...runSummaryPayload(notified),
    ...(notified.notifications ? { notifications: notified.notifications } : {}),
    ...(notifyError ? { notificationError: notifyError } : {}),
    ...(recordError ? { recordError } : {}),
    ...(delivery ? { delivery } : {}),
  };
}
