/**
 * HTTP-triggered audits on demand: `GET /audit` (all clusters) or `GET /audit?cluster=ID`, answered
 * with the JSON report. A thin shell over the same audit service as the timer function.
 */
import { timingSafeEqual } from 'node:crypto';
import { apiTokensFromEnv, ConfigError, parseRegions } from '../../shared/config';
import { type HandlerDeps, lazyAuditService, readDeadline } from '../../shared/fc/audit-service';
import {
  credentialsFromContext,
  EventError,
  type FcContext,
  type HttpRequest,
  type HttpResponse,
  jsonResponse,
  parseHttpEvent,
} from '../../shared/fc/events';
import { PolicyError } from '../../shared/policy/errors';
import { redactSecrets } from '../../shared/redact';

export type AuditApiDeps = HandlerDeps;

/** E-HPC 1.0 cluster ids (`ehpc-hz-FYUr32****`); checked before any API call is made with one. */
const CLUSTER_ID = /^ehpc-[a-z0-9]+-[A-Za-z0-9]{1,64}$/;

// A Map, not an object literal: a path like /__proto__ or /constructor must not find a route.
const ROUTES = new Map<string, readonly string[]>([
  ['/audit', ['GET']],
  ['/healthz', ['GET']],
]);

function tokenMatches(given: string, tokens: readonly string[]): boolean {
  const candidate = Buffer.from(given);
  // Compare against every token, without early exit, so timing reveals neither which nor how much.
  return tokens.reduce((matched, token) => {
    const expected = Buffer.from(token);
    const same = expected.length === candidate.length && timingSafeEqual(expected, candidate);
    return matched || same;
  }, false);
}

function authorise(request: HttpRequest, tokens: readonly string[]): HttpResponse | undefined {
  if (tokens.length === 0) {
    return jsonResponse(503, {
      error: 'the audit API is closed: set IMAGEGW_API_TOKENS (comma-separated bearer tokens)',
    });
  }
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1] || !tokenMatches(match[1], tokens)) {
    return {
      ...jsonResponse(401, { error: 'missing or wrong bearer token' }),
      headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' },
    };
  }
  return undefined;
}

export function createHandler(deps: AuditApiDeps) {
  const getService = lazyAuditService({ ...deps, baseDir: deps.baseDir ?? __dirname });

  async function route(request: HttpRequest, context: FcContext): Promise<HttpResponse> {
    const methods = ROUTES.get(request.path);
    if (!methods) return jsonResponse(404, { error: `no route ${request.path}` });
    if (!methods.includes(request.method))
      return jsonResponse(405, { error: `${request.method} is not allowed on ${request.path}` });
    if (request.path === '/healthz') return jsonResponse(200, { ok: true });

    const refused = authorise(request, apiTokensFromEnv(deps.env));
    if (refused) return refused;
    const audit = await getService(context);

    const cluster = request.query.cluster;
    if (cluster !== undefined && !CLUSTER_ID.test(cluster)) {
      return jsonResponse(400, { error: 'cluster: not an E-HPC cluster id (like ehpc-hz-FYUr32xxxx)' });
    }
    let regions: string[] | undefined;
    try {
      regions = request.query.region ? parseRegions(request.query.region, 'region') : undefined;
    } catch (error) {
      return jsonResponse(400, { error: (error as Error).message });
    }
    const report = await audit.run({
      credentials: credentialsFromContext(context),
      mode: 'on-demand',
      deadline: readDeadline(Date.now(), context.function?.timeout),
      ...(cluster ? { clusterIds: [cluster] } : {}),
      ...(regions ? { regions } : {}),
    });
    return jsonResponse(200, report);
  }

  return async (event: Buffer, context: FcContext): Promise<HttpResponse> => {
    try {
      return await route(parseHttpEvent(event), context);
    } catch (error) {
      if (error instanceof EventError) return jsonResponse(400, { error: error.message });
      // Misconfiguration of the function itself, shown only to an authenticated caller (the check
      // runs before configuration is loaded) and redacted like any output.
      if (error instanceof ConfigError || error instanceof PolicyError) {
        return jsonResponse(500, { error: redactSecrets(error.message) });
      }
      const message = error instanceof Error ? error.message : String(error);
      console.error(`[${context.requestId}] ${redactSecrets(message)}`);
      return jsonResponse(500, { error: 'internal error', requestId: context.requestId });
    }
  };
}

export const handler = createHandler({ env: process.env });
