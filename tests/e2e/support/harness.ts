/**
 * What the browser journeys share. scripts/run-e2e.ts starts the SMTP sink and Consilium once,
 * then runs each tests/e2e/*.e2e.ts file with node --test semantics (a process per file), telling
 * it where things are through the environment: E2E_BASE_URL (the app, = PUBLIC_URL) and
 * E2E_MAILBOX_URL (the sink's messages as JSON). Each journey gets its own headless Chromium and
 * a screenshot in test-results/ when it fails. The server's clock is moved through the test API.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { totpCodeAt } from '../../../src/server/auth/totp.ts';
import type { ReceivedEmail } from '../../support/smtp-sink.ts';
import { repoRoot } from './server.ts';

export const demoPassword = 'consilium-demo-2026';
export const resultsDir = path.join(repoRoot, 'test-results');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // The server listens on 127.0.0.1 only; never try "localhost" over IPv6 first.
  '--host-resolver-rules=MAP localhost 127.0.0.1',
];

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set: run the browser journeys with "npm run test:e2e" (scripts/run-e2e.ts).`,
    );
  }
  return value;
}

export function baseUrl(): string {
  return requiredEnv('E2E_BASE_URL');
}

/** Wait for an email to `to` whose subject matches (received by the run's SMTP sink). */
export async function waitForEmail(
  to: string,
  subject: RegExp,
  timeoutMs = 15_000,
): Promise<ReceivedEmail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(requiredEnv('E2E_MAILBOX_URL'));
    const messages = (await response.json()) as ReceivedEmail[];
    const found = messages.find(
      (message) => message.to === to.toLowerCase() && subject.test(message.subject),
    );
    if (found !== undefined) return found;
    if (Date.now() > deadline)
      throw new Error(`No email to ${to} matching ${subject} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The first link in an email that contains `fragment`. */
export function linkIn(email: ReceivedEmail, fragment: string): string {
  const link = email.text
    .match(/https?:\/\/\S+/g)
    ?.find((candidate) => candidate.includes(fragment));
  if (link === undefined)
    throw new Error(`No link containing ${fragment} in email "${email.subject}"`);
  return link;
}

/**
 * Move the server's clock forward (POST /api/test/clock, with the double-submit CSRF token, no
 * session) and return the server's new time.
 */
export async function advanceClock(minutes: number): Promise<Date> {
  const csrfResponse = await fetch(`${baseUrl()}/api/v1/auth/csrf`);
  assert.equal(csrfResponse.status, 200, 'GET /api/v1/auth/csrf');
  const cookie = csrfResponse.headers
    .getSetCookie()
    .map((line) => line.split(';')[0]!)
    .find((pair) => pair.startsWith('consilium_csrf='));
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const token = cookie?.slice('consilium_csrf='.length) ?? csrfToken;
  const response = await fetch(`${baseUrl()}/api/test/clock`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      cookie: `consilium_csrf=${token}`,
      'x-csrf-token': token,
    },
    body: JSON.stringify({ advanceMinutes: minutes }),
  });
  const text = await response.text();
  assert.equal(response.status, 200, `POST /api/test/clock: ${text}`);
  return new Date((JSON.parse(text) as { now: string }).now);
}

/**
 * A TOTP code the server has not seen yet, at the server's time. Codes are single-use per
 * 30-second step, so unless this is the first code for the secret the server clock moves one
 * minute on first.
 */
export async function freshTotpCode(
  secret: string,
  options: { first?: boolean } = {},
): Promise<string> {
  const now = await advanceClock(options.first === true ? 0 : 1);
  return totpCodeAt(secret, now);
}

function fileSafe(name: string): string {
  return name
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

/**
 * Run one journey in a fresh browser context (its own cookies). On failure, save a screenshot
 * and the page's URL to test-results/ and rethrow.
 */
export async function inBrowser(
  name: string,
  journey: (page: Page, context: BrowserContext) => Promise<void>,
): Promise<void> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  const context = await browser.newContext({
    baseURL: baseUrl(),
    locale: 'en-GB',
    timezoneId: 'Europe/Madrid',
    acceptDownloads: false,
  });
  context.setDefaultTimeout(Number(process.env.E2E_TIMEOUT_MS ?? 15_000));
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  try {
    await journey(page, context);
  } catch (error) {
    await fs.mkdir(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${fileSafe(name)}.png`);
    const saved = await page
      .screenshot({ path: file, fullPage: true, timeout: 5_000 })
      .then(() => true)
      .catch(() => false);
    const details = [
      `  page: ${page.url()}`,
      saved ? `  screenshot: ${path.relative(repoRoot, file)}` : '  (no screenshot)',
      ...(consoleErrors.length > 0
        ? ['  browser console errors:', ...consoleErrors.slice(-10).map((line) => `    ${line}`)]
        : []),
    ].join('\n');
    if (error instanceof Error) {
      error.message = `${error.message}\n${details}`;
      if (error.stack !== undefined) error.stack = `${error.stack}\n${details}`;
      throw error;
    }
    throw new Error(`${String(error)}\n${details}`, { cause: error });
  } finally {
    await context.close().catch(() => undefined);
    await browser.close().catch(() => undefined);
  }
}

