import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Option } from 'commander';
import { exitStatus } from '../shared/audit/report';
import type { Report, Severity } from '../shared/audit/types';
import { SEVERITIES } from '../shared/audit/types';
import { parseRfc3339 } from '../shared/policy/expiry';
import {
  type FormatOptions,
  formatForFile,
  formatReport,
  REPORT_FORMATS,
  type ReportFormat,
} from '../shared/report/index';

/** Options `check` and `run` share (spec/report.md). */
export interface ReportOptions {
  policy?: string;
  format?: ReportFormat;
  out?: string;
  failOn: Severity;
  now?: Date;
  debug?: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseNow(value: string): Date {
  const instant = parseRfc3339(value);
  if (instant === undefined) {
    throw new UsageError(`--now: "${value}" is not an RFC 3339 time such as 2026-12-03T15:00:00Z`);
  }
  return new Date(instant);
}

export function reportOptions() {
  return [
    new Option('--policy <file>', 'policy file (YAML or JSON); default: the built-in baseline policy'),
    new Option(
      '--format <format>',
      'report format on stdout (default: table on a terminal, json otherwise)',
    ).choices(REPORT_FORMATS),
    new Option('--out <file>', 'also write the report to this file (format from the extension)'),
    new Option('--fail-on <severity>', 'lowest severity that fails the run')
      .choices(SEVERITIES)
      .default('low'),
    new Option('--now <time>', 'the clock for waiver expiry and staleness (RFC 3339)').argParser(parseNow),
    new Option('--debug', 'print stack traces of errors'),
  ];
}

/** `--out` is checked before any work, so a typo in it does not cost a whole audit. */
export function checkOutPath(out: string | undefined): void {
  if (out === undefined) return;
  if (existsSync(out) && statSync(out).isDirectory())
    throw new UsageError(`--out: ${out} is a directory; give a file name`);
  try {
    accessSync(dirname(resolve(out)), constants.W_OK);
  } catch {
    throw new UsageError(`--out: cannot write into ${dirname(resolve(out))} (missing, or not writable)`);
  }
}

/** Whether stdout or `--out` gets `format` (stdout's default, table or json, is never html). */
export function writesFormat(options: Pick<ReportOptions, 'format' | 'out'>, format: ReportFormat): boolean {
  const stdout = options.format ?? 'table';
  return stdout === format || (options.out !== undefined && formatForFile(options.out, stdout) === format);
}

/** Prints the report, writes `--out`, and returns the exit status of spec/report.md. */
export async function emitReport(
  report: Report,
  options: ReportOptions,
  formatOptions: FormatOptions = {},
): Promise<number> {
  const format = options.format ?? (process.stdout.isTTY ? 'table' : 'json');
  const stdoutText = formatReport(report, format, formatOptions);
  const fileText = options.out
    ? formatReport(report, formatForFile(options.out, format), formatOptions)
    : undefined;
  process.stdout.write(stdoutText);
  if (options.out && fileText !== undefined) await writeFile(options.out, fileText);
  return exitStatus(report, options.failOn);
}
