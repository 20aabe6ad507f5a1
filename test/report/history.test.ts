import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunHistory } from '../../shared/report/history';
import { FileStateStore } from '../../shared/state/file-store';
import type { StateStore } from '../../shared/state/store';

const summary = (findings: number) => ({
  clusters: 3,
  compliant: 1,
  violating: 2,
  errors: 0,
  findings,
  waived: 0,
  bySeverity: { critical: 0, high: findings, medium: 0, low: 0, info: 0 },
  byRule: {},
});

async function storeWithRuns(count: number): Promise<FileStateStore> {
  const store = new FileStateStore(mkdtempSync(join(tmpdir(), 'history-')));
  for (let day = 1; day <= count; day += 1) {
    const stamp = `2026-${String(Math.ceil(day / 28)).padStart(2, '0')}-${String(((day - 1) % 28) + 1).padStart(2, '0')}T02:30:00Z`;
    await store.put(
      `runs/${stamp.replace(/:/g, '_3a_')}-abcd.json`,
      JSON.stringify({
        runId: `${stamp}-abcd`,
        mode: 'scheduled',
        finishedAt: stamp,
        complete: true,
        summary: summary(day),
      }),
    );
  }
  return store;
}

describe('readRunHistory', () => {
  it('reads only the newest records, not the whole history', async () => {
    const store = await storeWithRuns(120);
    let reads = 0;
    const counting: StateStore = {
      get: (key) => {
        reads += 1;
        return store.get(key);
      },
      put: (key, value) => store.put(key, value),
      create: (key, value) => store.create(key, value),
      list: (prefix) => store.list(prefix),
      delete: (key) => store.delete(key),
    };
    const history = await readRunHistory(counting, 30);
    expect(history).toHaveLength(30);
    expect(history.at(-1)?.summary.findings).toBe(120);
    expect(history[0]?.summary.findings).toBe(91);
    expect(reads).toBeLessThanOrEqual(60);
  });

  it('skips a record whose counts are not safe integers (1e308 would flatten the trend)', async () => {
    const store = await storeWithRuns(3);
    await store.put(
      'runs/2026-01-04T02_3a_30_3a_00Z-ffff.json',
      JSON.stringify({
        runId: 'x',
        mode: 'scheduled',
        finishedAt: '2026-01-04T02:30:00Z',
        complete: true,
        summary: summary(1e308),
      }),
    );
    const history = await readRunHistory(store);
    expect(history.map((entry) => entry.summary.findings)).toEqual([1, 2, 3]);
  });
});
