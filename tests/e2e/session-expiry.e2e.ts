/**
 * Journey c: after 31 idle minutes (server test clock) the session has ended; the next request
 * sends the person to /sign-in?expired=1 with an explanation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  advanceClock,
  demoPassword,
  expectPath,
  expectSignedInHome,
  inBrowser,
  submitPassword,
} from './support/harness.ts';

void test('session: an idle session ends after 30 minutes and the person is asked to sign in again', async () => {
  await inBrowser('session-expiry', async (page) => {
    await page.goto('/sign-in');
    await submitPassword(page, 'patient@demo.consilium.test', demoPassword);
    await expectSignedInHome(page, 'Maria Lopez');

    await advanceClock(31);

    // Client-side navigation to a screen that calls the API.
    await page.getByRole('link', { name: 'Security settings' }).first().click();
    await page.waitForURL(
      (url) => url.pathname === '/sign-in' && url.searchParams.get('expired') === '1',
    );
    await page.getByText('Your session has ended').waitFor();
    await page.getByText('For your security you have been signed out.').waitFor();

    // The session is gone on the server too: a reload stays signed out.
    await page.reload();
    await expectPath(page, '/sign-in');
    const session = await page.evaluate(async () => (await fetch('/api/v1/auth/session')).status);
    assert.notEqual(session, 200, 'the old session no longer works');
  });
});
