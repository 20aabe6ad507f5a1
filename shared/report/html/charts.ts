import { type ClusterStatus, type Report, SEVERITIES } from '../../audit/types';
import { clustersOf } from '../clusters';
import type { RunHistoryEntry } from '../history';
import { compareText, esc, shorten } from './escape';
import { axis, type Chart, dataTable, fmt, niceMax, plural, rect, svgOpen } from './svg';

/**
 * The page's charts: inline SVG, drawn here from the report (no script, no library). Every chart
 * is `svg[data-chart=NAME]` with one `rect[data-value]` per bar (per segment in the stacked chart),
 * a `<title>` on the chart and on every bar, and a data table beside it as the text fallback.
 */

/** Open findings by severity: five vertical bars, critical to info. */
export function severityChart(report: Report): Chart {
  const values = SEVERITIES.map((severity) => ({
    severity,
    value: report.summary.bySeverity[severity] ?? 0,
  }));
  const width = 360;
  const height = 210;
  const left = 34;
  const top = 18;
  const bottom = 34;
  const plotWidth = width - left - 10;
  const plotHeight = height - top - bottom;
  const max = niceMax(Math.max(0, ...values.map((item) => item.value)));
  const slot = plotWidth / values.length;
  const summary = `Open findings by severity: ${values.map((item) => `${item.severity} ${item.value}`).join(', ')}.`;
  const parts = [svgOpen('severity', width, height, 'Open findings by severity', summary)];
  parts.push(axis(left, top, plotWidth, plotHeight, max));
  values.forEach((item, index) => {
    const barHeight = (item.value / max) * plotHeight;
    const x = left + index * slot + slot * 0.2;
    const y = top + plotHeight - barHeight;
    parts.push(
      rect(
        { x, y, width: slot * 0.6, height: barHeight },
        `class="bar sev-${item.severity}" data-label="${item.severity}" data-value="${item.value}"`,
        `${item.severity}: ${plural(item.value, 'open finding')}`,
      ),
      `<text class="value" x="${fmt(x + slot * 0.3)}" y="${fmt(y - 4)}" text-anchor="middle">${item.value}</text>`,
      `<text class="label" x="${fmt(x + slot * 0.3)}" y="${height - bottom + 16}" text-anchor="middle">${item.severity}</text>`,
    );
  });
  parts.push('</svg>');
  return {
    name: 'severity',
    heading: 'Open findings by severity',
    summary,
    svg: parts.join(''),
    table: dataTable(
      'Open findings by severity',
      ['Severity', 'Open findings'],
      values.map((item) => [item.severity, String(item.value)]),
    ),
  };
}

const STATUSES: readonly ClusterStatus[] = ['compliant', 'violating', 'error'];

/** Clusters per region as stacked horizontal bars: compliant, violating, error. */
export function complianceChart(report: Report): Chart {
  const byRegion = new Map<string, Record<ClusterStatus, number>>();
  for (const cluster of clustersOf(report)) {
    const counts = byRegion.get(cluster.region) ?? { compliant: 0, violating: 0, error: 0 };
    counts[cluster.status] += 1;
    byRegion.set(cluster.region, counts);
  }
  const regions = [...byRegion.entries()].sort(([a], [b]) => compareText(a, b));
  const width = 460;
  const labelWidth = 130;
  const barWidth = 270;
  const row = 28;
  const top = 8;
  const legendY = top + Math.max(1, regions.length) * row + 14;
  const height = legendY + 12;
  const max = Math.max(1, ...regions.map(([, counts]) => counts.compliant + counts.violating + counts.error));
  const describe = (counts: Record<ClusterStatus, number>) =>
    STATUSES.map((status) => `${counts[status]} ${status}`).join(', ');
  const summary =
    regions.length === 0
      ? 'Compliance by region: no clusters were audited.'
      : `Compliance by region: ${regions.map(([region, counts]) => `${region} ${describe(counts)}`).join('; ')}.`;
  const parts = [svgOpen('compliance', width, height, 'Compliance by region', summary)];
  if (regions.length === 0) {
    parts.push(
      `<text class="empty" x="${width / 2}" y="${top + 18}" text-anchor="middle">No clusters were audited</text>`,
    );
  }
  regions.forEach(([region, counts], index) => {
    const y = top + index * row;
    parts.push(
      `<g data-region="${esc(region)}"><text class="label" x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${esc(shorten(region, 18))}<title>${esc(region)}</title></text>`,
    );
    let x = labelWidth;
    for (const status of STATUSES) {
      const segment = (counts[status] / max) * barWidth;
      parts.push(
        rect(
          { x, y: y + 4, width: segment, height: row - 8 },
          `class="bar st-${status}" data-series="${status}" data-value="${counts[status]}"`,
          `${region}: ${plural(counts[status], `${status} cluster`)}`,
        ),
      );
      x += segment;
    }
    const total = counts.compliant + counts.violating + counts.error;
    parts.push(`<text class="value" x="${fmt(x + 6)}" y="${y + 17}">${counts.compliant}/${total}</text></g>`);
  });
  let legendX = labelWidth;
  for (const status of STATUSES) {
    parts.push(
      `<rect class="key st-${status}" x="${legendX}" y="${legendY - 9}" width="10" height="10"/>` +
        `<text class="label" x="${legendX + 14}" y="${legendY}">${status}</text>`,
    );
    legendX += 90;
  }
  parts.push('</svg>');
  return {
    name: 'compliance',
    heading: 'Compliance by region',
    summary,
    svg: parts.join(''),
    table: dataTable(
      'Clusters by region and status',
      ['Region', 'Compliant', 'Violating', 'Error'],
      regions.map(([region, counts]) => [region, ...STATUSES.map((status) => String(counts[status]))]),
    ),
    note: 'The number after each bar is compliant clusters of all clusters in the region.',
  };
}

