import { randomBytes } from 'node:crypto';
import { version } from '../../package.json';
import type { Policy } from '../policy/policy';
import {
  type ClusterResult,
  type Finding,
  type RegionResult,
  type Report,
  type RunMode,
  SEVERITIES,
  type Severity,
  severityRank,
} from './types';

export const TOOL_VERSION: string = version;

/** `2026-12-03T15:00:00Z-7f3a`: sortable by time, unique enough for concurrent runs. */
export function newRunId(now: Date): string {
  return `${now.toISOString().replace(/\.\d{3}Z$/, 'Z')}-${randomBytes(2).toString('hex')}`;
}

export interface ReportInput {
  runId: string;
  mode: RunMode;
  startedAt: Date;
  finishedAt: Date;
  policy: Policy;
  clusters: ClusterResult[];
  findings: Finding[];
  regions?: RegionResult[];
  clusterFilter?: readonly string[];
  /** Reasons beyond cluster errors (a region that failed to list, a count that does not reconcile). */
  incompleteReasons?: string[];
  notices?: string[];
}

const bySeverityThenPlace = (a: Finding, b: Finding) =>
  severityRank[b.severity] - severityRank[a.severity] ||
  a.clusterId.localeCompare(b.clusterId) ||
  a.field.localeCompare(b.field) ||
  a.ruleId.localeCompare(b.ruleId);

export function buildReport(input: ReportInput): Report {
  const errorClusters = input.clusters.filter((cluster) => cluster.status === 'error');
  const incompleteReasons = [
    ...(input.incompleteReasons ?? []),
    ...errorClusters.map(
      (cluster) =>
        `${cluster.clusterId} (${cluster.region}) could not be read: ${cluster.error?.code ?? 'error'}`,
    ),
  ];
  const findings = [...input.findings].sort(bySeverityThenPlace);
  const counted = findings.filter((finding) => !finding.waived);
  const bySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<
    Severity,
    number
  >;
  const byRule: Record<string, number> = {};
  for (const finding of counted) {
    bySeverity[finding.severity] += 1;
    byRule[finding.ruleId] = (byRule[finding.ruleId] ?? 0) + 1;
  }
  const clusters = [...input.clusters].sort(
    (a, b) => a.region.localeCompare(b.region) || a.clusterId.localeCompare(b.clusterId),
  );
  return {
    reportVersion: 1,
    tool: { name: 'imagegw-auditor', version: TOOL_VERSION },
    runId: input.runId,
    mode: input.mode,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    policy: { source: input.policy.source, sha256: input.policy.sha256 },
    complete: incompleteReasons.length === 0,
    incompleteReasons,
    summary: {
      clusters: clusters.length,
      compliant: clusters.filter((cluster) => cluster.status === 'compliant').length,
      violating: clusters.filter((cluster) => cluster.status === 'violating').length,
      errors: errorClusters.length,
      findings: counted.length,
      waived: findings.length - counted.length,
      bySeverity,
      byRule,
    },
    ...(input.regions ? { regions: input.regions } : {}),
    ...(input.clusterFilter ? { clusterFilter: [...input.clusterFilter] } : {}),
    clusters,
    findings,
    notices: input.notices ?? [],
  };
}

/** A cluster with any finding not waived is violating, whatever its severity. */
export function clusterStatus(findings: readonly Finding[]): 'compliant' | 'violating' {
  return findings.some((finding) => !finding.waived) ? 'violating' : 'compliant';
}

export const EXIT = { ok: 0, findings: 1, usage: 2, incomplete: 3 } as const;

/** spec/report.md: failing findings win over incompleteness; an incomplete run is never 0. */
export function exitStatus(report: Report, failOn: Severity): number {
  const failing = report.findings.some(
    (finding) => !finding.waived && severityRank[finding.severity] >= severityRank[failOn],
  );
  if (failing) return EXIT.findings;
  return report.complete ? EXIT.ok : EXIT.incomplete;
}
