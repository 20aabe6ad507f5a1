/**
 * Per-region flow control, as the POP gateway applies it to each regional endpoint: a request is
 * accepted only while fewer than `perSecond` requests were accepted in the last second (a sliding
 * window on the emulator clock, not per-second buckets, so no burst of 2 × perSecond across a
 * bucket boundary gets through). Refused requests are not counted: a client that retries too soon
 * is refused again, but does not push its later requests further out.
 */
import type { RateLimitOptions } from './types';

export const RATE_WINDOW_MS = 1000;

export class RegionRateLimit {
  private readonly perSecond: number;
  /** Per region, the times of the accepted requests still inside the window, oldest first. */
  private readonly accepted = new Map<string, number[]>();

  constructor(options: RateLimitOptions) {
    if (!(Number.isInteger(options.perSecond) && options.perSecond >= 1)) {
      throw new RangeError(`rateLimit.perSecond must be a positive whole number, not ${options.perSecond}`);
    }
    this.perSecond = options.perSecond;
  }

  /**
   * Counts the request and says true if it is within the limit; says false (counting nothing) if
   * `perSecond` requests were already accepted in the window (now − 1000 ms, now].
   */
  admit(region: string, now: number): boolean {
    let times = this.accepted.get(region);
    if (!times) {
      times = [];
      this.accepted.set(region, times);
    }
    while (times.length > 0 && now - (times[0] ?? now) >= RATE_WINDOW_MS) times.shift();
    if (times.length >= this.perSecond) return false;
    times.push(now);
    return true;
  }
}
