/** `GET /audit` (the report in any CLI format) and `GET /report` (the HTML page). */
import type { Report } from '../../../shared/audit/types';
import { CLUSTER_ID } from '../../../shared/chat/commands';
import { parseRegions } from '../../../shared/config';
import { type AuditService, readDeadline } from '../../../shared/fc/audit-service';
import {
  credentialsFromContext,
  type FcContext,
  type HttpRequest,
  type HttpResponse,
  jsonResponse,
} from '../../../shared/fc/events';
import { readRunHistory } from '../../../shared/report/history';
import { formatHtml } from '../../../shared/report/html';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../../../shared/report/index';
import { readLatestReport } from '../../../shared/report/latest';
import { openStateStore } from '../../../shared/state/open-store';
import { startOnDemand } from '../on-demand';

const CONTENT_TYPES: Record<ReportFormat, string> = {
  json: 'application/json; charset=utf-8',
  table: 'text/plain; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  sarif: 'application/sarif+json; charset=utf-8',
  junit: 'application/xml; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

type Audited = { report: Report } | { refused: HttpResponse };

/** Runs an on-demand audit for the request's `cluster` and `region` parameters, one at a time. */
async function auditNow(
  request: HttpRequest,
  context: FcContext,
  audit: AuditService,
  caller: string,
  nowMs: number,
): Promise<Audited> {
  const cluster = request.query.cluster;
  if (cluster !== undefined && !CLUSTER_ID.test(cluster)) {
    return {
      refused: jsonResponse(400, { error: 'cluster: not an E-HPC cluster id (like ehpc-hz-FYUr32xxxx)' }),
    };
  }
  let regions: string[] | undefined;
  try {
    regions = request.query.region === undefined ? undefined : parseRegions(request.query.region, 'region');
  } catch (error) {
    return { refused: jsonResponse(400, { error: (error as Error).message }) };
  }
  // Only configured regions: another one would be called on its public endpoint with the role's keys.
  const unknown = regions?.filter((region) => !audit.config.regions.includes(region)) ?? [];
  if (unknown.length > 0) {
    return {
      refused: jsonResponse(400, {
        error: `region: ${unknown.join(', ')} not among the configured regions (${audit.config.regions.join(', ')})`,
      }),
    };
  }
  const credentials = credentialsFromContext(context);
  const store = await openStateStore(audit.config.state, credentials);
  const started = await startOnDemand(store, caller, {
    nowMs,
    now: new Date(nowMs),
    leaseMs: (context.function?.timeout ?? 60) * 1000,
    budget: { max: audit.config.callerBudget, windowMs: 10 * 60_000 },
  });
  if (!started.started) {
    return {
      refused:
        started.reason === 'running'
          ? jsonResponse(409, { error: 'an audit is already running', runId: started.runId })
          : {
              ...jsonResponse(429, { error: 'too many audits from this caller; try again later' }),
              headers: {
                'content-type': 'application/json; charset=utf-8',
                'retry-after': String(Math.ceil(started.retryAfterMs / 1000)),
              },
            },
    };
  }
  try {
    const report = await audit.run({
      credentials,
      mode: 'on-demand',
      runId: started.runId,
      deadline: readDeadline(nowMs, context.function?.timeout),
      ...(cluster ? { clusterIds: [cluster] } : {}),
      ...(regions ? { regions } : {}),
    });
    return { report };
  } finally {
    await started.release();
  }
}

export async function auditRoute(
  request: HttpRequest,
  context: FcContext,
  audit: AuditService,
  caller: string,
  nowMs: number,
): Promise<HttpResponse> {
  const format = (request.query.format ?? 'json') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) {
    return jsonResponse(400, { error: `format: one of ${REPORT_FORMATS.join(', ')}` });
  }
  const audited = await auditNow(request, context, audit, caller, nowMs);
  if ('refused' in audited) return audited.refused;
  return {
    statusCode: 200,
    headers: { 'content-type': CONTENT_TYPES[format], 'cache-control': 'no-store' },
    isBase64Encoded: false,
    body: formatReport(audited.report, format),
  };
}

/**
 * The page of the latest full run (the scheduled audit's, from the state store) with the trend of
 * recent runs; `?fresh=1`, or no run recorded yet, audits now instead.
 */
export async function reportRoute(
  request: HttpRequest,
  context: FcContext,
  audit: AuditService,
  caller: string,
  nowMs: number,
): Promise<HttpResponse> {
  const store = await openStateStore(audit.config.state, credentialsFromContext(context));
  let report =
    request.query.fresh === undefined && request.query.cluster === undefined
      ? await readLatestReport(store)
      : undefined;
  if (!report) {
    const audited = await auditNow(request, context, audit, caller, nowMs);
    if ('refused' in audited) return audited.refused;
    report = audited.report;
  }
  const history = await readRunHistory(store);
  return {
    statusCode: 200,
    headers: { 'content-type': CONTENT_TYPES.html, 'cache-control': 'no-store' },
    isBase64Encoded: false,
    body: formatHtml(report, { history }),
  };
}
