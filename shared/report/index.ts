import type { Report } from '../audit/types';
import type { RunHistoryEntry } from './history';
import { formatHtml } from './html';
import { formatJunit } from './junit';
import { formatMarkdown } from './markdown';
import { formatSarif } from './sarif';
import { formatTable } from './table';

export const REPORT_FORMATS = ['json', 'table', 'markdown', 'sarif', 'junit', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** What some formats can use beyond the report; the others ignore it. */
export interface FormatOptions {
  /** Earlier runs from the state store, for the html page's trend (`readRunHistory`). */
  history?: readonly RunHistoryEntry[];
}

const formatters: Record<ReportFormat, (report: Report, options: FormatOptions) => string> = {
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
  table: (report) => formatTable(report),
  markdown: (report) => formatMarkdown(report),
  sarif: (report) => formatSarif(report),
  junit: (report) => formatJunit(report),
  html: (report, options) => formatHtml(report, options.history ? { history: options.history } : {}),
};

export function formatReport(report: Report, format: ReportFormat, options: FormatOptions = {}): string {
  return formatters[format](report, options);
}

const EXTENSION_FORMATS: Record<string, ReportFormat> = {
  '.json': 'json',
  '.txt': 'table',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.sarif': 'sarif',
  '.xml': 'junit',
  '.html': 'html',
  '.htm': 'html',
};

/** `--out FILE` picks the format from the extension, else falls back to `--format`. */
export function formatForFile(file: string, fallback: ReportFormat): ReportFormat {
  const name = file.toLowerCase();
  // `report.sarif.json` is SARIF (GitHub's convention), not the JSON report.
  if (name.endsWith('.sarif.json')) return 'sarif';
  const match = /\.[^./\\]+$/.exec(name);
  return (match && EXTENSION_FORMATS[match[0]]) || fallback;
}