/** Wait until the app shows `pathname` (client-side routing included). */
export async function expectPath(page: Page, pathname: string, timeoutMs = 15_000): Promise<void> {
  await page.waitForURL((url) => url.pathname === pathname, { timeout: timeoutMs });
}

/** Sign in with email and password on /sign-in. Stops there (a second step may follow). */
export async function submitPassword(page: Page, email: string, password: string): Promise<void> {
  if (new URL(page.url()).pathname !== '/sign-in') await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password\b/).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** The signed-in home page greets the person by name. */
export async function expectSignedInHome(page: Page, name: string): Promise<void> {
  await expectPath(page, '/');
  await page.getByRole('heading', { level: 1, name: `Hello, ${name}` }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/**
 * On /security: set up the authenticator app with the key shown for manual entry, confirm with a
 * code, check the recovery codes and confirm they were saved. Returns the secret.
 */
export async function enrolTotp(page: Page): Promise<{ secret: string; recoveryCodes: string[] }> {
  await expectPath(page, '/security');
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  const key = page.getByLabel('Setup key');
  await key.waitFor();
  const secret = (await key.innerText()).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}=*$/, 'the setup key is a base32 secret');
  await page.getByLabel('Authentication code').fill(await freshTotpCode(secret, { first: true }));
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  const list = page.getByRole('list', { name: 'Recovery codes' });
  await list.waitFor();
  const recoveryCodes = (await list.getByRole('listitem').allInnerTexts()).map((code) =>
    code.trim(),
  );
  assert.ok(
    recoveryCodes.length >= 8,
    `expected at least 8 recovery codes, got ${recoveryCodes.length}`,
  );
  await page.getByRole('button', { name: 'I have saved these codes' }).click();
  await list.waitFor({ state: 'detached' });
  await page.getByText('The authenticator app is set up.').first().waitFor();
  await page.getByRole('button', { name: 'Remove authenticator app' }).waitFor();
  // Later journeys sign the same demo member in again with this secret.
  const session = await page.evaluate(async () => {
    const response = await fetch('/api/v1/auth/session');
    return (await response.json()) as { user?: { email?: string } };
  });
  if (session.user?.email !== undefined) await rememberTotpSecret(session.user.email, secret);
  return { secret, recoveryCodes };
}

/**
 * The TOTP secrets of demo members enrolled during this run, shared by the journey processes
 * through a file the runner names (E2E_SECRETS_FILE): the demo staff enrol once, at their first
 * sign-in in whichever journey comes first, and answer the second step in every later one.
 */
function secretsFile(): string {
  return requiredEnv('E2E_SECRETS_FILE');
}

async function readSecrets(): Promise<Record<string, string>> {
  try {
    return JSON.parse(await fs.readFile(secretsFile(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

export async function rememberTotpSecret(email: string, secret: string): Promise<void> {
  const secrets = await readSecrets();
  secrets[email.toLowerCase()] = secret;
  await fs.writeFile(secretsFile(), JSON.stringify(secrets), { mode: 0o600 });
}

export async function rememberedTotpSecret(email: string): Promise<string | undefined> {
  return (await readSecrets())[email.toLowerCase()];
}

/**
 * Sign a demo staff member in: enrol the authenticator at their first sign-in of the run, else
 * answer the second step with the secret enrolled earlier. Ends on the page the app shows next.
 */
export async function signInStaff(page: Page, email: string): Promise<void> {
  await submitPassword(page, email, demoPassword);
  await page.waitForURL((url) => url.pathname === '/security' || url.pathname === '/sign-in/mfa');
  if (new URL(page.url()).pathname === '/security') {
    await enrolTotp(page);
    return;
  }
  const secret = await rememberedTotpSecret(email);
  assert.ok(secret !== undefined, `no authenticator secret remembered for ${email}`);
  await page.getByLabel('Authentication code').fill(await freshTotpCode(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.waitForURL((url) => url.pathname !== '/sign-in/mfa');
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectPath(page, '/');
  await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
}
