import pLimit from 'p-limit';
import { EhpcApiError } from '../ehpc/errors';
import type { ClusterSummary, EhpcReader, RegionListing } from '../ehpc/port';
import type { Policy } from '../policy/policy';
import { redactSecrets } from '../redact';
import { evaluateGateway } from './evaluate';
import { buildReport, clusterStatus, newRunId } from './report';
import type { ClusterError, ClusterResult, Finding, RegionResult, Report, RunMode } from './types';
import { waiverNotices } from './waivers';

export interface AuditProgress {
  done: number;
  total: number;
  errors: number;
}

export interface FleetAuditOptions {
  reader: EhpcReader;
  policy: Policy;
  regions: readonly string[];
  /** Audit only these cluster ids (still listed first, so their regions are known). */
  clusterIds?: readonly string[];
  /** Gateway reads in flight at once, across regions. */
  concurrency?: number;
  mode: RunMode;
  runId?: string;
  clock?: () => Date;
  /** Overrides the clock for waiver expiry and staleness (the CLI's --now). */
  now?: Date;
  /** Called after each cluster is done (read, failed or not evaluated). */
  onProgress?: (progress: AuditProgress) => void;
  /** Epoch ms after which no new gateway read starts (the function's timeout less a margin, or --deadline). */
  deadline?: number;
}

