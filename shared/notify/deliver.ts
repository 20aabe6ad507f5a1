import type { Report } from '../audit/types';
import { type Clock, realClock } from '../clock';
import { createRateLimiter, type RateLimiter } from '../pace/rate-limiter';
import { redactSecrets } from '../redact';
import { acquireLease } from '../state/lease';
import { getJson, keySegment, putJson, type StateStore } from '../state/store';
import type { Channel, ChannelDriver, OutgoingPart } from './channel';
import { type ChannelMemory, planDigests } from './digest';
import { driverFor } from './drivers/index';
import type { FindingMemory } from './memory';
import { renderDigest } from './render';
import { sendPart } from './send';
import { splitIntoParts } from './split';

/**
 * Delivery with memory: each run's digest is written to an outbox before anything is sent, every
 * part has a stable id (`<runId>/<channel>/<index>`) recorded when delivered, and the outbox is
 * flushed at the start of every run. So a part is never lost (it waits for the next run), never
 * posted twice by one run (a re-invoked run finds its digest already built, its delivered parts
 * marked, and a claim on any part it may already have sent), and a part the service may have
 * accepted after we gave up is not resent by that run. One run notifies at a time (the `notify`
 * lease); a run that finds another holding it defers its news to the next run.
 */

const MEMORY_KEY = 'notify/memory.json';
const CHANNELS_KEY = 'notify/channels.json';
const OUTBOX = 'notify/outbox';
const DIGESTS = 'notify/digests';
const CLAIMS = 'notify/claims';
const RUNS = 'runs';
const RETRY_AFTER_CAP_MS = 15 * 60 * 1000;
const LEASE_TTL_MS = 15 * 60 * 1000;
const DIGEST_MARKER_TTL_MS = 7 * 24 * 3600 * 1000;

export type PartStatus = 'pending' | 'delivered' | 'uncertain' | 'failed';

interface OutboxEntry {
  part: OutgoingPart;
  status: PartStatus;
  attempts: number;
  lastError?: string;
  updatedAt: string;
}

export interface UndeliveredPart {
  id: string;
  channel: string;
  status: Exclude<PartStatus, 'delivered'>;
  error?: string;
}

export interface NotifyResult {
  /** Parts this run queued (its own digests). */
  queued: number;
  /** Parts delivered by this invocation, this run's or earlier runs'. */
  delivered: string[];
  /** Every part still not delivered after this invocation, with why. */
  undelivered: UndeliveredPart[];
  /** Only with dryRun: the parts that would be sent, nothing written or posted. */
  rendered?: OutgoingPart[];
  /** Another run held the notification lease: this run sent nothing; the next run tells its news. */
  deferredTo?: string;
}

export interface NotifyOptions {
  store: StateStore;
  clock?: Clock;
  fetch?: typeof fetch;
  drivers?: (channel: Channel) => ChannelDriver;
  reportUrl?: string;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  /** Attempts per part within one run for retryable failures. */
  maxAttempts?: number;
  /** Stop starting sends after this instant (ms), leaving the rest in the outbox. */
  deadline?: number;
  dryRun?: boolean;
}

const partKey = (part: Pick<OutgoingPart, 'runId' | 'channel' | 'index'>) =>
  `${OUTBOX}/${keySegment(part.runId)}/${keySegment(part.channel)}/${String(part.index).padStart(4, '0')}.json`;

function renderParts(
  report: Report,
  plan: ReturnType<typeof planDigests>,
  channels: readonly Channel[],
  drivers: (c: Channel) => ChannelDriver,
) {
  return plan.digests.flatMap((digest) => {
    const channel = channels.find((candidate) => candidate.name === digest.channel);
    if (!channel) return [];
    const driver = drivers(channel);
    const rendered = renderDigest(digest, driver.flavour);
    const texts = splitIntoParts(rendered.sections, driver.maxTextBytes, (index, total) =>
      // Every part after the first says which run and digest it continues.
      total > 1 ? `(${index}/${total}) ${rendered.title} · run ${report.runId}` : '',
    );
    return texts.map(
      (text, offset): OutgoingPart => ({
        id: `${report.runId}/${channel.name}/${offset + 1}`,
        runId: report.runId,
        channel: channel.name,
        index: offset + 1,
        total: texts.length,
        title: texts.length > 1 ? `${rendered.title} (${offset + 1}/${texts.length})` : rendered.title,
        text,
      }),
    );
  });
}

