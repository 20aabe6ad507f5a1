import { type Clock, realClock } from '../clock';
/**
 * One pace per region (`--qps`, default 10 requests per second): E-HPC's flow control is per
 * region endpoint, so each region gets its own window and a slow region never holds up another.
 * With the pace respected the audit slows down instead of tripping Throttling and retrying.
 */
import { DeadlineReachedError } from '../deadline';
import { createRateLimiter, type RateLimiter, TurnTooLateError } from './rate-limiter';

export { DeadlineReachedError } from '../deadline';

/**
 * With a `deadline` (epoch ms, wall clock), a request whose turn comes after it is not sent: the
 * pace's own wait must not carry a read past the function's time limit.
 */
export function createRegionPacer(
  qps: number,
  clock: Clock = realClock,
  deadline?: number,
): (region: string) => Promise<void> {
  const regions = new Map<string, { limiter: RateLimiter; nextSlot: number }>();
  // 3% under the rate: the service counts arrivals, which jitter by some milliseconds after our starts.
  const interval = 1030 / qps;
  const checkDeadline = () => {
    if (deadline !== undefined && Date.now() >= deadline) throw new DeadlineReachedError();
  };
  return async (region) => {
    checkDeadline();
    let pace = regions.get(region);
    if (!pace) {
      // The hard limit, whatever the timeline does: at most qps starts in any 1.05 s, so arrivals
      // jittered by up to 50 ms still fall at most qps into any second the service counts.
      pace = {
        limiter: createRateLimiter([{ max: qps, windowMs: 1050 }], clock, { marginMs: 0 }),
        nextSlot: 0,
      };
      regions.set(region, pace);
    }
    // Smooth, not bursty: each call gets the next slot on an even timeline, 1000/qps ms apart. The
    // service counts arrivals, which jitter by some milliseconds after our starts; a burst of qps
    // at once lets a few land in the service's next second together with the next burst
    // (measured: 14% of calls throttled at qps = the limit). Slots are assigned on the timeline,
    // not from when the previous call really started, so a timer that fires late is caught up
    // instead of lowering the rate for good (bench/, e2e).
    const now = clock.now();
    const slot = Math.max(now, pace.nextSlot);
    const notAfter = deadline === undefined ? undefined : deadline - 1 - Date.now() + now;
    if (notAfter !== undefined && slot > notAfter) throw new DeadlineReachedError();
    pace.nextSlot = slot + interval;
    if (slot > now) await clock.sleep(slot - now);
    try {
      await pace.limiter.acquire(notAfter);
    } catch (error) {
      if (error instanceof TurnTooLateError) throw new DeadlineReachedError();
      throw error;
    }
    checkDeadline();
  };
}

export const DEFAULT_QPS = 10;
