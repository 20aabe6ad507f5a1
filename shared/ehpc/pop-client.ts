/**
 * The E-HPC port implemented with @alicloud/pop-core 1.8.0 — the only module that imports it.
 *
 * pop-core ignores the HTTP status, resolves codeless error bodies, rejects with plain objects for
 * non-JSON bodies and puts the signed URL into every error (spec/cloud-apis.md §3). This adapter
 * therefore uses verbose mode to see the status, validates every answer with zod, converts
 * json-bigint output to plain JSON, and lets nothing of pop-core's errors out except classified,
 * redacted EhpcApiErrors.
 */
import RPCClient from '@alicloud/pop-core';
import { checkEndpointUrl } from '../config';
import { scrubKnownValues } from '../redact';
import { classifyRejection, type EhpcAction, EhpcApiError, type EhpcCallContext } from './errors';
import type { ClusterSummary, EhpcReader, GatewayConfigResponse, RegionListing } from './port';
import { type RetryOptions, retryPolicy, withRetry } from './retry';
import {
  type ClusterInfoSimple,
  describeImageGatewayConfigResponseSchema,
  listClustersResponseSchema,
  toPlainJson,
} from './schemas';

export const EHPC_API_VERSION = '2018-04-12';
/** The documented maximum, so large fleets need few calls (§1.2). */
const PAGE_SIZE = 50;

export interface EhpcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface EhpcClientOptions {
  credentials: EhpcCredentials;
  /** `https://ehpc.<region>.aliyuncs.com` in production; the emulator's URL in tests. */
  endpointFor: (region: string) => string;
  /** Connect and read deadline per request (pop-core's own default is 3 s). Default 10000. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /**
   * GET is what the official E-HPC SDKs send. POST keeps the signed parameters out of the URL, but is
   * untried against E-HPC itself (§3). Note pop-core only POSTs for exactly `'POST'`.
   */
  method?: 'GET' | 'POST';
  /** Hard cap on ListClusters pages per region, so a misbehaving server cannot loop forever. Default 200. */
  maxPages?: number;
  /** Awaited before every HTTP request, retries included: the per-region pace (`--qps`). */
  beforeRequest?: (region: string) => Promise<void>;
}

/** What verbose mode resolves with besides the body; untyped in pop-core's declarations. */
interface PopEntry {
  response: { statusCode?: number } | null;
}

interface VerboseRpcClient {
  request(
    action: string,
    params: Record<string, string>,
    options: Record<string, unknown>,
  ): Promise<[unknown, PopEntry]>;
}

/** pop-core's typings omit the constructor's `verbose` flag; with it `request` resolves `[json, entry]`. */
const VerboseRPCClient = RPCClient as unknown as new (
  config: RPCClient.Config,
  verbose: true,
) => VerboseRpcClient;

type ParamValue = string | number | undefined | null;

/** pop-core would sign and send `undefined`/`null` as the text "undefined"/"null". */
function definedParams(params: Record<string, ParamValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) out[key] = String(value);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requestIdOf(body: unknown): string | undefined {
  return isPlainObject(body) && typeof body.RequestId === 'string' ? body.RequestId : undefined;
}

function badResponse(
  context: EhpcCallContext,
  detail: string,
  status: number | undefined,
  body: unknown,
): EhpcApiError {
  const requestId = requestIdOf(body);
  return new EhpcApiError({
    ...context,
    kind: 'bad-response',
    retryable: true,
    detail,
    ...(status === undefined ? {} : { httpStatus: status }),
    ...(requestId === undefined ? {} : { requestId }),
  });
}

function toSummary(item: ClusterInfoSimple, listingRegion: string): ClusterSummary {
  // Describe calls go to the cluster's own region; the listing endpoint is the fallback (§1.2).
  const summary: ClusterSummary = { clusterId: item.Id, region: item.RegionId ?? listingRegion };
  if (item.Name !== undefined) summary.name = item.Name;
  if (item.Status !== undefined) summary.status = item.Status;
  return summary;
}

