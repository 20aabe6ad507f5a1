/**
 * A fake Clock for tests: `sleep(ms)` completes at once in real time, with `now` moved forward to
 * its wake-up time, so minutes of rate limits and 10-minute blocks pass in milliseconds.
 *
 * Sleepers wake one per turn of the event loop, earliest wake-up first. Sleeps started in the same
 * turn overlap like real timers (sleep(1000) and sleep(500) together advance `now` by 1000, not
 * 1500), and sequential sleeps add up.
 */
import type { Clock } from '../../../shared/clock';

export interface FakeClock extends Clock {
  /** Moves time forward (negative values move it back). */
  advance(ms: number): void;
  /** Sets the time. */
  set(ms: number): void;
  /** Every duration passed to `sleep`, in call order (to assert Retry-After and backoff waits). */
  readonly sleeps: readonly number[];
}

interface Sleeper {
  wake: number;
  order: number;
  resolve: () => void;
}

export function createFakeClock(startMs = 1_700_000_000_000): FakeClock {
  let current = startMs;
  let counter = 0;
  let scheduled = false;
  const sleeps: number[] = [];
  const pending: Sleeper[] = [];

  const wakeNext = (): void => {
    scheduled = false;
    pending.sort((a, b) => a.wake - b.wake || a.order - b.order);
    const next = pending.shift();
    if (!next) return;
    current = Math.max(current, next.wake);
    next.resolve();
    schedule();
  };
  const schedule = (): void => {
    if (scheduled || pending.length === 0) return;
    scheduled = true;
    setImmediate(wakeNext);
  };

  return {
    now: () => current,
    sleep(ms: number): Promise<void> {
      sleeps.push(ms);
      const wait = Number.isFinite(ms) ? Math.max(0, ms) : 0;
      return new Promise<void>((resolve) => {
        pending.push({ wake: current + wait, order: counter++, resolve });
        schedule();
      });
    },
    advance(ms: number): void {
      current += ms;
    },
    set(ms: number): void {
      current = ms;
    },
    sleeps,
  };
}
