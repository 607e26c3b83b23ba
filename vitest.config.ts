import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    environment: 'node',
    // Integration tests spawn ffmpeg and browsers and hold timing bounds (a tile red within 1 s,
    // frames on time): one file at a time, so no test measures another's load on two cores.
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/unhandled.ts'],
    // Polls wait on real processes (ffmpeg, Chromium) on a shared two-core machine: give them room.
    expect: { poll: { timeout: 10_000, interval: 50 } },
    // Long tests judge the station on a machine of its own (a station PC runs nothing else): they run
    // alone after the rest (`npm run test:long`), never beside two workers' worth of ffmpeg.
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/**/*.long.test.ts']
        }
      },
      { extends: true, test: { name: 'long', include: ['test/**/*.long.test.ts'] } }
    ]
  }
})
