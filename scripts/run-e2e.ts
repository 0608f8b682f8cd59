/**
 * Browser journeys (tests/e2e/*.e2e.ts) against the real Consilium: starts an SMTP sink, the
 * server (`bin/consilium.mjs start`, fresh data directory and embedded PostgreSQL, test clock on,
 * demo organization seeded) and headless Chromium, runs the journeys one after another with
 * node:test in this process, then stops everything, even when a journey fails or the run is
 * interrupted. Ends with "E2E: N passed, M failed".
 *
 *   npm run test:e2e                         all journeys
 *   npm run test:e2e -- tests/e2e/org-admin.e2e.ts
 *   E2E_HEADED=1 / CHROMIUM_PATH=/path/to/chromium / E2E_LOG_LEVEL=info / E2E_TIMEOUT_MS=15000
 */
import fs from 'node:fs';
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { chromium, type Browser } from 'playwright-core';
import { resultsDir, setHarness } from '../tests/e2e/support/harness.ts';
import { repoRoot, startServer, type RunningServer } from '../tests/e2e/support/server.ts';
import { startSmtpSink, type SmtpSink } from '../tests/support/smtp-sink.ts';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function journeyFiles(): string[] {
  const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  if (requested.length > 0) return requested.map((file) => path.resolve(file));
  const dir = path.join(repoRoot, 'tests', 'e2e');
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.e2e.ts'))
    .sort()
    .map((name) => path.join(dir, name));
}

let smtp: SmtpSink | null = null;
let server: RunningServer | null = null;
let browser: Browser | null = null;

async function cleanUp(): Promise<void> {
  setHarness(null);
  await browser?.close().catch(() => undefined);
  browser = null;
  await server?.stop().catch((error: unknown) => console.error('Stopping Consilium failed:', error));
  server = null;
  await smtp?.close().catch(() => undefined);
  smtp = null;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping the browser and Consilium…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const files = journeyFiles();
  if (files.length === 0) {
    console.error('E2E: no journeys found in tests/e2e/*.e2e.ts');
    return 1;
  }
  if (!fs.existsSync(chromiumPath)) {
    console.error(`E2E: Chromium not found at ${chromiumPath}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
    return 1;
  }
  fs.mkdirSync(resultsDir, { recursive: true });
  for (const old of fs.readdirSync(resultsDir).filter((name) => name.endsWith('.png'))) fs.rmSync(path.join(resultsDir, old));

  const started = Date.now();
  smtp = await startSmtpSink();
  console.log('E2E: starting Consilium (builds the web app if needed)…');
  server = await startServer({ smtpPort: smtp.port, resultsDir });
  console.log(`E2E: Consilium ready at ${server.baseUrl} in ${((Date.now() - started) / 1000).toFixed(1)} s; server log: ${path.relative(repoRoot, server.logFile)}`);
  const headed = process.env.E2E_HEADED === '1';
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: !headed,
    args: [
      ...(headed ? [] : ['--headless']),
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      // The server listens on 127.0.0.1; "localhost" must not be tried over IPv6 first.
      '--host-resolver-rules=MAP localhost 127.0.0.1',
    ],
  });
  setHarness({ baseUrl: server.baseUrl, smtp, browser });

  let passed = 0;
  let failed = 0;
  const stream = run({ files, isolation: 'none', concurrency: false, timeout: 180_000 });
  stream.on('test:pass', (event) => {
    if (event.details.type !== 'suite' && event.skip === undefined && event.todo === undefined) passed += 1;
  });
  stream.on('test:fail', (event) => {
    if (event.details.type !== 'suite') failed += 1;
  });
  await new Promise<void>((resolve, reject) => {
    const output = stream.compose(spec);
    output.on('data', (chunk: string | Buffer) => process.stdout.write(chunk));
    output.on('end', resolve);
    output.on('error', reject);
  });

  if (failed > 0) {
    console.log(`\nE2E: last lines of the server log (${path.relative(repoRoot, server.logFile)}):\n${server.tail(30)}`);
  }
  await cleanUp();
  console.log(`\nE2E: ${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main()
  .catch(async (error: unknown) => {
    console.error('E2E: the run could not complete:', error);
    await cleanUp();
    return 1;
  })
  .then((code) => process.exit(code));
