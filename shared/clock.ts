/**
 * Time as a dependency: rate limits, Retry-After waits and backoff go through a Clock, so tests run
 * minutes of chat rate limits in milliseconds with a fake one (test/helpers/fake-clock.ts).
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
