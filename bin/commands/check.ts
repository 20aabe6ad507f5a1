import { evaluateGateway } from '../../shared/audit/evaluate';
import { buildReport, clusterStatus, EXIT, newRunId } from '../../shared/audit/report';
import { readSavedConfig, SavedConfigError } from '../../shared/audit/saved-config';
import type { ClusterResult, Finding } from '../../shared/audit/types';
import { waiverNotices } from '../../shared/audit/waivers';
import { baselinePolicy, loadPolicyFile } from '../../shared/policy/load';
import { checkOutPath, emitReport, type ReportOptions, UsageError } from '../output';

/** The region of a saved file without `--region` or a `RegionId` of its own. */
const OFFLINE_REGION = 'offline';

export interface CheckOptions extends ReportOptions {
  cluster?: string;
  region?: string;
}

/** Offline audit of saved configurations; a broken file is reported and the others still audited. */
export async function checkCommand(files: string[], options: CheckOptions): Promise<number> {
  if (options.cluster !== undefined && options.cluster.trim() === '')
    throw new UsageError('--cluster: give a cluster id');
  if (options.cluster !== undefined && files.length !== 1)
    throw new UsageError('--cluster applies to exactly one FILE');
  checkOutPath(options.out);
  const policy = options.policy ? await loadPolicyFile(options.policy) : baselinePolicy();
  const startedAt = new Date();
  // --now is the run's clock for waivers and staleness; the report's own times stay real.
  const now = options.now ?? startedAt;
  const clusters: ClusterResult[] = [];
  const findings: Finding[] = [];
  const unreadableFiles: string[] = [];
  const fileOfCluster = new Map<string, string>();
  for (const file of files) {
    try {
      const saved = await readSavedConfig(file, options.cluster);
      const earlier = fileOfCluster.get(saved.clusterId);
      if (earlier !== undefined) {
        // Two files for one cluster would share fingerprints and merge in the report.
        throw new SavedConfigError(
          `${file}: cluster ${saved.clusterId} is already given by ${earlier}; give each file its own ClusterId`,
        );
      }
      fileOfCluster.set(saved.clusterId, file);
      const region = options.region ?? saved.region ?? OFFLINE_REGION;
      const evaluation = evaluateGateway({ clusterId: saved.clusterId, region }, saved.document, policy, {
        now,
      });
      // Not push(...list): a spread of tens of thousands of findings overflows the stack.
      for (const finding of evaluation.findings) findings.push(finding);
      clusters.push({
        clusterId: saved.clusterId,
        region,
        status: clusterStatus(evaluation.findings),
        ...(evaluation.overrides.length > 0 ? { overrides: evaluation.overrides } : {}),
      });
    } catch (error) {
      if (!(error instanceof SavedConfigError)) throw error;
      process.stderr.write(`imagegw-audit: ${error.message}\n`);
      unreadableFiles.push(file);
    }
  }
  const report = buildReport({
    runId: newRunId(startedAt),
    mode: 'check',
    startedAt,
    finishedAt: new Date(),
    policy,
    clusters,
    findings,
    notices: waiverNotices(policy, now),
    // A file that could not be read is a cluster not audited: the report must not look complete.
    incompleteReasons: unreadableFiles.map((file) => `${file} could not be read`),
  });
  const status = await emitReport(report, options);
  // Bad input is exit 2 (spec/report.md), after the readable files have been reported.
  return unreadableFiles.length > 0 ? EXIT.usage : status;
}
