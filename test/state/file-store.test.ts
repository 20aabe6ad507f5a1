import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStateStore } from '../../shared/state/file-store';
import { keySegment, StateError } from '../../shared/state/store';

const store = () => new FileStateStore(mkdtempSync(join(tmpdir(), 'state-')));

describe('FileStateStore', () => {
  it('puts, gets, lists by prefix in order, and deletes', async () => {
    const s = store();
    await s.put('notify/outbox/run-2/ops/0002.json', 'b');
    await s.put('notify/outbox/run-1/ops/0001.json', 'a');
    await s.put('notify/memory.json', '{}');
    expect(await s.get('notify/outbox/run-1/ops/0001.json')).toBe('a');
    expect(await s.get('missing')).toBeUndefined();
    expect(await s.list('notify/outbox')).toEqual([
      'notify/outbox/run-1/ops/0001.json',
      'notify/outbox/run-2/ops/0002.json',
    ]);
    await s.delete('notify/outbox/run-1/ops/0001.json');
    expect(await s.list('notify/outbox')).toEqual(['notify/outbox/run-2/ops/0002.json']);
    expect(await s.list('nothing/here')).toEqual([]);
  });

  it('creates a key only once, even under concurrent attempts', async () => {
    const s = store();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => s.create('lease/run', String(index))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await s.create('lease/run', 'again')).toBe(false);
  });

  it('refuses keys that could escape the store', async () => {
    const s = store();
    for (const key of ['../x', 'a/../../b', '/etc/passwd', 'a//b', 'a/ b']) {
      await expect(s.put(key, 'x')).rejects.toThrow(StateError);
    }
    expect(keySegment('2026-12-03T15:00:00Z-7f3a')).toBe('2026-12-03T15_3a_00_3a_00Z-7f3a');
  });
});
