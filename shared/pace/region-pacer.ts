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
  const limiters = new Map<string, RateLimiter>();
  const checkDeadline = () => {
    if (deadline !== undefined && Date.now() >= deadline) throw new DeadlineReachedError();
  };
  return async (region) => {
    checkDeadline();
    let limiter = limiters.get(region);
    if (!limiter) {
      // Smooth, not bursty: at most one start per 1000/qps ms, and at most qps in any 1.02 s. The
      // service counts arrivals, which jitter by some milliseconds after our starts; a burst of qps
      // at once lets a few of them land in the service's next second together with the next burst
      // (measured: 14% of calls throttled at qps = the limit), an even spacing with a 2% margin
      // does not (bench/, e2e).
      limiter = createRateLimiter(
        [
          { max: qps, windowMs: 1020 },
          { max: 1, windowMs: Math.max(1, Math.floor(1000 / qps)) },
        ],
        clock,
        { marginMs: 0 },
      );
      limiters.set(region, limiter);
    }
    if (deadline === undefined) {
      await limiter.acquire();
      return;
    }
    // The deadline is wall-clock time, the limiter runs on `clock`: its turn must come before it.
    try {
      await limiter.acquire(deadline - 1 - Date.now() + clock.now());
    } catch (error) {
      if (error instanceof TurnTooLateError) throw new DeadlineReachedError();
      throw error;
    }
    checkDeadline();
  };
}

export const DEFAULT_QPS = 10;
