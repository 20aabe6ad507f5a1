import { type Clock, realClock } from '../clock';
import { createRateLimiter, type RateLimiter } from './rate-limiter';

/**
 * One pace per region (`--qps`, default 10 requests per second): E-HPC's flow control is per
 * region endpoint, so each region gets its own window and a slow region never holds up another.
 * With the pace respected the audit slows down instead of tripping Throttling and retrying.
 */
export function createRegionPacer(qps: number, clock: Clock = realClock): (region: string) => Promise<void> {
  const limiters = new Map<string, RateLimiter>();
  return (region) => {
    let limiter = limiters.get(region);
    if (!limiter) {
      // No margin: the window is our own measure here, not a remote service's count to stay under.
      limiter = createRateLimiter([{ max: qps, windowMs: 1000 }], clock, { marginMs: 0 });
      limiters.set(region, limiter);
    }
    return limiter.acquire();
  };
}

export const DEFAULT_QPS = 10;
