import { describe, expect, it } from 'vitest';
import { progressReporter } from '../../bin/progress';
import { progressLogger } from '../../shared/fc/progress-log';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  return {
    written,
    stream: { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream,
  };
}

describe('progress', () => {
  it('writes a plain line at each tenth when stderr is not a terminal, with the time left', () => {
    const { written, stream } = fakeStream(false);
    let now = 0;
    const report = progressReporter(stream, () => now);
    for (let done = 1; done <= 100; done += 1) {
      now = done * 100;
      report({ done, total: 100, errors: done > 95 ? 1 : 0 });
    }
    // The first cluster, then every tenth.
    expect(written).toHaveLength(11);
    expect(written[1]).toBe('imagegw-audit: progress: 10/100 clusters, 0 errors, about 9s left\n');
    expect(written.at(-1)).toBe('imagegw-audit: progress: 100/100 clusters, 1 error\n');
  });

  it('redraws one bar in place on a terminal and ends it with a newline', () => {
    const { written, stream } = fakeStream(true);
    const report = progressReporter(stream, () => 0);
    report({ done: 1, total: 2, errors: 0 });
    report({ done: 2, total: 2, errors: 0 });
    expect(written.every((text) => text.startsWith('\r['))).toBe(true);
    expect(written[1]).toBe(`\r[${'#'.repeat(24)}] 2/2 clusters, 0 errors\u001b[K\n`);
  });

  it('logs structured JSON in the functions', () => {
    const lines: string[] = [];
    const log = progressLogger({ requestId: 'req-1', runId: 'run-1' }, (line) => lines.push(line));
    for (let done = 1; done <= 20; done += 1) log({ done, total: 20, errors: 0 });
    expect(lines).toHaveLength(11);
    expect(JSON.parse(lines.at(-1) ?? '{}')).toEqual({
      level: 'info',
      event: 'audit.progress',
      requestId: 'req-1',
      runId: 'run-1',
      done: 20,
      total: 20,
      errors: 0,
    });
  });
});
