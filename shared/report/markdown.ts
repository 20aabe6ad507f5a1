import { type ClusterResult, type Finding, type Report, SEVERITIES, type Severity } from '../audit/types';
import { clustersOf } from './clusters';

/**
 * GitHub-flavoured Markdown, for pull-request comments, job summaries and wikis. Every value that
 * comes from a configuration, a policy or an API goes through `md`, so a hostile value can neither
 * break a table nor inject HTML or links.
 */

// C0 controls other than tab and line breaks, DEL, and C1 controls: never useful, sometimes harmful.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * Text safe in a table cell or a heading: one line; `&`, `<`, `>` as entities (no raw HTML, no
 * autolinks); Markdown punctuation that could start emphasis, code, links or a table column
 * backslash-escaped.
 */
export function md(value: string): string {
  return value
    .replace(CONTROL, '')
    .replace(/\r\n|[\r\n\t\u2028\u2029]/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~#!]/g, '\\$&')
    .trim();
}

/** A list item of `md` text, with a leading block marker (`-`, `+`, `1.`) escaped so it stays one item. */
function listItem(value: string): string {
  return `- ${md(value)
    .replace(/^([-+=])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2')}`;
}

function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly string[],
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(align ?? header.map(() => '---')), ...rows.map(line)].join('\n');
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function clusterLabel(cluster: Pick<ClusterResult, 'clusterId' | 'name'>): string {
  return cluster.name ? `${md(cluster.clusterId)} (${md(cluster.name)})` : md(cluster.clusterId);
}

function clusterDetail(cluster: ClusterResult, findings: readonly Finding[]): string {
  const parts: string[] = [];
  if (cluster.error) {
    let error = `${md(cluster.error.code)}: ${md(cluster.error.message)}`;
    if (cluster.error.httpStatus !== undefined) error += ` (HTTP ${cluster.error.httpStatus})`;
    if (cluster.error.requestId !== undefined) error += ` request ${md(cluster.error.requestId)}`;
    parts.push(error);
  } else if (cluster.status === 'error') {
    parts.push('could not be read');
  }
  const open = findings.filter((finding) => !finding.waived).length;
  const waived = findings.length - open;
  if (open > 0) parts.push(plural(open, 'finding'));
  if (waived > 0) parts.push(`${waived} waived`);
  if (cluster.overrides && cluster.overrides.length > 0) {
    parts.push(`overrides: ${cluster.overrides.map(md).join(', ')}`);
  }
  return parts.join('; ');
}

const SEVERITY_TITLE: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};

const STATUS_LABEL: Record<ClusterResult['status'], string> = {
  compliant: 'compliant',
  violating: '**violating**',
  error: '**error**',
};

function ruleCell(finding: Finding): string {
  return finding.expiredWaiver ? `${md(finding.ruleId)} ⚠ expired waiver` : md(finding.ruleId);
}

export function formatMarkdown(report: Report): string {
  const { summary } = report;
  const clusters = clustersOf(report);
  const findingsOf = (clusterId: string) =>
    report.findings.filter((finding) => finding.clusterId === clusterId);
  const out: string[] = [];

  out.push(
    `# imagegw-audit ${md(report.mode)} ${md(report.runId)}: ${report.complete ? 'complete' : '**INCOMPLETE**'}`,
    '',
  );
  if (!report.complete) {
    out.push('The audit is incomplete:', '');
    const reasons = report.incompleteReasons.length > 0 ? report.incompleteReasons : ['no reason given'];
    for (const reason of reasons) out.push(listItem(reason));
    out.push('');
  }
  out.push(
    `- Tool: ${md(report.tool.name)} ${md(report.tool.version)}`,
    `- Mode: ${md(report.mode)}`,
    `- Run: ${md(report.runId)}, ${md(report.startedAt)} to ${md(report.finishedAt)}`,
    `- Policy: ${md(report.policy.source)} (sha256 ${md(report.policy.sha256)})`,
    '',
  );

  out.push('## Summary', '');
  out.push(
    table(
      ['Clusters', 'Compliant', 'Violating', 'Error'],
      [[summary.clusters, summary.compliant, summary.violating, summary.errors].map(String)],
      ['---:', '---:', '---:', '---:'],
    ),
    '',
    table(
      ['Open findings', ...SEVERITIES.map((severity) => SEVERITY_TITLE[severity]), 'Waived'],
      [
        [summary.findings, ...SEVERITIES.map((severity) => summary.bySeverity[severity]), summary.waived].map(
          String,
        ),
      ],
      ['---:', ...SEVERITIES.map(() => '---:'), '---:'],
    ),
    '',
  );

  out.push('## Clusters', '');
  if (clusters.length === 0) {
    out.push('No clusters were audited.', '');
  } else {
    out.push(
      table(
        ['Region', 'Cluster', 'Status', 'Detail'],
        clusters.map((cluster) => [
          md(cluster.region),
          clusterLabel(cluster),
          STATUS_LABEL[cluster.status],
          clusterDetail(cluster, findingsOf(cluster.clusterId)),
        ]),
      ),
      '',
    );
  }

  out.push('## Findings', '');
  const withOpen = clusters.filter((cluster) =>
    findingsOf(cluster.clusterId).some((finding) => !finding.waived),
  );
  if (withOpen.length === 0) out.push('No open findings.', '');
  for (const cluster of withOpen) {
    const open = findingsOf(cluster.clusterId).filter((finding) => !finding.waived);
    out.push(
      `### ${clusterLabel(cluster)} (${md(cluster.region)})`,
      '',
      table(
        ['Severity', 'Rule', 'Field', 'Message', 'Expected'],
        open.map((finding) => [
          finding.severity,
          ruleCell(finding),
          md(finding.field),
          md(finding.message),
          md(finding.expected ?? ''),
        ]),
      ),
      '',
    );
  }

  const expired = report.findings.filter((finding) => finding.expiredWaiver);
  if (expired.length > 0) {
    out.push('## Expired waivers', '', 'These findings were waived once; the waiver has lapsed.', '');
    out.push(
      table(
        ['Cluster', 'Rule', 'Field', 'Waiver reason', 'Expired'],
        expired.map((finding) => [
          md(finding.clusterId),
          md(finding.ruleId),
          md(finding.field),
          md(finding.expiredWaiver?.reason ?? ''),
          md(finding.expiredWaiver?.expires ?? ''),
        ]),
      ),
      '',
    );
  }

  const waived = report.findings.filter((finding) => finding.waived);
  if (waived.length > 0) {
    out.push('## Waived findings', '');
    out.push(
      table(
        ['Cluster', 'Severity', 'Rule', 'Field', 'Message', 'Waiver reason', 'Expires'],
        waived.map((finding) => [
          md(finding.clusterId),
          finding.severity,
          md(finding.ruleId),
          md(finding.field),
          md(finding.message),
          md(finding.waiver?.reason ?? ''),
          md(finding.waiver?.expires ?? ''),
        ]),
      ),
      '',
    );
  }

  if (report.notices.length > 0) {
    out.push('## Notices', '');
    for (const notice of report.notices) out.push(listItem(notice));
    out.push('');
  }

  const sent = report.notifications;
  if (sent && sent.undelivered.length > 0) {
    out.push('## Chat messages not delivered', '');
    for (const part of sent.undelivered) {
      out.push(listItem(`${part.status}: ${part.id}${part.error ? ` (${part.error})` : ''}`));
    }
    out.push('');
  }

  return `${out.join('\n').trimEnd()}\n`;
}
