import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-fast-check.ts'],
    testTimeout: 20_000,
    // The functions' structured progress lines are their normal output; hundreds of them would bury
    // the test report. Everything else the code logs still shows.
    onConsoleLog: (log) => !log.includes('"event":"audit.progress"'),
  },
});