export async function notifyRun(
  report: Report,
  channels: readonly Channel[],
  options: NotifyOptions,
): Promise<NotifyResult> {
  const { store } = options;
  const clock = options.clock ?? realClock;
  const drivers = options.drivers ?? ((channel: Channel) => driverFor(channel.type));
  const now = new Date(clock.now());

  if (options.dryRun) {
    const memory = (await getJson<FindingMemory>(store, MEMORY_KEY)) ?? {};
    const channelMemory = (await getJson<Record<string, ChannelMemory>>(store, CHANNELS_KEY)) ?? {};
    const plan = planDigests(report, channels, memory, channelMemory, now, options.reportUrl);
    return {
      queued: 0,
      delivered: [],
      undelivered: [],
      rendered: renderParts(report, plan, channels, drivers),
    };
  }

  // Single flight: one run notifies at a time. A run that finds another run holding the lease
  // leaves its findings unmarked, so the next run tells them; it never sends alongside the other.
  const lease = await acquireLease(
    store,
    'notify',
    report.runId,
    options.deadline === undefined ? LEASE_TTL_MS : Math.max(0, options.deadline - clock.now()) + 60_000,
    clock.now(),
  );
  if (!lease.acquired) {
    return {
      queued: 0,
      delivered: [],
      undelivered: [],
      ...(lease.holder ? { deferredTo: lease.holder } : {}),
    };
  }
  try {
    return await notifyHoldingLease(report, channels, options, clock, drivers, now);
  } finally {
    await lease.release();
  }
}

async function notifyHoldingLease(
  report: Report,
  channels: readonly Channel[],
  options: NotifyOptions,
  clock: Clock,
  drivers: (channel: Channel) => ChannelDriver,
  now: Date,
): Promise<NotifyResult> {
  const { store } = options;
  // Read under the lease: another run may have changed the memory until a moment ago.
  const memory = (await getJson<FindingMemory>(store, MEMORY_KEY)) ?? {};
  const channelMemory = (await getJson<Record<string, ChannelMemory>>(store, CHANNELS_KEY)) ?? {};
  // Build this run's digests once: a re-invoked run (FC retries async invocations) finds the
  // marker and sends what is left instead of building, and marking, a second digest.
  let queued = 0;
  const markerKey = `${DIGESTS}/${keySegment(report.runId)}.json`;
  if ((await store.get(markerKey)) === undefined) {
    const plan = planDigests(report, channels, memory, channelMemory, now, options.reportUrl);
    const parts = renderParts(report, plan, channels, drivers);
    for (const part of parts) {
      const entry: OutboxEntry = { part, status: 'pending', attempts: 0, updatedAt: now.toISOString() };
      await putJson(store, partKey(part), entry);
    }
    queued = parts.length;
    await putJson(store, MEMORY_KEY, plan.memory);
    await putJson(store, CHANNELS_KEY, { ...channelMemory, ...plan.channelMemory });
    await store.create(markerKey, JSON.stringify({ createdAt: now.toISOString(), parts: parts.length }));
  }

  // The run history: one small record per run (later, the report page's trend reads it).
  await putJson(store, `${RUNS}/${keySegment(report.runId)}.json`, {
    runId: report.runId,
    mode: report.mode,
    finishedAt: report.finishedAt,
    complete: report.complete,
    summary: report.summary,
  });
  const delivered = await flushOutbox(report.runId, channels, drivers, clock, options);
  await prune(store, report.runId, now);
  const undelivered: UndeliveredPart[] = [];
  for (const key of await store.list(OUTBOX)) {
    const entry = await getJson<OutboxEntry>(store, key);
    if (!entry || entry.status === 'delivered') continue;
    undelivered.push({
      id: entry.part.id,
      channel: entry.part.channel,
      status: entry.status,
      ...(entry.lastError ? { error: entry.lastError } : {}),
    });
  }
  return { queued, delivered, undelivered };
}

