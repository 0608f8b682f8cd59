/**
 * Browser journeys (tests/e2e/*.e2e.ts) against the real Consilium. Starts an SMTP sink (with its
 * messages readable as JSON on loopback) and the server (`bin/consilium.mjs start`: fresh data
 * directory and embedded PostgreSQL, test clock on, demo organization seeded), runs the journey
 * files one after another with node:test (a process per file, each with its own headless
 * Chromium), then stops everything, also when a journey fails or the run is interrupted.
 * Prints node:test's summary, then a last line "E2E: N passed, M failed".
 *
 *   npm run test:e2e                                   all journeys
 *   npm run test:e2e -- tests/e2e/org-admin.e2e.ts     some of them
 *   CHROMIUM_PATH=/path/to/chromium   E2E_LOG_LEVEL=info (server log)   E2E_TIMEOUT_MS=15000 (per step)
 *
 * On failure: a screenshot per failed journey in test-results/, and the server log in
 * test-results/e2e-server-<pid>.log.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { chromiumPath, resultsDir } from '../tests/e2e/support/harness.ts';
import { repoRoot, startServer, type RunningServer } from '../tests/e2e/support/server.ts';
import { startSmtpSink, type SmtpSink } from '../tests/support/smtp-sink.ts';

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

/** The sink's messages as JSON, for the journey processes. */
async function serveMailbox(smtp: SmtpSink): Promise<http.Server & { url: string }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(smtp.messages));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return Object.assign(server, { url: `http://127.0.0.1:${port}/messages` });
}

let smtp: SmtpSink | null = null;
let mailbox: http.Server | null = null;
let server: RunningServer | null = null;
let secretsFile: string | null = null;

async function cleanUp(): Promise<void> {
  await server
    ?.stop()
    .catch((error: unknown) => console.error('E2E: stopping Consilium failed:', error));
  server = null;
  if (mailbox !== null) {
    mailbox.closeAllConnections();
    await new Promise<void>((resolve) => mailbox!.close(() => resolve()));
    mailbox = null;
  }
  await smtp?.close().catch(() => undefined);
  smtp = null;
  if (secretsFile !== null) fs.rmSync(secretsFile, { force: true });
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\nE2E: ${signal}, stopping Consilium…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const files = journeyFiles();
  if (files.length === 0) {
    console.error('E2E: no journeys found (tests/e2e/*.e2e.ts)');
    return 1;
  }
  if (!fs.existsSync(chromiumPath)) {
    console.error(
      `E2E: Chromium not found at ${chromiumPath}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
    return 1;
  }
  fs.mkdirSync(resultsDir, { recursive: true });

  const started = Date.now();
  smtp = await startSmtpSink();
  mailbox = await serveMailbox(smtp);
  console.log('E2E: starting Consilium (it builds the web app first when needed)…');
  server = await startServer({
    smtpPort: smtp.port,
    resultsDir,
    logName: `e2e-server-${process.pid}.log`,
  });
  console.log(
    `E2E: Consilium ready at ${server.baseUrl} after ${((Date.now() - started) / 1000).toFixed(1)} s (log: ${path.relative(repoRoot, server.logFile)})`,
  );

  // The journey processes inherit these.
  process.env.E2E_BASE_URL = server.baseUrl;
  process.env.E2E_MAILBOX_URL = (mailbox as http.Server & { url: string }).url;
  process.env.CHROMIUM_PATH = chromiumPath;
  // Authenticator secrets of demo staff, shared by the journeys of this run (removed at the end).
  secretsFile = path.join(resultsDir, `e2e-totp-secrets-${process.pid}.json`);
  process.env.E2E_SECRETS_FILE = secretsFile;

  let passed = 0;
  let failed = 0;
  // The whole second-opinion journey signs seven people in; give a journey up to five minutes.
  const stream = run({ files, isolation: 'process', concurrency: 1, timeout: 300_000 });
  stream.on('test:pass', (event) => {
    if (event.details.type !== 'suite' && event.skip === undefined && event.todo === undefined)
      passed += 1;
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

  if (failed > 0)
    console.log(
      `\nE2E: server log tail (${path.relative(repoRoot, server.logFile)}):\n${server.tail(30)}`,
    );
  else fs.rmSync(server.logFile, { force: true });
  await cleanUp();
  console.log(
    `\nE2E: ${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  return failed === 0 && passed > 0 ? 0 : 1;
}

void main()
  .catch(async (error: unknown) => {
    console.error('E2E: the run could not complete:', error);
    await cleanUp();
    return 1;
  })
  .then((code) => process.exit(code));
