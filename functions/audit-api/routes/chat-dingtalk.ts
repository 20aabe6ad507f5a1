/**
 * `POST /chat/dingtalk`: a DingTalk outgoing robot (spec/chat-protocols.md §10). Its signature
 * covers only the timestamp, so a verified request is still untrusted: a pair seen before is
 * refused (state store), the corp and sender are checked, and the reply goes only to DingTalk's
 * own session host.
 */
import { z } from 'zod';
import { firstSighting, replyTargetAllowed } from '../../../shared/chat/guards';
import { postReply, type ReplyTarget } from '../../../shared/chat/reply';
import { DINGTALK_SIGNATURE_WINDOW_MS, verifyDingTalk } from '../../../shared/chat/verify';
import type { AuditService } from '../../../shared/fc/audit-service';
import {
  credentialsFromContext,
  type FcContext,
  type HttpRequest,
  type HttpResponse,
  jsonResponse,
} from '../../../shared/fc/events';
import { openStateStore } from '../../../shared/state/open-store';
import { answerCommand, type CommandDeps } from './chat-commands';
import { allowList } from './chat-slack';

const messageSchema = z.object({
  msgtype: z.string().optional(),
  text: z.object({ content: z.string().max(2000) }).optional(),
  msgId: z.string().min(1).max(200),
  senderStaffId: z.string().max(200).optional(),
  senderCorpId: z.string().max(200).optional(),
  chatbotCorpId: z.string().max(200).optional(),
  sessionWebhook: z.string().max(2000),
  sessionWebhookExpiredTime: z.number().int().optional(),
});

export async function dingTalkCommand(
  request: HttpRequest,
  context: FcContext,
  getAudit: () => Promise<AuditService>,
  deps: CommandDeps & { fetch?: typeof fetch },
): Promise<HttpResponse> {
  const secret = deps.env.DINGTALK_APP_SECRET?.trim();
  if (!secret) return jsonResponse(503, { error: 'DingTalk commands are off: set DINGTALK_APP_SECRET' });
  const nowMs = deps.nowMs();
  const verdict = verifyDingTalk(request.headers, secret, nowMs);
  if (!verdict.ok) return jsonResponse(401, { error: 'signature check failed' });
  let message: z.infer<typeof messageSchema>;
  try {
    const parsed = messageSchema.safeParse(JSON.parse(request.body.toString('utf8')));
    if (!parsed.success)
      return jsonResponse(400, { error: `body: ${parsed.error.issues[0]?.path.join('.') || 'invalid'}` });
    message = parsed.data;
  } catch {
    return jsonResponse(400, { error: 'body: not JSON' });
  }
  const audit = await getAudit();
  const store = await openStateStore(audit.config.state, credentialsFromContext(context));
  const pair = `${request.headers.timestamp}:${request.headers.sign}`;
  if (!(await firstSighting(store, pair, nowMs, DINGTALK_SIGNATURE_WINDOW_MS))) {
    return jsonResponse(401, { error: 'this signature was already used: replayed request refused' });
  }
  const corp = deps.env.IMAGEGW_DINGTALK_CORP_ID?.trim();
  if (corp && (message.chatbotCorpId !== corp || message.senderCorpId !== corp)) {
    return jsonResponse(403, { error: 'the message is not from this organisation' });
  }
  if (
    !replyTargetAllowed({ service: 'dingtalk', url: message.sessionWebhook }, audit.config.chatAllowLoopback)
  ) {
    return jsonResponse(400, { error: 'sessionWebhook is not a DingTalk session URL' });
  }
  if ((message.msgtype === undefined || message.msgtype === 'text') && message.text === undefined) {
    return jsonResponse(400, { error: 'body: text.content is missing' });
  }
  const reply: ReplyTarget = {
    service: 'dingtalk',
    url: message.sessionWebhook,
    ...(message.sessionWebhookExpiredTime ? { expiresAt: message.sessionWebhookExpiredTime } : {}),
  };
  const allowed = allowList(deps.env.IMAGEGW_CHAT_USERS);
  const text =
    allowed && !allowed.includes(message.senderStaffId ?? '')
      ? 'You are not allowed to run audit commands.'
      : message.msgtype !== undefined && message.msgtype !== 'text'
        ? 'Send a text message, e.g. "help".'
        : await answerCommand(
            {
              text: message.text?.content ?? '',
              caller: `dingtalk:${message.senderCorpId ?? ''}:${message.senderStaffId ?? ''}`,
              reply,
            },
            audit,
            context,
            deps,
          );
  // DingTalk may not post what the HTTP answer says (§10.5): the answer goes through the session.
  const outcome = await postReply(reply, text, { nowMs, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  return jsonResponse(200, outcome.delivered ? {} : { error: outcome.error });
}
