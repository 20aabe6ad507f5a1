import type { ClusterResult, Finding, Report, Severity } from '../audit/types';
import { RULE_DEFAULT_SEVERITY, RULE_IDS } from '../rules/ids';
import { RULES } from '../rules/index';

/**
 * SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/): one run, one result per finding.
 * Findings have no file to point at, so each result names its place with a logical location,
 * `<cluster id>/<field>`.
 */

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const FINGERPRINT_KEY = 'imagegwFingerprint/v1';

export type SarifLevel = 'none' | 'note' | 'warning' | 'error';

const LEVEL: Record<Severity, SarifLevel> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

export function sarifLevel(severity: Severity): SarifLevel {
  return LEVEL[severity];
}

export interface RuleEntry {
  id: string;
  summary: string;
  severity: Severity;
}

const severityOrder: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/**
 * The rules a report is judged against: every built-in rule (in report order), then every other
 * rule id its findings name (custom rules from the policy), sorted. A rule id the built-in table
 * does not know takes the most severe severity its findings have as its default.
 */
export function reportRules(report: Report): RuleEntry[] {
  const builtIn: RuleEntry[] = [];
  const seen = new Set<string>();
  const ordered = [...RULES.map((rule) => rule.id), ...RULE_IDS];
  for (const id of ordered) {
    if (seen.has(id)) continue;
    seen.add(id);
    builtIn.push({
      id,
      summary: RULES.find((rule) => rule.id === id)?.summary ?? id,
      severity: RULE_DEFAULT_SEVERITY[id],
    });
  }
  const extra = new Map<string, Severity>();
  for (const finding of report.findings) {
    if (seen.has(finding.ruleId)) continue;
    const known = extra.get(finding.ruleId);
    if (known === undefined || severityOrder.indexOf(finding.severity) < severityOrder.indexOf(known)) {
      extra.set(finding.ruleId, finding.severity);
    }
  }
  const others = [...extra.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, severity]) => ({
      id,
      summary: id.startsWith('custom.') ? `Custom rule ${id} from the policy` : `Rule ${id}`,
      severity,
    }));
  return [...builtIn, ...others];
}

/**
 * Incomplete reasons that no `error` cluster accounts for (a region that could not be listed, a
 * listing that does not reconcile with TotalCount). Cluster errors are reported from the cluster
 * itself, with its code and message, so their one-line reasons would only repeat them.
 */
export function runLevelReasons(report: Report): string[] {
  const errorClusters = report.clusters.filter((cluster) => cluster.status === 'error');
  return report.incompleteReasons.filter(
    (reason) => !errorClusters.some((cluster) => reason.startsWith(`${cluster.clusterId} `)),
  );
}

export function logicalName(finding: Pick<Finding, 'clusterId' | 'field'>): string {
  return `${finding.clusterId}/${finding.field}`;
}

function clusterErrorText(cluster: ClusterResult): string {
  const error = cluster.error;
  const detail = error ? `${error.code}: ${error.message}` : 'the configuration could not be read';
  return `${cluster.clusterId} (${cluster.region}) could not be audited: ${detail}`;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const defined = (entries: Record<string, Json | undefined>): Record<string, Json> =>
  Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as Record<
    string,
    Json
  >;

function result(finding: Finding, ruleIndex: number): Record<string, Json> {
  return defined({
    ruleId: finding.ruleId,
    ruleIndex,
    level: sarifLevel(finding.severity),
    message: { text: finding.message },
    locations: [
      {
        logicalLocations: [{ name: finding.field, fullyQualifiedName: logicalName(finding), kind: 'member' }],
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    suppressions: finding.waiver
      ? [
          {
            kind: 'external',
            status: 'accepted',
            justification: finding.waiver.reason,
            properties: { expires: finding.waiver.expires },
          },
        ]
      : finding.waived
        ? [{ kind: 'external', status: 'accepted' }]
        : undefined,
    properties: defined({
      severity: finding.severity,
      clusterId: finding.clusterId,
      region: finding.region,
      field: finding.field,
      value: finding.value,
      expected: finding.expected,
      registry: finding.registry,
      expiredWaiver: finding.expiredWaiver
        ? { reason: finding.expiredWaiver.reason, expires: finding.expiredWaiver.expires }
        : undefined,
    }),
  });
}

export function formatSarif(report: Report): string {
  const rules = reportRules(report);
  const indexOf = new Map(rules.map((rule, index) => [rule.id, index]));
  const notifications: Json[] = [
    ...report.clusters
      .filter((cluster) => cluster.status === 'error')
      .map((cluster) =>
        defined({
          level: 'error',
          message: { text: clusterErrorText(cluster) },
          locations: [
            { logicalLocations: [{ name: cluster.clusterId, fullyQualifiedName: cluster.clusterId }] },
          ],
          properties: defined({
            clusterId: cluster.clusterId,
            region: cluster.region,
            code: cluster.error?.code,
            requestId: cluster.error?.requestId,
            httpStatus: cluster.error?.httpStatus,
          }),
        }),
      ),
    ...runLevelReasons(report).map((reason) => ({ level: 'error', message: { text: reason } })),
    ...report.notices.map((notice) => ({ level: 'note', message: { text: notice } })),
  ];
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            rules: rules.map((rule) => ({
              id: rule.id,
              shortDescription: { text: rule.summary },
              defaultConfiguration: { level: sarifLevel(rule.severity) },
              properties: { severity: rule.severity },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: report.complete,
            startTimeUtc: report.startedAt,
            endTimeUtc: report.finishedAt,
            toolExecutionNotifications: notifications,
          },
        ],
        results: report.findings.map((finding) => result(finding, indexOf.get(finding.ruleId) ?? -1)),
        properties: {
          reportVersion: report.reportVersion,
          runId: report.runId,
          mode: report.mode,
          policy: { source: report.policy.source, sha256: report.policy.sha256 },
          complete: report.complete,
          incompleteReasons: report.incompleteReasons,
          summary: {
            clusters: report.summary.clusters,
            compliant: report.summary.compliant,
            violating: report.summary.violating,
            errors: report.summary.errors,
            findings: report.summary.findings,
            waived: report.summary.waived,
          },
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
