import type { ClusterResult, Finding, Report } from '../audit/types';

/**
 * Control characters from configuration values or cluster ids (an ANSI escape, a newline) are shown
 * as escapes: a report on a terminal must not be able to rewrite the terminal.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(text: string): string {
  // Bidi overrides and line separators too: a cluster id must not display reversed or split.
  return text.replace(CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Pads columns to their widest cell; the last column is left ragged so long messages don't pad lines. */
function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map(visible)
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width, column) =>
    '-'.repeat(column === widths.length - 1 ? (header[column] ?? '').length : width),
  );
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function clusterRow(cluster: ClusterResult, findings: readonly Finding[]): string[] {
  const open = findings.filter(
    (finding) => finding.clusterId === cluster.clusterId && !finding.waived,
  ).length;
  // The code and where to look it up; the full message is in the JSON report.
  const detail = cluster.error
    ? [
        cluster.error.code,
        cluster.error.httpStatus === undefined ? undefined : `HTTP ${cluster.error.httpStatus}`,
        cluster.error.requestId === undefined ? undefined : `RequestId ${cluster.error.requestId}`,
      ]
        .filter(Boolean)
        .join(', ')
    : open > 0
      ? plural(open, 'finding')
      : '';
  return [cluster.region, cluster.clusterId, cluster.status.toUpperCase(), detail];
}

function findingRow(finding: Finding): string[] {
  return [
    finding.severity,
    finding.clusterId,
    finding.ruleId + (finding.waived ? ' (waived)' : ''),
    finding.field,
    finding.message + (finding.expected ? ` [expected ${finding.expected}]` : ''),
  ];
}

/** The human-readable report: status first, then clusters, then findings by severity. */
export function formatTable(report: Report): string {
  const { summary } = report;
  const status = report.complete ? 'complete' : 'INCOMPLETE';
  const lines = [
    `imagegw-audit ${report.mode} ${report.runId}: ${status}, policy ${report.policy.source}`,
    `${plural(summary.clusters, 'cluster')}: ${summary.compliant} compliant, ${summary.violating} violating, ${plural(summary.errors, 'error')}; ` +
      `${plural(summary.findings, 'finding')} (critical ${summary.bySeverity.critical}, high ${summary.bySeverity.high}, ` +
      `medium ${summary.bySeverity.medium}, low ${summary.bySeverity.low}, info ${summary.bySeverity.info})` +
      (summary.waived ? `, ${summary.waived} waived` : ''),
  ];
  for (const reason of report.incompleteReasons) lines.push(`  incomplete: ${reason}`);
  lines.push(
    '',
    renderTable(
      ['REGION', 'CLUSTER', 'STATUS', 'DETAIL'],
      report.clusters.map((c) => clusterRow(c, report.findings)),
    ),
  );
  if (report.findings.length > 0) {
    lines.push(
      '',
      renderTable(['SEVERITY', 'CLUSTER', 'RULE', 'FIELD', 'MESSAGE'], report.findings.map(findingRow)),
    );
  }
  for (const notice of report.notices) lines.push(`notice: ${notice}`);
  const sent = report.notifications;
  if (sent) {
    lines.push(
      '',
      `notifications: ${sent.queued} part(s) queued, ${sent.delivered.length} delivered, ${sent.undelivered.length} not delivered`,
    );
    for (const part of sent.undelivered)
      lines.push(visible(`  ${part.status}: ${part.id}${part.error ? ` (${part.error})` : ''}`));
    for (const part of sent.rendered ?? []) {
      lines.push('', `--- dry run: ${part.channel}, ${part.id} ---`, part.title, part.text);
    }
  }
  return `${lines.join('\n')}\n`;
}
