/**
 * What the benchmarks share: the real app started as `consilium start` builds it, on its own
 * embedded PostgreSQL in a temporary directory, listening on loopback, with request logs off
 * (they are not part of the figures); a browser's cookie header; percentiles by nearest rank.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startConsilium, type Consilium } from '../src/server/app/app.ts';
import { loadConfig } from '../src/server/config/config.ts';
import { ControllableClock } from '../src/server/platform/clock.ts';
import { freePort } from '../tests/support/global-setup.ts';
import { startSmtpSink } from '../tests/support/smtp-sink.ts';
import { TestClient, type TestApp } from '../tests/support/test-app.ts';

export interface BenchServer {
  app: Consilium;
  /** The app as the test helpers take it (accounts, members). */
  testApp: TestApp;
  /** From the call to the app answering. */
  bootMs: number;
  /** Stops the app and the mail sink and removes the data directory; safe to call twice. */
  close(): Promise<void>;
}

export async function startBenchServer(name: string): Promise<BenchServer> {
  const startedAt = performance.now();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `consilium-bench-${name}-`));
  // The embedded server runs as `postgres` when this runs as root: it must reach the directory.
  await fs.chmod(dataDir, 0o755);
  const smtp = await startSmtpSink();
  const clock = new ControllableClock();
  let app: Consilium | null = null;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app?.close();
    await smtp.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      CONSILIUM_DATA_DIR: dataDir,
      CONSILIUM_DB_PORT: String(await freePort()),
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      LOG_LEVEL: 'warn',
      CONSILIUM_SEED_DEMO: 'false',
    });
    const started = await startConsilium({ config, clock });
    app = started;
    const testApp: TestApp = {
      app: started,
      clock,
      smtp,
      databaseUrl: started.databaseUrl,
      dataDir,
      client: () => new TestClient(started),
      close,
    };
    return { app: started, testApp, bootMs: performance.now() - startedAt, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Every cookie a browser would send back (session and CSRF), as a `Cookie` header. */
export function cookieHeader(client: TestClient): string {
  return [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** The value at `fraction` of ascending `sorted` by nearest rank (p95: fraction 0.95). */
export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * fraction) - 1))]!;
}
