/**
 * The fake Clock for tests (`createFakeClock(startMs)`: `sleep` resolves at once with `now` moved to
 * its wake-up time; `advance(ms)` moves it by hand). One implementation, shared with the chat
 * emulators.
 */
export { createFakeClock, type FakeClock } from '../emulator/chat/fake-clock';
