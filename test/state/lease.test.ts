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
    // run-a back in at 2000 renews its lease until 62 000.
    expect((await acquireLease(s, 'notify', 'run-a', 60_000, 2000)).acquired).toBe(true);
    expect((await acquireLease(s, 'notify', 'run-b', 60_000, 61_001)).acquired).toBe(false);
    expect((await acquireLease(s, 'notify', 'run-b', 60_000, 62_001)).acquired).toBe(true);
    const third = await acquireLease(s, 'notify', 'run-c', 60_000, 62_002);
    expect(third.acquired).toBe(false);
  });

  it('is free again once released', async () => {
    const s = store();
    const lease = await acquireLease(s, 'notify', 'run-a', 60_000, 1000);
    await lease.release();
    expect((await acquireLease(s, 'notify', 'run-b', 60_000, 1001)).acquired).toBe(true);
  });
});

describe('lease renewal', () => {
  it('renews the lease when its holder takes it again, so a resumed job is not overtaken', async () => {
    const store = new FileStateStore(mkdtempSync(join(tmpdir(), 'lease-renew-')));
    expect((await acquireLease(store, 'on-demand', 'run-a', 120_000, 0)).acquired).toBe(true);
    // The chat job resumes the lease its route took, a minute later.
    expect((await acquireLease(store, 'on-demand', 'run-a', 120_000, 60_000)).acquired).toBe(true);
    // Past the first lease's expiry, but within the renewed one: still held.
    const other = await acquireLease(store, 'on-demand', 'run-b', 120_000, 121_000);
    expect(other).toMatchObject({ acquired: false, holder: 'run-a' });
    expect((await acquireLease(store, 'on-demand', 'run-b', 120_000, 181_000)).acquired).toBe(true);
  });
});
