import type { Report } from '../audit/types';
import { formatTable } from './table';

export const REPORT_FORMATS = ['json', 'table', 'markdown', 'sarif', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Formats this version renders; the others are named by the spec and arrive with the next release. */
const formatters: Partial<Record<ReportFormat, (report: Report) => string>> = {
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
  table: formatTable,
};

export class UnsupportedFormatError extends Error {
  override readonly name = 'UnsupportedFormatError';
}

export function formatReport(report: Report, format: ReportFormat): string {
  const formatter = formatters[format];
  if (!formatter) {
    throw new UnsupportedFormatError(`report format "${format}" is not available yet; use json or table`);
  }
  return formatter(report);
}

const EXTENSION_FORMATS: Record<string, ReportFormat> = {
  '.json': 'json',
  '.txt': 'table',
  '.md': 'markdown',
  '.sarif': 'sarif',
  '.xml': 'junit',
};

/** `--out FILE` picks the format from the extension, else falls back to `--format`. */
export function formatForFile(file: string, fallback: ReportFormat): ReportFormat {
  const match = /\.[^./\\]+$/.exec(file.toLowerCase());
  return (match && EXTENSION_FORMATS[match[0]]) || fallback;
}
