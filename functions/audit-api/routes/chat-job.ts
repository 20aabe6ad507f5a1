/** The asynchronous half of a chat command: run the audit, post the result to the reply URL. */
import { replyTargetAllowed } from '../../../shared/chat/guards';
import type { ChatJob } from '../../../shared/chat/job';
import { postReply, reportReplyText } from '../../../shared/chat/reply';
import type { AuditService } from '../../../shared/fc/audit-service';
import { readDeadline } from '../../../shared/fc/audit-service';
import { credentialsFromContext, type FcContext } from '../../../shared/fc/events';
import { openStateStore } from '../../../shared/state/open-store';
import { resumeOnDemand } from '../on-demand';

export async function runChatJob(
  job: ChatJob,
  audit: AuditService,
  context: FcContext,
  options: { fetch?: typeof fetch; nowMs: () => number },
): Promise<Record<string, unknown>> {
  // The event comes from FC, but whoever may invoke the function could shape it: the reply URL is
  // held to the same hosts as on the HTTP routes, so findings never go anywhere else.
  if (!replyTargetAllowed(job.reply, audit.config.chatAllowLoopback)) {
    console.error(
      `[${context.requestId}] chat job ${job.runId}: reply URL refused (not the ${job.reply.service} service's)`,
    );
    return { runId: job.runId, started: false, error: 'reply URL refused' };
  }
  const credentials = credentialsFromContext(context);
  const store = await openStateStore(audit.config.state, credentials);
  const startedMs = options.nowMs();
  const timeoutMs = (context.function?.timeout ?? 60) * 1000;
  const lease = await resumeOnDemand(store, job.runId, startedMs, timeoutMs);
  if (!lease.acquired) {
    // Another run took over after this one's lease lapsed: say so instead of auditing twice.
    const reply = {
      service: job.reply.service,
      url: job.reply.url,
      ...(job.reply.expiresAt ? { expiresAt: job.reply.expiresAt } : {}),
    };
    await postReply(
      reply,
      `Run ${job.runId} was not started: run ${lease.holder ?? 'another'} is in progress.`,
      {
        nowMs: options.nowMs(),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      },
    );
    return { runId: job.runId, started: false };
  }
  try {
    const report = await audit.run({
      credentials,
      mode: 'on-demand',
      runId: job.runId,
      deadline: readDeadline(startedMs, context.function?.timeout),
      ...(job.clusterId ? { clusterIds: [job.clusterId] } : {}),
    });
    const what = job.clusterId ? `Audit of ${job.clusterId}` : 'Audit of all clusters';
    const reply = {
      service: job.reply.service,
      url: job.reply.url,
      ...(job.reply.expiresAt ? { expiresAt: job.reply.expiresAt } : {}),
    };
    const outcome = await postReply(reply, reportReplyText(report, what, job.reply.service), {
      nowMs: options.nowMs(),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    if (!outcome.delivered) console.error(`[${context.requestId}] run ${job.runId}: ${outcome.error}`);
    return { runId: job.runId, complete: report.complete, reply: outcome };
  } finally {
    await lease.release();
  }
}