/** Sends every part not yet delivered, oldest run first, one rate limiter per channel. */
async function flushOutbox(
  runId: string,
  channels: readonly Channel[],
  drivers: (channel: Channel) => ChannelDriver,
  clock: Clock,
  options: NotifyOptions,
): Promise<string[]> {
  const { store } = options;
  const limiters = new Map<string, RateLimiter>();
  const delivered: string[] = [];
  const maxAttempts = options.maxAttempts ?? 4;
  const stopped = new Set<string>();
  for (const key of await store.list(OUTBOX)) {
    const entry = await getJson<OutboxEntry>(store, key);
    if (!entry || entry.status === 'delivered') continue;
    // A part the service may have accepted after we gave up is not resent by the run that sent
    // it; a later run resends it (a lost message is worse than a repeat that carries its id).
    // A permanent failure is not retried by the run that met it, but by the next one: the
    // operator may have fixed the token or secret since, and nothing is dropped silently.
    if ((entry.status === 'uncertain' || entry.status === 'failed') && entry.part.runId === runId) continue;
    const channel = channels.find((candidate) => candidate.name === entry.part.channel);
    const save = (update: Partial<OutboxEntry>) =>
      putJson(store, key, { ...entry, ...update, updatedAt: new Date(clock.now()).toISOString() });
    if (!channel) {
      await save({
        status: 'failed',
        lastError: `channel ${entry.part.channel} is not configured; the part waits for it`,
      });
      continue;
    }
    // Parts of one channel go in order: after one is held back, the rest of that channel waits too.
    if (stopped.has(channel.name)) continue;
    // A claim per part and run, created before the first request: if this run was already here
    // (a crash mid-send, a second invocation, FC retrying), the service may have the part, so this
    // run does not send it again. It is removed only when we know the part was not accepted.
    const claim = `${CLAIMS}/${keySegment(runId)}/${keySegment(entry.part.id)}`;
    if (!(await store.create(claim, new Date(clock.now()).toISOString()))) {
      if (entry.status === 'pending')
        await save({ status: 'uncertain', lastError: 'an earlier attempt of this run did not finish' });
      continue;
    }
    const driver = drivers(channel);
    // One limiter per webhook, not per channel name: two channels on one robot share its rate.
    const rateKey = channel.url;
    let limiter = limiters.get(rateKey);
    if (!limiter) {
      limiter = createRateLimiter(driver.rate, clock);
      limiters.set(rateKey, limiter);
    }
    let attempts = entry.attempts;
    for (;;) {
      if (
        options.deadline !== undefined &&
        Math.max(clock.now(), limiter.nextAllowedAt()) >= options.deadline
      ) {
        stopped.add(channel.name);
        await save({
          status: 'pending',
          attempts,
          lastError: 'the run ran out of time; it is sent next run',
        });
        await store.delete(claim);
        break;
      }
      await limiter.acquire();
      attempts += 1;
      const outcome = await sendPart(driver, channel, entry.part, {
        clock,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
      if (outcome.status === 'delivered') {
        await save({ status: 'delivered', attempts });
        delivered.push(entry.part.id);
        break;
      }
      const error = redactSecrets(`${outcome.code}: ${outcome.message}`);
      if (outcome.status === 'failed' || outcome.status === 'uncertain') {
        await save({ status: outcome.status, attempts, lastError: error });
        if (outcome.status === 'uncertain') stopped.add(channel.name);
        break;
      }
      const waitMs = Math.min(
        outcome.retryAfterMs ?? 1000 * 2 ** Math.min(attempts - entry.attempts - 1, 4),
        RETRY_AFTER_CAP_MS,
      );
      if (
        attempts - entry.attempts >= maxAttempts ||
        (options.deadline !== undefined && clock.now() + waitMs >= options.deadline)
      ) {
        stopped.add(channel.name);
        await save({ status: 'pending', attempts, lastError: error });
        // Known not accepted (a retryable answer): a re-invocation of this run may try again.
        await store.delete(claim);
        break;
      }
      limiter.block(clock.now() + waitMs);
    }
  }
  return delivered;
}

/** Drops what no later run needs: delivered and failed parts of earlier runs, week-old markers. */
async function prune(store: StateStore, runId: string, now: Date): Promise<void> {
  for (const key of await store.list(OUTBOX)) {
    const entry = await getJson<OutboxEntry>(store, key);
    if (entry && entry.part.runId !== runId && entry.status === 'delivered') await store.delete(key);
  }
  for (const key of await store.list(CLAIMS)) {
    if (!key.startsWith(`${CLAIMS}/${keySegment(runId)}/`)) {
      const claimed = await store.get(key);
      if (claimed && now.getTime() - Date.parse(claimed) > DIGEST_MARKER_TTL_MS) await store.delete(key);
    }
  }
  for (const key of await store.list(DIGESTS)) {
    const marker = await getJson<{ createdAt: string }>(store, key);
    if (marker && now.getTime() - Date.parse(marker.createdAt) > DIGEST_MARKER_TTL_MS)
      await store.delete(key);
  }
}
