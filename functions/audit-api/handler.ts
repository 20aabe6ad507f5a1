/**
 * The HTTP function (FC 3.0 HTTP trigger): on-demand audits (`GET /audit`), the report page
 * (`GET /report`), chat commands (`POST /chat/slack`, `POST /chat/dingtalk`) and `GET /healthz`.
 * A chat command's audit comes back to this same function as an asynchronous invocation (a chat
 * job event, not an HTTP event), so the command is acknowledged within the chat's deadline.
 */

import { asChatJob } from '../../shared/chat/job';
import { apiTokensFromEnv, ConfigError } from '../../shared/config';
import { type HandlerDeps, lazyAuditService } from '../../shared/fc/audit-service';
import {
  EventError,
  type FcContext,
  type HttpRequest,
  type HttpResponse,
  jsonResponse,
  parseHttpEvent,
} from '../../shared/fc/events';
import { PolicyError } from '../../shared/policy/errors';
import { redactSecrets } from '../../shared/redact';
import { oneLine } from '../../shared/text';
import { authorise } from './access';
import type { InvokerLoader } from './on-demand';
import { auditRoute, reportRoute } from './routes/audit';
import { dingTalkCommand } from './routes/chat-dingtalk';
import { runChatJob } from './routes/chat-job';
import { slackCommand } from './routes/chat-slack';

export type AuditApiDeps = HandlerDeps & {
  fetch?: typeof fetch;
  /** How this function invokes itself for chat jobs; default fc2, loaded only then. */
  loadInvoker?: InvokerLoader;
  nowMs?: () => number;
};

/** Chat bodies are small forms and JSON messages; anything larger is refused before it is read. */
export const MAX_BODY_BYTES = 64 * 1024;

type Route = { methods: readonly string[]; bearer: boolean };
// A Map, not an object literal: a path like /__proto__ or /constructor must not find a route.
const ROUTES = new Map<string, Route>([
  ['/audit', { methods: ['GET'], bearer: true }],
  ['/report', { methods: ['GET'], bearer: true }],
  ['/chat/slack', { methods: ['POST'], bearer: false }],
  ['/chat/dingtalk', { methods: ['POST'], bearer: false }],
  ['/healthz', { methods: ['GET'], bearer: false }],
]);

export function createHandler(deps: AuditApiDeps) {
  const getService = lazyAuditService({ ...deps, baseDir: deps.baseDir ?? __dirname });
  const nowMs = deps.nowMs ?? Date.now;
  const commandDeps = {
    env: deps.env,
    nowMs,
    ...(deps.loadInvoker ? { loadInvoker: deps.loadInvoker } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  };

  async function route(request: HttpRequest, context: FcContext): Promise<HttpResponse> {
    const found = ROUTES.get(request.path);
    if (!found) return jsonResponse(404, { error: `no route ${oneLine(request.path, 100)}` });
    if (!found.methods.includes(request.method)) {
      const refused = jsonResponse(405, { error: `${request.method} is not allowed on ${request.path}` });
      return { ...refused, headers: { ...refused.headers, allow: found.methods.join(', ') } };
    }
    if (request.body.length > MAX_BODY_BYTES)
      return jsonResponse(413, { error: `the body is larger than ${MAX_BODY_BYTES} bytes` });
    if (request.path === '/healthz') return jsonResponse(200, { ok: true });
    const getAudit = () => getService(context);
    if (request.path === '/chat/slack') return slackCommand(request, context, getAudit, commandDeps);
    if (request.path === '/chat/dingtalk') return dingTalkCommand(request, context, getAudit, commandDeps);

    // Authenticated before anything of the configuration (and its possible errors) is looked at.
    const access = authorise(request, apiTokensFromEnv(deps.env));
    if ('refused' in access) return access.refused;
    const audit = await getAudit();
    return request.path === '/report'
      ? reportRoute(request, context, audit, access.caller, nowMs())
      : auditRoute(request, context, audit, access.caller, nowMs());
  }

  return async (event: Buffer, context: FcContext): Promise<HttpResponse> => {
    try {
      const job = asChatJob(event);
      if (job) {
        // An asynchronous invocation: FC keeps the result only in its logs; the reply went to the chat.
        const result = await runChatJob(job, await getService(context), context, {
          nowMs,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
        });
        return jsonResponse(200, result);
      }
      return await route(parseHttpEvent(event), context);
    } catch (error) {
      if (error instanceof EventError) return jsonResponse(400, { error: error.message });
      // Misconfiguration of the function itself, shown only after the route's own check (bearer
      // token or chat signature) passed, and redacted like any output.
      if (error instanceof ConfigError || error instanceof PolicyError) {
        return jsonResponse(500, { error: redactSecrets(error.message) });
      }
      const message = error instanceof Error ? error.message : String(error);
      console.error(`[${context.requestId}] ${redactSecrets(message)}`);
      return jsonResponse(500, { error: 'internal error', requestId: context.requestId });
    }
  };
}
