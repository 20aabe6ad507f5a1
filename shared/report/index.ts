import type { Report } from '../audit/types';
import { formatJunit } from './junit';
import { formatMarkdown } from './markdown';
import { formatSarif } from './sarif';
import { formatTable } from './table';

export const REPORT_FORMATS = ['json', 'table', 'markdown', 'sarif', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const formatters: Record<ReportFormat, (report: Report) => string> = {
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
  table: formatTable,
  markdown: formatMarkdown,
  sarif: formatSarif,
  junit: formatJunit,
};

export function formatReport(report: Report, format: ReportFormat): string {
  return formatters[format](report);
}

const EXTENSION_FORMATS: Record<string, ReportFormat> = {
  '.json': 'json',
  '.txt': 'table',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.sarif': 'sarif',
  '.xml': 'junit',
};

/** `--out FILE` picks the format from the extension, else falls back to `--format`. */
export function formatForFile(file: string, fallback: ReportFormat): ReportFormat {
  const name = file.toLowerCase();
  // `report.sarif.json` is SARIF (GitHub's convention), not the JSON report.
  if (name.endsWith('.sarif.json')) return 'sarif';
  const match = /\.[^./\\]+$/.exec(name);
  return (match && EXTENSION_FORMATS[match[0]]) || fallback;
}
