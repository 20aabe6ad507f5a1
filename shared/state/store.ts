/**
 * The state store: a small key-value interface that a file system (default) or OSS (production,
 * a later issue) can implement alike. Keys are `/`-separated paths of `[A-Za-z0-9._-]` segments.
 */
export interface StateStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  /** Writes only if the key is absent; true when this call created it (the store's one conditional write). */
  create(key: string, value: string): Promise<boolean>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

export class StateError extends Error {
  override readonly name = 'StateError';
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Refuses keys that could escape the store (`..`, absolute paths) or that no backend can hold. */
export function checkKey(key: string): string {
  const segments = key.split('/');
  if (segments.some((segment) => !SEGMENT.test(segment) || segment === '.' || segment === '..')) {
    throw new StateError(
      `invalid state key ${JSON.stringify(key.length > 200 ? `${key.slice(0, 200)}…` : key)}`,
    );
  }
  return key;
}

/** A key segment made from free text (a run id, a channel name): safe characters only, reversible enough to read. */
export function keySegment(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, (ch) => `_${ch.charCodeAt(0).toString(16)}_`);
}

export async function getJson<T>(store: StateStore, key: string): Promise<T | undefined> {
  const text = await store.get(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new StateError(`state entry ${key} is not JSON; remove it or restore it from a backup`);
  }
}

export const putJson = (store: StateStore, key: string, value: unknown) =>
  store.put(key, JSON.stringify(value));
