import { type ClusterResult, type Finding, type Report, SEVERITIES, severityRank } from '../../audit/types';
import { clustersOf } from '../clusters';
import { compareText, esc } from './escape';

/**
 * The findings table, rendered in full on the server: every row carries `data-cluster`,
 * `data-name`, `data-rule` and `data-severity`, and the page's script only hides rows. Without
 * script every row shows and the filter form stays hidden.
 */

/** Most severe first, then by cluster, rule, field and value: the same order for the same findings. */
function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank[b.severity] - severityRank[a.severity] ||
    compareText(a.clusterId, b.clusterId) ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.field, b.field) ||
    compareText(a.value ?? '', b.value ?? '') ||
    compareText(a.fingerprint, b.fingerprint)
  );
}

function waiverCell(finding: Finding): string {
  const parts: string[] = [];
  if (finding.waiver) {
    parts.push(
      `<span class="badge waived">waived</span> ${esc(finding.waiver.reason)} ` +
        `<span class="expiry">until ${esc(finding.waiver.expires)}</span>`,
    );
  }
  if (finding.expiredWaiver) {
    parts.push(
      `<span class="badge expired">waiver expired</span> ${esc(finding.expiredWaiver.reason)} ` +
        `<span class="expiry">expired ${esc(finding.expiredWaiver.expires)}</span>`,
    );
  }
  return parts.join('<br>');
}

function clusterCell(finding: Finding, name: string | undefined): string {
  const id = `<span class="id">${esc(finding.clusterId)}</span>`;
  return name ? `${id}<br><span class="muted">${esc(name)}</span>` : id;
}

function findingRow(finding: Finding, name: string | undefined): string {
  const expected = finding.expected
    ? `<br><span class="muted">expected: ${esc(finding.expected)}</span>`
    : '';
  return (
    `<tr data-cluster="${esc(finding.clusterId)}" data-name="${esc(name ?? '')}" data-rule="${esc(finding.ruleId)}" ` +
    `data-severity="${finding.severity}"${finding.waived ? ' class="is-waived"' : ''}>` +
    `<td>${clusterCell(finding, name)}</td>` +
    `<td>${esc(finding.region)}</td>` +
    `<td><code>${esc(finding.ruleId)}</code></td>` +
    `<td><span class="sev sev-${finding.severity}">${finding.severity}</span></td>` +
    `<td><code>${esc(finding.field)}</code></td>` +
    `<td>${finding.value === undefined ? '' : `<code>${esc(finding.value)}</code>`}</td>` +
    `<td>${esc(finding.message)}${expected}</td>` +
    `<td>${waiverCell(finding)}</td></tr>`
  );
}

const option = (value: string, label = value) => `<option value="${esc(value)}">${esc(label)}</option>`;

export function findingsSection(report: Report): string {
  const names = new Map(clustersOf(report).map((cluster) => [cluster.clusterId, cluster.name]));
  const findings = [...report.findings].sort(compareFindings);
  const rules = [...new Set(findings.map((finding) => finding.ruleId))].sort(compareText);
  const total = findings.length;
  const waived = findings.filter((finding) => finding.waived).length;
  const counts = `${total} finding${total === 1 ? '' : 's'}, ${report.summary.findings} open and ${waived} waived`;
  const filters =
    '<form id="filters" class="filters" hidden>' +
    '<label>Cluster <input id="filter-cluster" type="search" autocomplete="off" placeholder="part of an id or name"></label>' +
    `<label>Rule <select id="filter-rule">${option('', 'all rules')}${rules.map((rule) => option(rule)).join('')}</select></label>` +
    `<label>Severity <select id="filter-severity">${option('', 'all severities')}${SEVERITIES.map((severity) => option(severity)).join('')}</select></label>` +
    '<button type="reset">Clear</button></form>';
  const columns = ['Cluster', 'Region', 'Rule', 'Severity', 'Field', 'Value', 'Message', 'Waiver'];
  const colgroup = columns.map((cell) => `<col class="c-${cell.toLowerCase()}">`).join('');
  const header = columns.map((cell) => `<th scope="col">${cell}</th>`).join('');
  const rows = findings.map((finding) => findingRow(finding, names.get(finding.clusterId))).join('\n');
  return (
    `<section id="findings-section"><h2>Findings</h2><p class="muted">${counts}.</p>${filters}` +
    `<p id="findings-count" class="count" aria-live="polite">${total} of ${total} findings shown</p>` +
    '<div class="scroll"><table id="findings" class="findings">' +
    `<colgroup>${colgroup}</colgroup><thead><tr>${header}</tr></thead><tbody>\n${rows}\n</tbody></table></div>` +
    `<p id="findings-empty" class="muted"${total === 0 ? '' : ' hidden'}>${total === 0 ? 'No findings.' : 'No finding matches the filters.'}</p>` +
    '</section>'
  );
}

function errorRow(cluster: ClusterResult): string {
  const error = cluster.error;
  return (
    `<tr><td><span class="id">${esc(cluster.clusterId)}</span></td><td>${esc(cluster.region)}</td>` +
    `<td><code>${esc(error?.code ?? 'error')}</code></td><td>${esc(error?.message ?? 'could not be read')}</td>` +
    `<td>${error?.httpStatus === undefined ? '' : esc(error.httpStatus)}</td>` +
    `<td>${error?.requestId === undefined ? '' : `<code>${esc(error.requestId)}</code>`}</td></tr>`
  );
}

/** Clusters that could not be read and regions that could not be listed; empty when there are none. */
export function errorsSection(report: Report): string {
  const clusters = clustersOf(report)
    .filter((cluster) => cluster.status === 'error')
    .sort((a, b) => compareText(a.region, b.region) || compareText(a.clusterId, b.clusterId));
  const regions = (report.regions ?? [])
    .filter((region) => region.error)
    .sort((a, b) => compareText(a.region, b.region));
  if (clusters.length === 0 && regions.length === 0) return '';
  const out = ['<section id="errors-section"><h2>Errors</h2>'];
  if (clusters.length > 0) {
    out.push(
      '<div class="scroll"><table id="errors" class="errors"><caption>Clusters that could not be read</caption>' +
        '<thead><tr><th scope="col">Cluster</th><th scope="col">Region</th><th scope="col">Code</th>' +
        '<th scope="col">Message</th><th scope="col">HTTP</th><th scope="col">Request id</th></tr></thead>' +
        `<tbody>${clusters.map(errorRow).join('')}</tbody></table></div>`,
    );
  }
  if (regions.length > 0) {
    out.push(
      '<div class="scroll"><table id="region-errors" class="errors"><caption>Regions that could not be listed</caption>' +
        '<thead><tr><th scope="col">Region</th><th scope="col">Code</th><th scope="col">Message</th></tr></thead><tbody>' +
        regions
          .map(
            (region) =>
              `<tr><td>${esc(region.region)}</td><td><code>${esc(region.error?.code ?? '')}</code></td>` +
              `<td>${esc(region.error?.message ?? '')}</td></tr>`,
          )
          .join('') +
        '</tbody></table></div>',
    );
  }
  out.push('</section>');
  return out.join('');
}
