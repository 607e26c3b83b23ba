import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Integration tests spawn ffmpeg and browsers; two cores, so keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/unhandled.ts'],
    // Polls wait on real processes (ffmpeg, Chromium) on a shared two-core machine: give them room.
    expect: { poll: { timeout: 10_000, interval: 50 } },
  },
});
