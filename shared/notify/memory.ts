import type { Finding, Report } from '../audit/types';

/**
 * What the notifier remembers of each open finding between runs: when it was first and last seen,
 * and when each channel was told about it. A channel is told about a finding once, when it
 * appears, and once more when it is resolved.
 */
export interface RememberedFinding {
  clusterId: string;
  region: string;
  ruleId: string;
  field: string;
  severity: Finding['severity'];
  message: string;
  firstSeen: string;
  lastSeen: string;
  /** Channel name → when that channel was told the finding is open. */
  notified: Record<string, string>;
}

export type FindingMemory = Record<string, RememberedFinding>;

export type ResolutionReason =
  | 'fixed'
  | 'cluster no longer exists'
  | 'waived'
  | "now below this channel's minimum severity";

export interface Resolved {
  fingerprint: string;
  finding: RememberedFinding;
  reason: ResolutionReason;
}

/** Clusters this run can speak for: audited (not in error), or gone from a region that listed fully. */
export interface RunCoverage {
  audited: Set<string>;
  /** Regions whose listing succeeded: a remembered cluster absent from them no longer exists. */
  listedRegions: Set<string>;
  present: Set<string>;
}

export function coverageOf(report: Report): RunCoverage {
  // Only a listing that succeeded and reconciled with TotalCount proves a cluster is gone, and only
  // in a run over every cluster: a run filtered to some clusters says nothing of the others.
  const listedRegions = new Set(
    (report.clusterFilter ? [] : (report.regions ?? []))
      .filter((region) => region.error === undefined && region.totalCount === region.listed)
      .map((region) => region.region),
  );
  // Offline checks have no listings: only the clusters in the report are known.
  return {
    audited: new Set(
      report.clusters.filter((cluster) => cluster.status !== 'error').map((cluster) => cluster.clusterId),
    ),
    listedRegions,
    present: new Set(report.clusters.map((cluster) => cluster.clusterId)),
  };
}

/**
 * Why a remembered finding is no longer open, or undefined when this run cannot tell (its cluster
 * could not be read, or its region could not be listed): an unknown is never reported as fixed.
 */
export function resolutionOf(
  remembered: RememberedFinding,
  fingerprint: string,
  report: Report,
  coverage: RunCoverage,
): ResolutionReason | undefined {
  if (coverage.audited.has(remembered.clusterId)) {
    const waived = report.findings.some((finding) => finding.fingerprint === fingerprint && finding.waived);
    return waived ? 'waived' : 'fixed';
  }
  if (!coverage.present.has(remembered.clusterId) && coverage.listedRegions.has(remembered.region)) {
    return 'cluster no longer exists';
  }
  return undefined;
}
