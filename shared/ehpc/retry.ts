/** Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog). */
import { attemptLimit, type EhpcApiError } from './errors';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 4. */
  attempts?: number;
  /** Default 200 ms. */
  baseDelayMs?: number;
  /** Default 5000 ms. */
  maxDelayMs?: number;
  /** Injected by tests so nothing really waits. */
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); default Math.random. */
  random?: () => number;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    attempts: Math.max(1, Math.floor(options.attempts ?? 4)),
    baseDelayMs: Math.max(0, options.baseDelayMs ?? 200),
    maxDelayMs: Math.max(0, options.maxDelayMs ?? 5000),
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
  };
}

/** Full jitter: uniform in [0, min(cap, base * 2^(retry-1))], so synchronized clients spread out. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(policy.random() * ceiling);
}

/**
 * Runs `attempt` until it succeeds or its error allows no more tries. `classify` must turn every
 * rejection into an EhpcApiError, which decides (by code, never by HTTP status) whether to go on.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  classify: (rejection: unknown) => EhpcApiError,
): Promise<T> {
  for (let tried = 1; ; tried += 1) {
    try {
      return await attempt();
    } catch (rejection) {
      const error = classify(rejection);
      error.attempts = tried;
      if (tried >= attemptLimit(error, policy.attempts)) throw error;
      await policy.sleep(backoffDelay(policy, tried));
    }
  }
}
