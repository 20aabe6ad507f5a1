/**
 * Answers to chat commands: the text of a result, and posting it to the reply URL the command
 * came with (Slack `response_url`, DingTalk `sessionWebhook`). Failures are returned, not thrown,
 * and never quote the URL: both are credentials of a sort.
 */
import type { Report } from '../audit/types';
import { escapeText } from '../notify/render';

export interface ReplyTarget {
  service: 'slack' | 'dingtalk';
  url: string;
  /** DingTalk's `sessionWebhookExpiredTime` (epoch ms): after it the session cannot be used. */
  expiresAt?: number;
}

export type ReplyOutcome = { delivered: true } | { delivered: false; error: string };

const MAX_LINES = 12;

/**
 * Text from the report (finding messages quote the gateway's configuration) is made inert for the
 * service: one line each (a forged line could pose as a result), and for Slack `&`, `<` and `>`
 * escaped so `<!channel>` or `<https://evil|renew>` stay text. The same escaping as the digests.
 */
function inert(text: string, service: ReplyTarget['service']): string {
  return escapeText(text, service === 'slack' ? 'slack-mrkdwn' : 'plain');
}

/** A short account of a run for chat: status, counts, the first findings, what was not read. */
export function reportReplyText(report: Report, what: string, service: ReplyTarget['service']): string {
  const { summary } = report;
  const lines = [
    `${what}: ${summary.clusters} cluster(s), ${summary.violating} violating, ${summary.errors} not read, ${summary.findings} open finding(s)${summary.waived ? `, ${summary.waived} waived` : ''} (run ${report.runId}).`,
  ];
  if (!report.complete) {
    lines.push(`Incomplete: ${inert(report.incompleteReasons.slice(0, 3).join('; '), service)}`);
  }
  const open = report.findings.filter((finding) => !finding.waived);
  for (const finding of open.slice(0, MAX_LINES)) {
    lines.push(
      `• [${finding.severity}] ${inert(`${finding.clusterId} ${finding.ruleId}: ${finding.message}`, service)}`,
    );
  }
  if (open.length > MAX_LINES) lines.push(`… and ${open.length - MAX_LINES} more in the report.`);
  return lines.join('\n');
}

export async function postReply(
  target: ReplyTarget,
  text: string,
  options: { fetch?: typeof fetch; nowMs: number; timeoutMs?: number },
): Promise<ReplyOutcome> {
  if (target.expiresAt !== undefined && options.nowMs >= target.expiresAt) {
    return {
      delivered: false,
      error: `the ${target.service} reply session expired before the result was ready`,
    };
  }
  const body =
    target.service === 'slack'
      ? { response_type: 'in_channel', text }
      : { msgtype: 'text', text: { content: text } };
  try {
    const response = await (options.fetch ?? fetch)(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const answer = await response.text();
    if (!response.ok)
      return { delivered: false, error: `${target.service} answered HTTP ${response.status}` };
    if (target.service === 'dingtalk') {
      // DingTalk says "failed" inside a 200 (spec §1.1).
      const code = (() => {
        try {
          return (JSON.parse(answer) as { errcode?: unknown }).errcode;
        } catch {
          return undefined;
        }
      })();
      if (code !== 0) return { delivered: false, error: `dingtalk answered errcode ${String(code)}` };
    }
    return { delivered: true };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'error';
    return { delivered: false, error: `posting the ${target.service} reply failed: ${name}` };
  }
}
