/**
 * Unit tests (src/core, pure) and integration tests (src/server, tests/) against a real
 * PostgreSQL: one embedded server per run (tests/support/global-setup.ts), one database per test
 * file. Browser journeys run separately (tests/e2e, Playwright).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
