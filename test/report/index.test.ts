import { describe, expect, it } from 'vitest';
import { formatForFile, formatReport, REPORT_FORMATS } from '../../shared/report/index';
import { formatJunit } from '../../shared/report/junit';
import { formatMarkdown } from '../../shared/report/markdown';
import { formatSarif } from '../../shared/report/sarif';
import { mixedReport } from './fixtures';

describe('formatReport', () => {
  it('renders every format the spec names', () => {
    const report = mixedReport();
    for (const format of REPORT_FORMATS) expect(formatReport(report, format).length).toBeGreaterThan(0);
    expect(formatReport(report, 'markdown')).toBe(formatMarkdown(report));
    expect(formatReport(report, 'sarif')).toBe(formatSarif(report));
    expect(formatReport(report, 'junit')).toBe(formatJunit(report));
  });

  it('picks the --out format from the extension', () => {
    expect(formatForFile('out/report.MD', 'json')).toBe('markdown');
    expect(formatForFile('report.sarif', 'json')).toBe('sarif');
    expect(formatForFile('junit.xml', 'json')).toBe('junit');
    expect(formatForFile('report', 'table')).toBe('table');
    expect(formatForFile('results/report.sarif.json', 'json')).toBe('sarif');
  });

  it('renders without changing the report', () => {
    const report = mixedReport();
    const before = structuredClone(report);
    for (const format of REPORT_FORMATS) formatReport(report, format);
    expect(report).toEqual(before);
  });
});
