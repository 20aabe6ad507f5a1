/** The shapes that the engine, the report formatters and the functions share. */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is more severe; used for `--fail-on` and sorting. */
export const severityRank: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

export interface Finding {
  /** Stable across runs: cluster id, rule id, field and normalised value only. */
  fingerprint: string;
  clusterId: string;
  region: string;
  ruleId: string;
  severity: Severity;
  /** Path inside `Imagegw`, always in the wrapped form `Locations.LocationInfo[i].X`. */
  field: string;
  value?: string;
  expected?: string;
  message: string;
  /** The registry identity the finding is about (`docker.io`, `host:5000`), where there is one. */
  registry?: string;
  waived: boolean;
  /** The waiver that applies (a waived finding does not count as a violation). */
  waiver?: WaiverRef;
  /** The lapsed waiver that used to cover this finding. */
  expiredWaiver?: WaiverRef;
}

export interface WaiverRef {
  reason: string;
  expires: string;
}

export type ClusterStatus = 'compliant' | 'violating' | 'error';

export interface ClusterError {
  /** The API's error code where there is one, else the client's failure kind (`timeout`, `network`…). */
  code: string;
  message: string;
  requestId?: string;
  httpStatus?: number;
}

export interface ClusterResult {
  clusterId: string;
  region: string;
  status: ClusterStatus;
  name?: string;
  error?: ClusterError;
  /** Policy overrides that applied to this cluster, in order (`overrides[0]`). */
  overrides?: string[];
}

export interface RegionResult {
  region: string;
  /** Clusters this region's listing returned (before de-duplication across regions). */
  listed: number;
  /** `TotalCount` as the API reported it; absent when the listing failed. */
  totalCount?: number;
  error?: ClusterError;
}

export interface ReportSummary {
  clusters: number;
  compliant: number;
  violating: number;
  errors: number;
  findings: number;
  waived: number;
  bySeverity: Record<Severity, number>;
  byRule: Record<string, number>;
}

export type RunMode = 'check' | 'run' | 'scheduled' | 'on-demand' | 'demo';

export interface Report {
  reportVersion: 1;
  tool: { name: 'imagegw-auditor'; version: string };
  runId: string;
  mode: RunMode;
  startedAt: string;
  finishedAt: string;
  policy: { source: string; sha256: string };
  complete: boolean;
  /** Why the run is incomplete, one line each; empty when complete. */
  incompleteReasons: string[];
  summary: ReportSummary;
  regions?: RegionResult[];
  clusters: ClusterResult[];
  findings: Finding[];
  notices: string[];
  /** Set when the run audited only some clusters (`--clusters`, `?cluster=`): the others are unknown. */
  clusterFilter?: string[];
  /** Chat delivery of this run (`run --notify`, the scheduled function): what could not be delivered. */
  notifications?: NotificationSummary;
}

export interface NotificationSummary {
  /** Parts this run queued. */
  queued: number;
  /** Ids of the parts delivered by this run (earlier runs' parts included). */
  delivered: string[];
  /** Every part not delivered, with its status (`pending` waits for the next run) and error. */
  undelivered: { id: string; channel: string; status: 'pending' | 'uncertain' | 'failed'; error?: string }[];
  /** Another run was notifying (the single-flight lease): this run sent nothing; the next tells its news. */
  deferredTo?: string;
  /** `--dry-run`: the messages that would have been sent. */
  rendered?: { id: string; channel: string; title: string; text: string }[];
}
