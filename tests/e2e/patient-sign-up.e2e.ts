/**
 * Journey a: a patient signs up, confirms the email address from the message the server sent,
 * signs in, sets up an authenticator app, signs out and signs in again with password + code.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  baseUrl,
  enrolTotp,
  expectPath,
  expectSignedInHome,
  freshTotpCode,
  inBrowser,
  linkIn,
  signOut,
  submitPassword,
  waitForEmail,
} from './support/harness.ts';

void test('patient: sign up, verify email, sign in, enrol TOTP, sign in again with a code', async () => {
  await inBrowser('patient-sign-up', async (page) => {
    const email = `patient-${randomBytes(4).toString('hex')}@example.org`;
    const name = 'Elena Marquez';
    const password = 'a long phrase only elena knows 7';

    await page.goto('/sign-up');
    await page.getByLabel('Full name').fill(name);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password\b/).fill(password);
    await page.getByLabel('I accept the terms of service and the privacy notice').check();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText(`We sent a message to ${email}.`).waitFor();

    const message = await waitForEmail(email, /.+/);
    const link = new URL(linkIn(message, '/verify-email'));
    assert.equal(link.origin, baseUrl(), 'the link points at PUBLIC_URL');
    await page.goto(link.pathname + link.search);
    await page.getByText('Email address confirmed').waitFor();
    await page.getByRole('link', { name: 'Sign in' }).last().click();

    await expectPath(page, '/sign-in');
    await submitPassword(page, email, password);
    await expectSignedInHome(page, name);
    await page.getByText('You are signed in as Patient').waitFor();

    await page.goto('/security');
    const { secret } = await enrolTotp(page);

    await signOut(page);

    await submitPassword(page, email, password);
    await expectPath(page, '/sign-in/mfa');
    await page.getByLabel('Authentication code').fill(await freshTotpCode(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expectSignedInHome(page, name);
    await page.getByText('Your account is protected with two-step verification.').waitFor();
  });
});