/** Open findings by rule: horizontal bars, most findings first. */
export function ruleChart(report: Report): Chart {
  const rules = Object.entries(report.summary.byRule)
    .filter(([, count]) => count > 0)
    .sort(([a, countA], [b, countB]) => countB - countA || compareText(a, b));
  const width = 460;
  const labelWidth = 220;
  const barWidth = 190;
  const row = 22;
  const top = 6;
  const height = top * 2 + Math.max(1, rules.length) * row;
  const max = Math.max(1, ...rules.map(([, count]) => count));
  const summary =
    rules.length === 0
      ? 'Open findings by rule: none.'
      : `Open findings by rule: ${rules.map(([rule, count]) => `${rule} ${count}`).join(', ')}.`;
  const parts = [svgOpen('rules', width, height, 'Open findings by rule', summary)];
  if (rules.length === 0) {
    parts.push(
      `<text class="empty" x="${width / 2}" y="${top + 16}" text-anchor="middle">No open findings</text>`,
    );
  }
  rules.forEach(([rule, count], index) => {
    const y = top + index * row;
    const length = (count / max) * barWidth;
    parts.push(
      `<text class="label" x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${esc(shorten(rule, 34))}<title>${esc(rule)}</title></text>`,
      rect(
        { x: labelWidth, y: y + 3, width: length, height: row - 6 },
        `class="bar rule" data-label="${esc(rule)}" data-value="${count}"`,
        `${rule}: ${plural(count, 'open finding')}`,
      ),
      `<text class="value" x="${fmt(labelWidth + length + 6)}" y="${y + 15}">${count}</text>`,
    );
  });
  parts.push('</svg>');
  return {
    name: 'rules',
    heading: 'Open findings by rule',
    summary,
    svg: parts.join(''),
    table: dataTable(
      'Open findings by rule',
      ['Rule', 'Open findings'],
      rules.map(([rule, count]) => [rule, String(count)]),
    ),
  };
}

/** Open findings per run, oldest first; incomplete runs hatched, this run highlighted. */
export function trendChart(runs: readonly RunHistoryEntry[], currentRunId: string, note: string): Chart {
  const width = 460;
  const height = 210;
  const left = 34;
  const top = 18;
  const bottom = 34;
  const plotWidth = width - left - 10;
  const plotHeight = height - top - bottom;
  const max = niceMax(Math.max(0, ...runs.map((run) => run.summary.findings)));
  const slot = plotWidth / Math.max(1, runs.length);
  const barWidth = Math.min(28, slot * 0.7);
  const describeRun = (run: RunHistoryEntry) =>
    `${run.finishedAt} ${run.runId}: ${plural(run.summary.findings, 'open finding')}${run.complete ? '' : ' (incomplete run)'}`;
  const summary = `Open findings over the last ${plural(runs.length, 'run')}: ${runs
    .map((run) => `${run.summary.findings}${run.complete ? '' : ' (incomplete)'}`)
    .join(', ')}.`;
  const parts = [svgOpen('trend', width, height, 'Open findings per run', summary)];
  parts.push(
    '<defs><pattern id="trend-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      '<rect class="hatch-bg" width="6" height="6"/><line class="hatch" x1="0" y1="0" x2="0" y2="6"/></pattern></defs>',
    axis(left, top, plotWidth, plotHeight, max),
  );
  runs.forEach((run, index) => {
    const value = run.summary.findings;
    const barHeight = (value / max) * plotHeight;
    const x = left + index * slot + (slot - barWidth) / 2;
    const y = top + plotHeight - barHeight;
    const current = run.runId === currentRunId;
    const classes = ['bar', 'run', run.complete ? '' : 'incomplete', current ? 'current' : '']
      .filter(Boolean)
      .join(' ');
    parts.push(
      rect(
        { x, y, width: barWidth, height: barHeight },
        `class="${classes}" data-run="${esc(run.runId)}" data-value="${value}" data-incomplete="${!run.complete}"`,
        describeRun(run),
      ),
    );
    if (!run.complete) {
      parts.push(
        `<text class="mark" x="${fmt(x + barWidth / 2)}" y="${fmt(y - 4)}" text-anchor="middle">!</text>`,
      );
    }
  });
  const first = runs[0];
  const last = runs[runs.length - 1];
  if (first) {
    parts.push(
      `<text class="label" x="${left}" y="${height - bottom + 16}">${esc(first.finishedAt.slice(0, 10))}</text>`,
    );
  }
  if (last && last !== first) {
    parts.push(
      `<text class="label" x="${left + plotWidth}" y="${height - bottom + 16}" text-anchor="end">${esc(last.finishedAt.slice(0, 10))}</text>`,
    );
  }
  parts.push('</svg>');
  return {
    name: 'trend',
    heading: 'Open findings per run',
    summary,
    svg: parts.join(''),
    table: dataTable(
      'Open findings per run, oldest first',
      ['Run', 'Finished', 'Mode', 'Open findings', 'Complete'],
      runs.map((run) => [
        run.runId,
        run.finishedAt,
        run.mode,
        String(run.summary.findings),
        run.complete ? 'yes' : 'no',
      ]),
    ),
    note,
  };
}
