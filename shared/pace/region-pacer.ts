import { type Clock, realClock } from '../clock';
/**
 * One pace per region (`--qps`, default 10 requests per second): E-HPC's flow control is per
 * region endpoint, so each region gets its own window and a slow region never holds up another.
 * With the pace respected the audit slows down instead of tripping Throttling and retrying.
 */
import { DeadlineReachedError } from '../deadline';
import { createRateLimiter, type RateLimiter } from './rate-limiter';

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
      // No margin: the window is our own measure here, not a remote service's count to stay under.
      limiter = createRateLimiter([{ max: qps, windowMs: 1000 }], clock, { marginMs: 0 });
      limiters.set(region, limiter);
    }
    if (deadline !== undefined && limiter.nextAllowedAt() - clock.now() + Date.now() >= deadline) {
      throw new DeadlineReachedError();
    }
    await limiter.acquire();
    checkDeadline();
  };
}

export const DEFAULT_QPS = 10;
