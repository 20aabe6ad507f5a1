import type { ClusterResult, Report } from '../audit/types';

/** Clusters of the report, plus any cluster that only the findings name (never dropped silently). */
export function clustersOf(report: Report): ClusterResult[] {
  const clusters = [...report.clusters];
  const known = new Set(clusters.map((cluster) => cluster.clusterId));
  for (const finding of report.findings) {
    if (known.has(finding.clusterId)) continue;
    known.add(finding.clusterId);
    const own = report.findings.filter((other) => other.clusterId === finding.clusterId);
    clusters.push({
      clusterId: finding.clusterId,
      region: finding.region,
      status: own.some((other) => !other.waived) ? 'violating' : 'compliant',
    });
  }
  return clusters;
}
