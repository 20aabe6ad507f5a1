import type { Clock } from '../clock';

/**
 * Per-channel send pacing over several rules at once (Feishu: 5 per second AND 100 per minute),
 * on an injected Clock so tests run minutes of limits in milliseconds.
 *
 * Each rule is a sliding window, not a refilling token bucket: a bucket of capacity `max` that
 * refills `max` per window lets nearly 2 × max through in one window (a full bucket, then the
 * refill), which DingTalk punishes with a 10-minute block. Here a send is allowed only when the
 * `max`-th previous send is more than `windowMs + marginMs` old, so ANY window of `windowMs` holds
 * at most `max` sends (20 in any 60 s for DingTalk, never 21). The margin absorbs the difference
 * between when we send and when the service counts the arrival.
 */

export interface RateRule {
  max: number;
  windowMs: number;
}

export interface RateLimiter {
  /**
   * Resolves when one more send is allowed by every rule and no block, and counts that send. With
   * `notAfter` (clock ms), a turn that would come later rejects with TurnTooLateError instead,
   * counting nothing, so callers queued behind it are not pushed back.
   */
  acquire(notAfter?: number): Promise<void>;
  /** Sends nothing before `untilMs` (Retry-After, DingTalk's 10-minute block); the later one wins. */
  block(untilMs: number): void;
  /** When the next `acquire()` would go through, as of now (ms on the clock). */
  nextAllowedAt(): number;
}

export interface RateLimiterOptions {
  /** Added to every window; default 2 % of the window, at least 50 ms. */
  marginMs?: number;
}

export class TurnTooLateError extends Error {
  override readonly name = 'TurnTooLateError';
  constructor() {
    super('the next allowed send comes after the given time');
  }
}

const defaultMargin = (windowMs: number) => Math.max(50, Math.ceil(windowMs * 0.02));

export function createRateLimiter(
  rules: readonly RateRule[],
  clock: Clock,
  options: RateLimiterOptions = {},
): RateLimiter {
  for (const rule of rules) {
    if (!(Number.isInteger(rule.max) && rule.max >= 1 && rule.windowMs > 0)) {
      throw new RangeError(`invalid rate rule: ${rule.max} per ${rule.windowMs} ms`);
    }
  }
  const windows = rules.map((rule) => ({
    max: rule.max,
    spanMs: rule.windowMs + (options.marginMs ?? defaultMargin(rule.windowMs)),
    /** Times of the last `max` sends, oldest first. */
    sent: [] as number[],
  }));
  let blockedUntil = Number.NEGATIVE_INFINITY;
  let queue: Promise<void> = Promise.resolve();

  const nextAllowedAt = (): number => {
    let at = Math.max(clock.now(), blockedUntil);
    for (const window of windows) {
      if (window.sent.length < window.max) continue;
      const oldest = window.sent[window.sent.length - window.max] ?? Number.NEGATIVE_INFINITY;
      // Strictly more than spanMs after the oldest counted send.
      at = Math.max(at, oldest + window.spanMs + 1);
    }
    return at;
  };

  const take = async (notAfter: number | undefined): Promise<void> => {
    for (;;) {
      const at = nextAllowedAt();
      const now = clock.now();
      if (notAfter !== undefined && at > notAfter) throw new TurnTooLateError();
      if (at <= now) break;
      await clock.sleep(at - now);
    }
    const now = clock.now();
    for (const window of windows) {
      window.sent.push(now);
      if (window.sent.length > window.max) window.sent.shift();
    }
  };

  return {
    // One acquire at a time, in call order: two callers never take the same last slot.
    acquire(notAfter) {
      const turn = queue.then(() => take(notAfter));
      queue = turn.catch(() => undefined);
      return turn;
    },
    block(untilMs) {
      blockedUntil = Math.max(blockedUntil, untilMs);
    },
    nextAllowedAt,
  };
}
