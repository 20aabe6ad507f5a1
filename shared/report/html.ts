import type { Report } from '../audit/types';
import { compareRuns, type RunHistoryEntry } from './history';
import { CONTENT_SECURITY_POLICY, SCRIPT, STYLE } from './html/assets';
import { complianceChart, ruleChart, severityChart, trendChart } from './html/charts';
import { esc } from './html/escape';
import type { Chart } from './html/svg';
import { errorsSection, findingsSection } from './html/tables';

/**
 * The report page (docs/report-page.md): one self-contained HTML file, no external scripts, fonts
 * or images, a Content-Security-Policy that allows only its own style sheet and script (by hash).
 * Every value of the report is escaped (html/escape.ts); the same input gives the same bytes.
 */

export interface HtmlOptions {
  /** Earlier runs from the state store (`readRunHistory`); this run is added if it is not there. */
  history?: readonly RunHistoryEntry[];
  /** Printed in the footer; without it the page has no clock of its own. */
  generatedAt?: Date;
  title?: string;
}

/** Runs the trend shows at most. */
export const TREND_RUNS = 30;

/** The history plus this run (replacing a record of it), oldest first, the last TREND_RUNS. */
export function trendRuns(report: Report, history: readonly RunHistoryEntry[] = []): RunHistoryEntry[] {
  const current: RunHistoryEntry = {
    runId: report.runId,
    mode: report.mode,
    finishedAt: report.finishedAt,
    complete: report.complete,
    summary: report.summary,
  };
  const runs = history.filter((run) => run.runId !== report.runId);
  runs.push(current);
  return runs.sort(compareRuns).slice(-TREND_RUNS);
}

function figure(chart: Chart): string {
  return (
    `<figure id="figure-${chart.name}"><figcaption>${esc(chart.heading)}</figcaption>${chart.svg}` +
    (chart.note ? `<p class="note">${chart.note}</p>` : '') +
    `<details><summary>Data</summary>${chart.table}</details></figure>`
  );
}

const short = (sha: string) => sha.slice(0, 12);

function header(report: Report, title: string): string {
  const { summary } = report;
  const status = report.complete
    ? '<span class="badge ok" id="status">complete</span>'
    : '<span class="badge bad" id="status">INCOMPLETE</span>';
  const violating = `<span class="badge${summary.violating > 0 ? ' bad' : ''}">${summary.violating} violating cluster${summary.violating === 1 ? '' : 's'}</span>`;
  const open = `<span class="badge">${summary.findings} open finding${summary.findings === 1 ? '' : 's'}</span>`;
  const reasons = report.complete
    ? ''
    : `<ul class="reasons" id="incomplete-reasons">${(report.incompleteReasons.length > 0
        ? report.incompleteReasons
        : ['no reason given']
      )
        .map((reason) => `<li>${esc(reason)}</li>`)
        .join('')}</ul>`;
  const filter = report.clusterFilter
    ? `<dt>Clusters</dt><dd>only ${report.clusterFilter.map((id) => `<code>${esc(id)}</code>`).join(', ')}</dd>`
    : '';
  return (
    `<header><h1>${esc(title)}</h1><div class="badges">${status}${violating}${open}</div>${reasons}` +
    '<dl class="meta">' +
    `<dt>Run</dt><dd><code>${esc(report.runId)}</code></dd>` +
    `<dt>Mode</dt><dd>${esc(report.mode)}</dd>` +
    `<dt>Started</dt><dd>${esc(report.startedAt)}</dd>` +
    `<dt>Finished</dt><dd>${esc(report.finishedAt)}</dd>` +
    `<dt>Policy</dt><dd>${esc(report.policy.source)} <span class="muted">sha256</span> ` +
    `<code title="${esc(report.policy.sha256)}">${esc(short(report.policy.sha256))}</code></dd>` +
    filter +
    `<dt>Tool</dt><dd>${esc(report.tool.name)} ${esc(report.tool.version)}</dd>` +
    '</dl></header>'
  );
}

function cards(report: Report): string {
  const { summary } = report;
  const items: [string, number][] = [
    ['Clusters', summary.clusters],
    ['Compliant', summary.compliant],
    ['Violating', summary.violating],
    ['Errors', summary.errors],
    ['Open findings', summary.findings],
    ['Waived', summary.waived],
  ];
  return `<section class="cards" aria-label="Summary">${items
    .map(([label, value]) => `<div class="card"><b>${value}</b>${label}</div>`)
    .join('')}</section>`;
}

function trendNote(
  runs: readonly RunHistoryEntry[],
  history: readonly RunHistoryEntry[] | undefined,
): string {
  const legend =
    'This run is the darkest bar (dark outline if incomplete); hatched bars marked ! are incomplete runs, whose counts are a lower bound.';
  if (runs.length > 1) return `${runs.length} most recent runs, oldest first. ${legend}`;
  return history === undefined
    ? 'No earlier runs recorded: the run history is kept in the state store of <code>run --notify</code> and the scheduled function.'
    : 'No earlier runs recorded in the state store.';
}

function listSection(id: string, heading: string, items: readonly string[]): string {
  if (items.length === 0) return '';
  return `<section id="${id}"><h2>${heading}</h2><ul>${items.map((item) => `<li>${esc(item)}</li>`).join('')}</ul></section>`;
}

export function formatHtml(report: Report, options: HtmlOptions = {}): string {
  const title = options.title ?? `imagegw-audit ${report.mode} ${report.runId}`;
  const runs = trendRuns(report, options.history);
  const charts = [
    severityChart(report),
    complianceChart(report),
    ruleChart(report),
    trendChart(runs, report.runId, trendNote(runs, options.history)),
  ];
  const undelivered = (report.notifications?.undelivered ?? []).map(
    (part) => `${part.status}: ${part.id}${part.error ? ` (${part.error})` : ''}`,
  );
  const generated = options.generatedAt ? ` Generated ${esc(options.generatedAt.toISOString())}.` : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<meta name="color-scheme" content="light dark">',
    `<meta name="generator" content="${esc(report.tool.name)} ${esc(report.tool.version)}">`,
    `<title>${esc(title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    header(report, title),
    cards(report),
    `<section class="charts" aria-label="Charts">${charts.map(figure).join('\n')}</section>`,
    findingsSection(report),
    errorsSection(report),
    listSection('notices-section', 'Notices', report.notices),
    listSection('undelivered-section', 'Chat messages not delivered', undelivered),
    `<footer>${esc(report.tool.name)} ${esc(report.tool.version)}, report version ${report.reportVersion}, run <code>${esc(report.runId)}</code>.${generated}</footer>`,
    '</main>',
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
