import type { Report } from '../audit/types';
import { redactSecrets } from '../redact';
import { describeChannelUrl } from './channel';

/**
 * The run summary posted to `IMAGEGW_WEBHOOK_URL` as JSON: enough to alert on, no finding values
 * (they may quote configuration). `runId` lets a receiver drop a delivery FC retried.
 */
export function runSummaryPayload(report: Report) {
  return {
    kind: 'imagegw-audit.run-summary',
    runId: report.runId,
    mode: report.mode,
    finishedAt: report.finishedAt,
    complete: report.complete,
    incompleteReasons: report.incompleteReasons,
    summary: report.summary,
    errors: report.clusters
      .filter((cluster) => cluster.status === 'error')
      .map((cluster) => ({
        clusterId: cluster.clusterId,
        region: cluster.region,
        code: cluster.error?.code ?? 'error',
      })),
    violating: report.clusters
      .filter((cluster) => cluster.status === 'violating')
      .map((cluster) => cluster.clusterId),
  };
}

export type DeliveryResult = { delivered: true; status: number } | { delivered: false; error: string };

/** Posts the summary and awaits the answer: FC freezes the instance once the handler returns. */
export async function postRunSummary(
  url: string,
  report: Report,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<DeliveryResult> {
  const doFetch = options.fetch ?? fetch;
  try {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': report.runId },
      body: JSON.stringify(runSummaryPayload(report)),
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    await response.arrayBuffer();
    if (!response.ok) return { delivered: false, error: `webhook answered HTTP ${response.status}` };
    return { delivered: true, status: response.status };
  } catch (error) {
    // fetch's messages quote the URL, and a webhook URL is a credential: name the failure only.
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    const reason =
      error instanceof Error ? `${error.name}${typeof cause === 'string' ? ` (${cause})` : ''}` : 'error';
    return {
      delivered: false,
      error: redactSecrets(`webhook post to ${describeChannelUrl(url)} failed: ${reason}`),
    };
  }
}
