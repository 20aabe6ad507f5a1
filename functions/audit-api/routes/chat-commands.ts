/**
 * What a chat command does once its request is verified, the same for Slack and DingTalk: answer
 * `help`, `status` and `waivers` at once, and start an audit as an asynchronous job.
 */
import { HELP_TEXT, parseChatCommand } from '../../../shared/chat/commands';
import type { ReplyTarget } from '../../../shared/chat/reply';
import type { Env } from '../../../shared/config';
import type { AuditService } from '../../../shared/fc/audit-service';
import { credentialsFromContext, type FcContext } from '../../../shared/fc/events';
import { readRunHistory } from '../../../shared/report/history';
import { openStateStore } from '../../../shared/state/open-store';
import { dispatchChatJob, type InvokerLoader, startOnDemand } from '../on-demand';

export interface CommandInput {
  text: string;
  /** `slack:<team>:<user>` or `dingtalk:<corp>:<staff>`: the budget is per caller. */
  caller: string;
  reply: ReplyTarget;
}

export interface CommandDeps {
  env: Env;
  nowMs: () => number;
  loadInvoker?: InvokerLoader;
}

/** Returns the text to show the caller now. */
export async function answerCommand(
  input: CommandInput,
  audit: AuditService,
  context: FcContext,
  deps: CommandDeps,
): Promise<string> {
  const command = parseChatCommand(input.text);
  switch (command.kind) {
    case 'help':
      return HELP_TEXT;
    case 'invalid':
      return `Sorry: ${command.reason}.\n${HELP_TEXT}`;
    case 'waivers':
      return waiversText(audit, new Date(deps.nowMs()));
    case 'status':
      return statusText(audit, context);
    default:
      break;
  }
  const credentials = credentialsFromContext(context);
  const store = await openStateStore(audit.config.state, credentials);
  const nowMs = deps.nowMs();
  const started = await startOnDemand(store, input.caller, {
    nowMs,
    now: new Date(nowMs),
    leaseMs: (context.function?.timeout ?? 60) * 1000,
    budget: { max: audit.config.callerBudget, windowMs: 10 * 60_000 },
  });
  if (!started.started) {
    return started.reason === 'running'
      ? `An audit is already running (run ${started.runId}); its result will be posted when it is done.`
      : `You have started too many audits; try again in ${Math.ceil(started.retryAfterMs / 60_000)} minute(s).`;
  }
  const clusterId = command.kind === 'audit' ? command.clusterId : undefined;
  try {
    await dispatchChatJob(
      { runId: started.runId, caller: input.caller, reply: input.reply, ...(clusterId ? { clusterId } : {}) },
      context,
      deps.env,
      audit.config.fcEndpoint,
      credentials,
      deps.loadInvoker,
    );
  } catch (error) {
    await started.release();
    throw error;
  }
  return `Audit of ${clusterId ?? 'all clusters'} started (run ${started.runId}). The result will follow here.`;
}

function waiversText(audit: AuditService, now: Date): string {
  const waivers = audit.policy.waivers;
  if (waivers.length === 0) return 'The policy has no waivers.';
  return [
    `Waivers (${waivers.length}):`,
    ...waivers.map((waiver) => {
      const state = waiver.lastValidMs < now.getTime() ? 'EXPIRED' : `until ${waiver.expires}`;
      return `• ${waiver.label} ${waiver.rule} ${state}: ${waiver.reason}`;
    }),
  ].join('\n');
}

async function statusText(audit: AuditService, context: FcContext): Promise<string> {
  const store = await openStateStore(audit.config.state, credentialsFromContext(context));
  const [latest] = (await readRunHistory(store, 1)).slice(-1);
  if (!latest) return 'No run has been recorded yet. Try "audit all".';
  const { summary } = latest;
  return `Latest run ${latest.runId} (${latest.mode}, finished ${latest.finishedAt}${latest.complete ? '' : ', INCOMPLETE'}): ${summary.clusters} cluster(s), ${summary.violating} violating, ${summary.errors} not read, ${summary.findings} open finding(s).`;
}
