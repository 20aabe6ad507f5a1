/** `POST /chat/slack`: a Slack slash command (spec/chat-protocols.md §9). */
import { replyTargetAllowed } from '../../../shared/chat/guards';
import { verifySlack } from '../../../shared/chat/verify';
import type { AuditService } from '../../../shared/fc/audit-service';
import { type FcContext, type HttpRequest, type HttpResponse, jsonResponse } from '../../../shared/fc/events';
import { answerCommand, type CommandDeps } from './chat-commands';

export async function slackCommand(
  request: HttpRequest,
  context: FcContext,
  getAudit: () => Promise<AuditService>,
  deps: CommandDeps,
): Promise<HttpResponse> {
  const secret = deps.env.SLACK_SIGNING_SECRET?.trim();
  if (!secret) return jsonResponse(503, { error: 'Slack commands are off: set SLACK_SIGNING_SECRET' });
  const verdict = verifySlack(request.headers, request.body, secret, deps.nowMs());
  // §9.2: a mismatch is 401 with an empty body; nothing of the body is read before this point.
  if (!verdict.ok) return { statusCode: 401, headers: {}, isBase64Encoded: false, body: '' };
  const form = new URLSearchParams(request.body.toString('utf8'));
  const user = form.get('user_id') ?? '';
  const team = form.get('team_id') ?? '';
  const allowed = allowList(deps.env.IMAGEGW_CHAT_USERS);
  if (allowed && !allowed.includes(user)) return ephemeral('You are not allowed to run audit commands.');
  const responseUrl = form.get('response_url') ?? '';
  const audit = await getAudit();
  if (!replyTargetAllowed({ service: 'slack', url: responseUrl }, audit.config.chatAllowLoopback)) {
    return jsonResponse(400, { error: 'response_url is not a Slack URL' });
  }
  const text = await answerCommand(
    {
      text: form.get('text') ?? '',
      caller: `slack:${team}:${user}`,
      reply: { service: 'slack', url: responseUrl },
    },
    audit,
    context,
    deps,
  );
  return ephemeral(text);
}

function ephemeral(text: string): HttpResponse {
  return jsonResponse(200, { response_type: 'ephemeral', text });
}

/** `IMAGEGW_CHAT_USERS`: comma-separated user ids allowed to run commands; unset lets everyone in the workspace. */
export function allowList(text: string | undefined): string[] | undefined {
  const users = (text ?? '')
    .split(',')
    .map((user) => user.trim())
    .filter(Boolean);
  return users.length > 0 ? users : undefined;
}
