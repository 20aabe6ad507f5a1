/** The chat emulator: `startChatEmulator`, its types, the fake clock and the verifiers. */
export { dingtalkMissingField } from './dingtalk';
export { createFakeClock, type FakeClock } from './fake-clock';
export { FEISHU_SUCCESS } from './feishu';
export { startChatEmulator } from './server';
export { slackBlocksProblem } from './slack';
export type * from './types';
export * from './verify';