/** Turns any failure into the report's error record: the API's code, never a secret. */
export function toClusterError(error: unknown): ClusterError {
  if (error instanceof EhpcApiError) {
    return {
      code: error.code ?? error.kind,
      message: redactSecrets(error.message),
      ...(error.requestId ? { requestId: error.requestId } : {}),
      ...(error.httpStatus ? { httpStatus: error.httpStatus } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'unknown', message: redactSecrets(message) };
}

interface Listed {
  summary: ClusterSummary;
  /** The region whose endpoint listed it: the fallback when its own RegionId is not configured. */
  listedIn: string;
}

/** One cluster to read: its id, the configured region its calls go to, and its name if listed. */
export interface AuditTarget {
  clusterId: string;
  region: string;
  name?: string;
}

/** The result of a cluster that was not read, and why (`NotEvaluated`, `WorkerLost`, ...). */
export function unreadResult(target: AuditTarget, code: string, message: string): ClusterResult {
  return {
    clusterId: target.clusterId,
    region: target.region,
    ...(target.name ? { name: target.name } : {}),
    status: 'error',
    error: { code, message },
  };
}

/**
 * Several regional endpoints may list the same cluster (the API's scope is ambiguous): keep one
 * record per id, preferring the one listed by its own region's endpoint.
 */
function dedupe(listings: RegionListing[]): Listed[] {
  const byId = new Map<string, Listed>();
  for (const listing of listings) {
    for (const summary of listing.clusters) {
      const seen = byId.get(summary.clusterId);
      if (!seen || (seen.summary.region !== seen.listedIn && summary.region === listing.region)) {
        byId.set(summary.clusterId, { summary, listedIn: listing.region });
      }
    }
  }
  return [...byId.values()];
}

const NOT_EVALUATED = {
  code: 'NotEvaluated',
  message: "not read: the run reached its deadline before this cluster's turn",
};

/** What listing found: the clusters to read, and everything the report says about the regions. */
export interface FleetListing {
  targets: AuditTarget[];
  regions: RegionResult[];
  /** Clusters asked for by id that no region lists (`ClusterNotListed`), already final. */
  unlisted: ClusterResult[];
  incompleteReasons: string[];
}

export interface ListingOptions {
  reader: EhpcReader;
  regions: readonly string[];
  /** Keep only these cluster ids (the others listed are not audited). */
  clusterIds?: readonly string[];
}

type Limit = ReturnType<typeof pLimit>;

/** Lists every region (a failed region is recorded, never thrown), reconciles TotalCount, dedupes. */
export async function listFleet(options: ListingOptions, limit: Limit = pLimit(4)): Promise<FleetListing> {
  const regions = [...new Set(options.regions)];
  const configured = new Set(regions);
  const incompleteReasons: string[] = [];
  const regionResults: RegionResult[] = [];
  const listings: RegionListing[] = [];
  await Promise.all(
    regions.map((region) =>
      limit(async () => {
        try {
          const listing = await options.reader.listClusters(region);
          listings.push(listing);
          regionResults.push({ region, listed: listing.clusters.length, totalCount: listing.totalCount });
          if (listing.clusters.length !== listing.totalCount) {
            incompleteReasons.push(
              `${region}: listed ${listing.clusters.length} clusters but the API reported TotalCount ${listing.totalCount}`,
            );
          }
        } catch (error) {
          const failure = toClusterError(error);
          regionResults.push({ region, listed: 0, error: failure });
          incompleteReasons.push(`${region}: clusters could not be listed: ${failure.code}`);
        }
      }),
    ),
  );
  // Listing order is nondeterministic under Promise.all; keep the configured order for dedupe.
  listings.sort((a, b) => regions.indexOf(a.region) - regions.indexOf(b.region));
  regionResults.sort((a, b) => regions.indexOf(a.region) - regions.indexOf(b.region));

  let listed = dedupe(listings);
  const unlisted: ClusterResult[] = [];
  if (options.clusterIds) {
    const wanted = new Set(options.clusterIds);
    listed = listed.filter((entry) => wanted.has(entry.summary.clusterId));
    const found = new Set(listed.map((entry) => entry.summary.clusterId));
    for (const clusterId of wanted) {
      if (found.has(clusterId)) continue;
      unlisted.push({
        clusterId,
        region: 'unknown',
        status: 'error',
        error: {
          code: 'ClusterNotListed',
          message: `no configured region (${regions.join(', ')}) lists this cluster`,
        },
      });
    }
  }
  const targets = listed.map(({ summary, listedIn }) => ({
    clusterId: summary.clusterId,
    region: configured.has(summary.region) ? summary.region : listedIn,
    ...(summary.name ? { name: summary.name } : {}),
  }));
  return {
    targets: interleaveByRegion(targets, regions),
    regions: regionResults,
    unlisted,
    incompleteReasons,
  };
}

/**
 * Reads take turns between regions. Each region has its own pace, and a read waits for its turn
 * while holding a concurrency slot: in region order, every slot would wait on the first region's
 * pace while the other regions idle, and a multi-region audit would take the sum of the regions'
 * times instead of the longest one (measured: 4x the bound with 4 regions, bench/ e2e).
 */
function interleaveByRegion(targets: AuditTarget[], regions: readonly string[]): AuditTarget[] {
  const queues = new Map<string, AuditTarget[]>(regions.map((region) => [region, []]));
  for (const target of targets) {
    const queue = queues.get(target.region);
    if (queue) queue.push(target);
    else queues.set(target.region, [target]);
  }
  const interleaved: AuditTarget[] = [];
  const lists = [...queues.values()];
  for (let index = 0; interleaved.length < targets.length; index += 1) {
    for (const list of lists) {
      const target = list[index];
      if (target) interleaved.push(target);
    }
  }
  return interleaved;
}

/** The outcome of reading a set of targets: one result per target, their findings, and how many the deadline cut. */
export interface TargetsAudit {
  clusters: ClusterResult[];
  findings: Finding[];
  notReached: number;
}

export interface ReadOptions {
  reader: EhpcReader;
  policy: Policy;
  /** The run's instant for waivers and staleness. */
  now: Date;
  deadline?: number;
  onProgress?: (progress: AuditProgress) => void;
}

/** Reads and judges every target under `limit`; never throws: a failure is that cluster's result. */
export async function auditTargets(
  targets: readonly AuditTarget[],
  options: ReadOptions,
  limit: Limit = pLimit(4),
): Promise<TargetsAudit> {
  const clusters: ClusterResult[] = [];
  const findings: Finding[] = [];
  let notReached = 0;
  const progress = { done: 0, total: targets.length, errors: 0 };
  // Wall-clock time: the deadline comes from the function timeout, whatever clock judges waivers.
  const pastDeadline = () => options.deadline !== undefined && Date.now() >= options.deadline;

  async function auditCluster(target: AuditTarget): Promise<ClusterResult> {
    const { clusterId, region } = target;
    const base = { clusterId, region, ...(target.name ? { name: target.name } : {}) };
    // Past the deadline no new read starts: the cluster is listed as not evaluated, and the run
    // (incomplete) still ends in time to report and notify.
    if (pastDeadline()) {
      notReached += 1;
      return unreadResult(target, NOT_EVALUATED.code, NOT_EVALUATED.message);
    }
    try {
      const response = await options.reader.describeImageGatewayConfig({ clusterId, region });
      const evaluation = evaluateGateway({ clusterId, region }, response.body, options.policy, {
        now: options.now,
      });
      // Not push(...list): a spread of tens of thousands of findings overflows the stack.
      for (const finding of evaluation.findings) findings.push(finding);
      return {
        ...base,
        status: clusterStatus(evaluation.findings),
        ...(evaluation.overrides.length > 0 ? { overrides: evaluation.overrides } : {}),
      };
    } catch (error) {
      const stoppedByPace = error instanceof EhpcApiError && error.kind === 'deadline';
      if (pastDeadline() || stoppedByPace) {
        // Cut short by the deadline (the pace or a retry would have run past it): not evaluated.
        notReached += 1;
        return unreadResult(target, NOT_EVALUATED.code, NOT_EVALUATED.message);
      }
      return { ...base, status: 'error', error: toClusterError(error) };
    }
  }

  await Promise.all(
    targets.map((target) =>
      limit(async () => {
        const result = await auditCluster(target);
        clusters.push(result);
        progress.done += 1;
        if (result.status === 'error') progress.errors += 1;
        options.onProgress?.({ ...progress });
      }),
    ),
  );
  return { clusters, findings, notReached };
}

export const notReachedReason = (count: number) =>
  `${count} cluster(s) not evaluated: the run reached its deadline`;

export async function runFleetAudit(options: FleetAuditOptions): Promise<Report> {
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  // One concurrency limit for listing and reading alike: the API sees at most this many calls.
  const limit = pLimit(Math.max(1, options.concurrency ?? 4));
  const listing = await listFleet(
    {
      reader: options.reader,
      regions: options.regions,
      ...(options.clusterIds ? { clusterIds: options.clusterIds } : {}),
    },
    limit,
  );
  return finishFleetAudit(listing, { ...options, clock }, startedAt, limit);
}

/**
 * The second half of a run: read what listing found and build the report. Separate so that the
 * scheduled function can look at the listing first and fan the reads out instead (shared/fanout).
 */
export async function finishFleetAudit(
  listing: FleetListing,
  options: FleetAuditOptions,
  startedAt: Date,
  limit: Limit = pLimit(Math.max(1, options.concurrency ?? 4)),
): Promise<Report> {
  const clock = options.clock ?? (() => new Date());
  // The run's clock for waivers and staleness: one instant for the whole run, so every cluster
  // is judged alike however long the run takes.
  const now = options.now ?? startedAt;
  const read = await auditTargets(
    listing.targets,
    {
      reader: options.reader,
      policy: options.policy,
      now,
      ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    limit,
  );
  const incompleteReasons = [...listing.incompleteReasons];
  if (read.notReached > 0) incompleteReasons.push(notReachedReason(read.notReached));
  return buildReport({
    runId: options.runId ?? newRunId(startedAt),
    mode: options.mode,
    startedAt,
    finishedAt: clock(),
    policy: options.policy,
    clusters: [...listing.unlisted, ...read.clusters],
    findings: read.findings,
    regions: listing.regions,
    ...(options.clusterIds ? { clusterFilter: options.clusterIds } : {}),
    incompleteReasons,
    notices: waiverNotices(options.policy, now),
  });
}
