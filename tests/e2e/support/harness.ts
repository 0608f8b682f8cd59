/**
 * What the browser journeys share: the running Consilium, the SMTP sink and the browser (set up
 * once by scripts/run-e2e.ts, which runs every journey in this process), plus helpers that each
 * journey uses: a fresh browser context per journey with a screenshot on failure, the server's
 * test clock, TOTP codes at server time, and the common sign-in / enrolment steps.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { totpCodeAt } from '../../../src/server/auth/totp.ts';
import type { SmtpSink } from '../../support/smtp-sink.ts';
import { repoRoot } from './server.ts';

export const demoPassword = 'consilium-demo-2026';
export const resultsDir = path.join(repoRoot, 'test-results');

export interface Harness {
  baseUrl: string;
  smtp: SmtpSink;
  browser: Browser;
}

let current: Harness | null = null;
/** Minutes the server clock has been moved forward (server time = real time + this). */
let clockOffsetMs = 0;

export function setHarness(harness: Harness | null): void {
  current = harness;
}

export function harness(): Harness {
  if (current === null) throw new Error('Browser journeys run through scripts/run-e2e.ts (npm run test:e2e).');
  return current;
}

export function serverNow(): Date {
  return new Date(Date.now() + clockOffsetMs);
}

/** Move the server's clock forward (POST /api/test/clock, with the double-submit CSRF token). */
export async function advanceClock(minutes: number): Promise<void> {
  const { baseUrl } = harness();
  const csrfResponse = await fetch(`${baseUrl}/api/v1/auth/csrf`);
  assert.equal(csrfResponse.status, 200, 'GET /api/v1/auth/csrf');
  const cookie = csrfResponse.headers
    .getSetCookie()
    .map((line) => line.split(';')[0]!)
    .find((pair) => pair.startsWith('consilium_csrf='));
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const token = cookie?.slice('consilium_csrf='.length) ?? csrfToken;
  const response = await fetch(`${baseUrl}/api/test/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `consilium_csrf=${token}`, 'x-csrf-token': token },
    body: JSON.stringify({ advanceMinutes: minutes }),
  });
  assert.equal(response.status, 200, `POST /api/test/clock: ${await response.text()}`);
  clockOffsetMs += minutes * 60_000;
}

/**
 * A TOTP code the server has not seen yet. Codes are single-use per 30-second step, so unless this
 * is the first code for the secret, move the server clock one minute on first.
 */
export async function freshTotpCode(secret: string, options: { first?: boolean } = {}): Promise<string> {
  if (options.first !== true) await advanceClock(1);
  return totpCodeAt(secret, serverNow());
}

function fileSafe(name: string): string {
  return name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
}

/**
 * Run one journey in a fresh browser context (its own cookies). On failure, save a screenshot
 * and the page's URL to test-results/ and rethrow.
 */
export async function inBrowser(name: string, journey: (page: Page, context: BrowserContext) => Promise<void>): Promise<void> {
  const { browser, baseUrl } = harness();
  const context = await browser.newContext({ baseURL: baseUrl, locale: 'en-GB', timezoneId: 'Europe/Madrid', acceptDownloads: false });
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
      ...(consoleErrors.length > 0 ? ['  browser console errors:', ...consoleErrors.slice(-10).map((line) => `    ${line}`)] : []),
    ].join('\n');
    if (error instanceof Error) {
      error.message = `${error.message}\n${details}`;
      throw error;
    }
    throw new Error(`${String(error)}\n${details}`);
  } finally {
    await context.close().catch(() => undefined);
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
  await page.getByLabel('Password', { exact: true }).fill(password);
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
  const recoveryCodes = (await list.getByRole('listitem').allInnerTexts()).map((code) => code.trim());
  assert.ok(recoveryCodes.length >= 8, `expected at least 8 recovery codes, got ${recoveryCodes.length}`);
  await page.getByRole('button', { name: 'I have saved these codes' }).click();
  await list.waitFor({ state: 'detached' });
  await page.getByText('The authenticator app is set up.').first().waitFor();
  await page.getByRole('button', { name: 'Remove authenticator app' }).waitFor();
  return { secret, recoveryCodes };
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectPath(page, '/');
  await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
}
