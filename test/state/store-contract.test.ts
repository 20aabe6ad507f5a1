import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '../../shared/state/file-store';
import { OssStateStore } from '../../shared/state/oss-store';
import { StateError, type StateStore } from '../../shared/state/store';
import { type OssEmulator, startOssEmulator } from '../emulator/oss/server';

interface ContractOptions {
  /** How many keys the paging test writes (past 1000 for OSS, whose pages hold at most 1000). */
  manyKeys: number;
}

/** The one contract every StateStore keeps; `makeStore` gives a fresh, empty store per test. */
function storeContract(
  name: string,
  makeStore: () => StateStore | Promise<StateStore>,
  options: ContractOptions,
) {
  describe(`StateStore contract: ${name}`, () => {
    it('round-trips values, including UTF-8, and overwrites on put', async () => {
      const store = await makeStore();
      const text = 'Grüße, 世界 — 🚀 {"a":"\\u00e9"}\n';
      await store.put('runs/one.json', text);
      expect(await store.get('runs/one.json')).toBe(text);
      await store.put('runs/one.json', 'second');
      expect(await store.get('runs/one.json')).toBe('second');
      await store.put('runs/empty', '');
      expect(await store.get('runs/empty')).toBe('');
    });

    it('answers undefined for a missing key', async () => {
      const store = await makeStore();
      expect(await store.get('missing/key.json')).toBeUndefined();
    });

    it('creates a key once: true, then false, leaving the first value', async () => {
      const store = await makeStore();
      expect(await store.create('lease/run', 'first')).toBe(true);
      expect(await store.create('lease/run', 'second')).toBe(false);
      expect(await store.get('lease/run')).toBe('first');
    });

    it('lets exactly one of 10 concurrent creates win', async () => {
      const store = await makeStore();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) => store.create('lease/concurrent', String(index))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await store.get('lease/concurrent')).toBe(String(winner));
    });

    it('lists keys under a prefix, sorted, and nothing for an empty prefix', async () => {
      const store = await makeStore();
      await store.put('notify/outbox/run-2/ops/0002.json', 'b');
      await store.put('notify/outbox/run-1/ops/0001.json', 'a');
      await store.put('notify/outbox-other/x', 'c');
      await store.put('notify/memory.json', '{}');
      expect(await store.list('notify/outbox')).toEqual([
        'notify/outbox/run-1/ops/0001.json',
        'notify/outbox/run-2/ops/0002.json',
      ]);
      expect(await store.list('notify/outbox/')).toEqual([
        'notify/outbox/run-1/ops/0001.json',
        'notify/outbox/run-2/ops/0002.json',
      ]);
      expect(await store.list('nothing/here')).toEqual([]);
    });

    it(`lists all of ${options.manyKeys} keys`, async () => {
      const store = await makeStore();
      const keys = Array.from(
        { length: options.manyKeys },
        (_, index) => `bulk/k${String(index).padStart(5, '0')}`,
      );
      const shuffled = [...keys].reverse();
      for (let start = 0; start < shuffled.length; start += 50) {
        await Promise.all(shuffled.slice(start, start + 50).map((key) => store.put(key, key)));
      }
      expect(await store.list('bulk')).toEqual(keys);
    });

    it('deletes, and deleting a missing key is not an error', async () => {
      const store = await makeStore();
      await store.put('a/b', 'x');
      await store.delete('a/b');
      expect(await store.get('a/b')).toBeUndefined();
      expect(await store.list('a')).toEqual([]);
      await expect(store.delete('a/b')).resolves.toBeUndefined();
      expect(await store.create('a/b', 'again')).toBe(true);
    });

    it('refuses invalid keys with a StateError', async () => {
      const store = await makeStore();
      for (const key of ['../x', 'a/../../b', '/etc/passwd', 'a//b', 'a/ b', '', 'a/./b']) {
        await expect(store.put(key, 'x')).rejects.toThrow(StateError);
        await expect(store.get(key)).rejects.toThrow(StateError);
        await expect(store.create(key, 'x')).rejects.toThrow(StateError);
        await expect(store.delete(key)).rejects.toThrow(StateError);
      }
      await expect(store.list('../up')).rejects.toThrow(StateError);
      await expect(store.list('')).rejects.toThrow(StateError);
    });
  });
}

storeContract('FileStateStore', () => new FileStateStore(mkdtempSync(join(tmpdir(), 'state-contract-'))), {
  manyKeys: 60,
});

const credentials = { accessKeyId: 'LTAI5tContractTestKey01', accessKeySecret: 'contract-secret-value' };
let emulator: OssEmulator;
let bucketCount = 0;

beforeAll(async () => {
  emulator = await startOssEmulator({ credentials });
});
afterAll(async () => {
  await emulator.close();
});

storeContract(
  'OssStateStore (emulator)',
  () => {
    // A fresh bucket per test keeps tests independent, as a fresh directory does for the file store.
    bucketCount += 1;
    const bucket = `contract-${bucketCount}`;
    emulator.createBucket(bucket);
    return new OssStateStore({
      region: 'cn-hangzhou',
      bucket,
      prefix: 'imagegw/',
      credentials,
      endpoint: emulator.endpoint,
    });
  },
  { manyKeys: 1_050 },
);

describe('OssStateStore against the emulator', () => {
  it('stores objects under the prefix, creates with x-oss-forbid-overwrite, and pages the listing', async () => {
    emulator.createBucket('layout');
    const store = new OssStateStore({
      region: 'oss-cn-shanghai',
      bucket: 'layout',
      prefix: 'imagegw',
      credentials,
      endpoint: emulator.endpoint,
    });
    const before = emulator.requests.length;
    expect(await store.create('runs/r1/lease', 'x')).toBe(true);
    expect([...emulator.objects('layout').keys()]).toEqual(['imagegw/runs/r1/lease']);
    const create = emulator.requests[before];
    expect(create?.method).toBe('PUT');
    expect(create?.headers['x-oss-forbid-overwrite']).toBe('true');
    expect(create?.host).toBe('layout.oss-cn-shanghai.aliyuncs.com');
    const objects = emulator.objects('layout');
    for (let index = 0; index < 2_001; index += 1) {
      objects.set(`imagegw/many/${String(index).padStart(4, '0')}`, {
        body: Buffer.from('v'),
        contentType: 'text/plain',
        etag: '"X"',
        lastModified: 0,
      });
    }
    const listStart = emulator.requests.length;
    const keys = await store.list('many');
    expect(keys).toHaveLength(2_001);
    expect(keys[0]).toBe('many/0000');
    expect(keys.at(-1)).toBe('many/2000');
    const listCalls = emulator.requests.slice(listStart);
    expect(listCalls).toHaveLength(3);
    expect(listCalls.every((request) => request.status === 200)).toBe(true);
    expect(listCalls[1]?.url).toContain('continuation-token=');
  });
});
