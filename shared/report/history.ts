import { type ReportSummary, SEVERITIES } from '../audit/types';
import { getJson, type StateStore } from '../state/store';

/**
 * The run history behind the report page's trend: the record shared/notify/deliver.ts writes at
 * `runs/<runId>.json` in the state store for every run that notifies. "Open findings" of a run is
 * `summary.findings` (waived findings are not counted).
 */
export interface RunHistoryEntry {
  runId: string;
  /** A `RunMode` when this version wrote it; kept as text, since older or newer runs may differ. */
  mode: string;
  finishedAt: string;
  complete: boolean;
  summary: ReportSummary;
}

const RUNS = 'runs';
/** Reads in flight at once: enough to hide an object store's latency, few enough to be polite. */
const READ_CONCURRENCY = 8;

// A safe integer: a corrupt record like 1e308 must not flatten the trend chart's real bars.
const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function isCounts(value: unknown): value is Record<string, number> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((count) => isCount(count))
  );
}

/** Whether a stored value is a usable history entry; anything else is skipped, never trusted. */
export function isRunHistoryEntry(value: unknown): value is RunHistoryEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entry = value as Record<string, unknown>;
  const summary = entry.summary as Record<string, unknown> | null | undefined;
  return (
    typeof entry.runId === 'string' &&
    entry.runId.length > 0 &&
    typeof entry.mode === 'string' &&
    typeof entry.finishedAt === 'string' &&
    !Number.isNaN(Date.parse(entry.finishedAt)) &&
    typeof entry.complete === 'boolean' &&
    typeof summary === 'object' &&
    summary !== null &&
    ['clusters', 'compliant', 'violating', 'errors', 'findings', 'waived'].every((key) =>
      isCount(summary[key]),
    ) &&
    isCounts(summary.bySeverity) &&
    SEVERITIES.every((severity) => isCount((summary.bySeverity as Record<string, unknown>)[severity])) &&
    isCounts(summary.byRule)
  );
}

/** Oldest first by `finishedAt`, then by run id, so equal times still sort the same way every time. */
export function compareRuns(a: RunHistoryEntry, b: RunHistoryEntry): number {
  const byTime = Date.parse(a.finishedAt) - Date.parse(b.finishedAt);
  if (byTime !== 0) return byTime;
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}

async function readEntry(store: StateStore, key: string): Promise<RunHistoryEntry | undefined> {
  try {
    const value = await getJson<unknown>(store, key);
    return isRunHistoryEntry(value) ? value : undefined;
  } catch {
    // Not JSON, or unreadable: one bad record must not cost the page its trend.
    return undefined;
  }
}

/**
 * The last `limit` runs recorded in the store, oldest first by `finishedAt`. Malformed or
 * unreadable entries are skipped. Listing failures are the caller's to handle (they throw).
 */
export async function readRunHistory(store: StateStore, limit = 30): Promise<RunHistoryEntry[]> {
  if (!Number.isInteger(limit) || limit <= 0) return [];
  // Run ids start with their UTC time, so the newest keys come last: read from the end, a batch at
  // a time, until `limit` good records are in, not the whole history (which is never pruned).
  const keys = (await store.list(RUNS)).filter((key) => key.endsWith('.json')).sort();
  const valid: RunHistoryEntry[] = [];
  for (let end = keys.length; end > 0 && valid.length < limit; end -= READ_CONCURRENCY) {
    const batch = keys.slice(Math.max(0, end - READ_CONCURRENCY), end);
    const read = await Promise.all(batch.map((key) => readEntry(store, key)));
    valid.push(...read.filter((entry): entry is RunHistoryEntry => entry !== undefined));
  }
  return valid.sort(compareRuns).slice(-limit);
}