export function createEhpcClient(options: EhpcClientOptions): EhpcReader {
  const { credentials } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const method = options.method ?? 'GET';
  const maxPages = options.maxPages ?? 200;
  const policy = retryPolicy(options.retry);
  const clients = new Map<string, VerboseRpcClient>();

  function clientFor(context: EhpcCallContext): VerboseRpcClient {
    if (!credentials.accessKeyId || !credentials.accessKeySecret) {
      throw new EhpcApiError({
        ...context,
        kind: 'credentials',
        retryable: false,
        detail: 'no access key configured',
      });
    }
    let endpoint: string;
    try {
      // Checked here too, whatever the caller did: a malformed endpoint makes Node print the
      // signed URL (key id, token) in a warning.
      endpoint = checkEndpointUrl(options.endpointFor(context.region), `endpoint of ${context.region}`);
    } catch (error) {
      throw new EhpcApiError({
        ...context,
        kind: 'config',
        retryable: false,
        detail: (error as Error).message,
      });
    }
    let client = clients.get(endpoint);
    if (!client) {
      const config: RPCClient.Config = {
        endpoint,
        apiVersion: EHPC_API_VERSION,
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
      };
      if (credentials.securityToken) config.securityToken = credentials.securityToken;
      client = new VerboseRPCClient(config, true);
      clients.set(endpoint, client);
    }
    return client;
  }

  /**
   * One call with retries. `parse` runs inside the retried attempt, so a codeless 5xx or a body of
   * the wrong shape is retried like any other bad response.
   */
  function call<T>(
    context: EhpcCallContext,
    params: Record<string, ParamValue>,
    parse: (body: unknown, status: number | undefined) => T,
  ): Promise<T> {
    return withRetry(
      policy,
      async () => {
        await options.beforeRequest?.(context.region);
        const [json, entry] = await clientFor(context).request(context.action, definedParams(params), {
          method,
          timeout: timeoutMs,
        });
        const status = entry.response?.statusCode;
        const body = toPlainJson(json);
        // pop-core throws for bodies with a Code; a non-2xx without one is an error page, not data.
        if (status !== undefined && (status < 200 || status > 299)) {
          throw badResponse(context, `HTTP ${status} without an error code`, status, body);
        }
        return parse(body, status);
      },
      (rejection) => {
        const error = classifyRejection(rejection, context);
        // A gateway message may quote a credential bare, where no pattern would find it.
        const { accessKeyId, accessKeySecret, securityToken } = credentials;
        const secrets = [securityToken, accessKeySecret, accessKeyId];
        error.message = scrubKnownValues(error.message, secrets);
        if (error.code !== undefined) error.code = scrubKnownValues(error.code, secrets);
        if (error.requestId !== undefined) error.requestId = scrubKnownValues(error.requestId, secrets);
        return error;
      },
    );
  }

  function context(action: EhpcAction, region: string, clusterId?: string): EhpcCallContext {
    return clusterId === undefined ? { action, region } : { action, region, clusterId };
  }

  async function listClusters(region: string): Promise<RegionListing> {
    const ctx = context('ListClusters', region);
    const clusters = new Map<string, ClusterSummary>();
    for (let page = 1; page <= maxPages; page += 1) {
      const result = await call(ctx, { PageNumber: page, PageSize: PAGE_SIZE }, (body, status) => {
        const parsed = listClustersResponseSchema.safeParse(body);
        if (!parsed.success) throw badResponse(ctx, describeIssues(parsed.error.issues), status, body);
        return parsed.data;
      });
      // A repeated Id (items shifting between pages) is kept once, first sighting wins.
      for (const item of result.Clusters) {
        if (!clusters.has(item.Id)) clusters.set(item.Id, toSummary(item, region));
      }
      // The server may clamp PageSize; its answer, not our request, says how full a page can be.
      const size = result.PageSize !== undefined && result.PageSize > 0 ? result.PageSize : PAGE_SIZE;
      const count = result.Clusters.length;
      if (count === 0 || count < size || page * size >= result.TotalCount) {
        return { region, clusters: [...clusters.values()], totalCount: result.TotalCount, pages: page };
      }
    }
    throw new EhpcApiError({
      ...ctx,
      kind: 'bad-response',
      retryable: false,
      detail: `paging did not end within ${maxPages} pages`,
    });
  }

  function describeImageGatewayConfig(cluster: {
    clusterId: string;
    region: string;
  }): Promise<GatewayConfigResponse> {
    const ctx = context('DescribeImageGatewayConfig', cluster.region, cluster.clusterId);
    return call(ctx, { ClusterId: cluster.clusterId }, (body, status) => {
      const parsed = describeImageGatewayConfigResponseSchema.safeParse(body);
      if (!parsed.success || !isPlainObject(body)) {
        throw badResponse(
          ctx,
          parsed.success ? 'body is not a JSON object' : describeIssues(parsed.error.issues),
          status,
          body,
        );
      }
      // The whole body goes to the auditor, Imagegw unvalidated: it judges each field itself.
      return { requestId: parsed.data.RequestId, body };
    });
  }

  return { listClusters, describeImageGatewayConfig };
}

/** Paths and expectations only; zod messages do not quote the offending values. */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const shown = issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  return `unexpected response shape (${shown}${issues.length > 3 ? '; …' : ''})`;
}
