import { getJson, keySegment, putJson, type StateStore } from './store';

/**
 * A lease with an expiry, made of the store's one conditional write: generation `n` of a lease is
 * the key `leases/<name>/<n>`, and taking over an expired generation means creating `n + 1`, which
 * only one contender can do. No read-then-write race, on the file system or on OSS alike.
 */
interface LeaseRecord {
  holder: string;
  expiresAt: number;
}

export interface LeaseResult {
  acquired: boolean;
  /** Who holds it when not acquired. */
  holder?: string;
  release(): Promise<void>;
}

const generationKey = (name: string, generation: number) =>
  `leases/${keySegment(name)}/${String(generation).padStart(12, '0')}.json`;

export async function acquireLease(
  store: StateStore,
  name: string,
  holder: string,
  ttlMs: number,
  nowMs: number,
): Promise<LeaseResult> {
  const keys = await store.list(`leases/${keySegment(name)}`);
  const latest = keys.at(-1);
  const generation = latest === undefined ? 0 : Number(/(\d+)\.json$/.exec(latest)?.[1] ?? '0');
  const noop = async () => {};
  if (latest !== undefined) {
    const record = await getJson<LeaseRecord>(store, latest);
    if (record && record.expiresAt > nowMs) {
      // The same holder (a re-invoked run, or a chat job resuming the lease its route took) may go
      // on, and its lease is renewed for ttlMs from now: it works from now on.
      if (record.holder !== holder) return { acquired: false, holder: record.holder, release: noop };
      await putJson(store, latest, { holder, expiresAt: Math.max(record.expiresAt, nowMs + ttlMs) });
      return { acquired: true, release: () => putJson(store, latest, { holder, expiresAt: 0 }) };
    }
  }
  const next = latest === undefined ? 0 : generation + 1;
  const key = generationKey(name, next);
  const created = await store.create(
    key,
    JSON.stringify({ holder, expiresAt: nowMs + ttlMs } satisfies LeaseRecord),
  );
  if (!created) {
    const winner = await getJson<LeaseRecord>(store, key);
    return {
      acquired: winner?.holder === holder,
      ...(winner ? { holder: winner.holder } : {}),
      release: noop,
    };
  }
  // Older generations are history now.
  for (const old of keys) await store.delete(old);
  return { acquired: true, release: () => putJson(store, key, { holder, expiresAt: 0 }) };
}
