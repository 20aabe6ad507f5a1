import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStateStore } from '../../shared/state/file-store';
import { acquireLease } from '../../shared/state/lease';

const store = () => new FileStateStore(mkdtempSync(join(tmpdir(), 'lease-')));

describe('run lease', () => {
  it('lets exactly one of many concurrent contenders hold it', async () => {
    const s = store();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) => acquireLease(s, 'notify', `run-${index}`, 60_000, 1000)),
    );
    expect(results.filter((result) => result.acquired)).toHaveLength(1);
  });

  it('refuses another holder until it expires or is released, and lets the same holder back in', async () => {
    const s = store();
    const first = await acquireLease(s, 'notify', 'run-a', 60_000, 1000);
    expect(first.acquired).toBe(true);
    expect(await acquireLease(s, 'notify', 'run-b', 60_000, 2000)).toMatchObject({
      acquired: false,
      holder: 'run-a',
    });
    expect((await acquireLease(s, 'notify', 'run-a', 60_000, 2000)).acquired).toBe(true);
    expect((await acquireLease(s, 'notify', 'run-b', 60_000, 61_001)).acquired).toBe(true);
    const third = await acquireLease(s, 'notify', 'run-c', 60_000, 61_002);
    expect(third.acquired).toBe(false);
  });

  it('is free again once released', async () => {
    const s = store();
    const lease = await acquireLease(s, 'notify', 'run-a', 60_000, 1000);
    await lease.release();
    expect((await acquireLease(s, 'notify', 'run-b', 60_000, 1001)).acquired).toBe(true);
  });
});
