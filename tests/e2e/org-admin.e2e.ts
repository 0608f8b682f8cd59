/**
 * Journey d: the organization administrator enrols a second factor, reads the audit report
 * (with its CSV export) and the member list, and changes how cases run (peer review on, kept
 * after a reload, then off again for the journeys that follow).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  baseUrl,
  demoPassword,
  enrolTotp,
  expectPath,
  inBrowser,
  submitPassword,
} from './support/harness.ts';

const demoMembers = [
  'patient@demo.consilium.test',
  'proxy@demo.consilium.test',
  'physician@demo.consilium.test',
  'coordinator@demo.consilium.test',
  'specialist@demo.consilium.test',
  'careteam@demo.consilium.test',
  'admin@demo.consilium.test',
  // The further members the demo seeds with its example cases.
  'specialist2@demo.consilium.test',
  'tomas@demo.consilium.test',
  'aiko@demo.consilium.test',
  'samuel@demo.consilium.test',
  'fatima@demo.consilium.test',
  'liam@demo.consilium.test',
  'chen@demo.consilium.test',
];

void test('org admin: enrol TOTP, read the audit report and its CSV export, list the members, switch peer review', async () => {
  await inBrowser('org-admin', async (page) => {
    await page.goto('/sign-in');
    await submitPassword(page, 'admin@demo.consilium.test', demoPassword);
    await expectPath(page, '/security');
    await enrolTotp(page);

    await page.getByRole('link', { name: 'Audit report' }).first().click();
    await expectPath(page, '/admin/audit');
    await page.getByRole('heading', { level: 1, name: 'Audit report' }).waitFor();
    const table = page
      .getByRole('table')
      .filter({ has: page.getByRole('columnheader', { name: /Event type/ }) });
    await table.getByRole('cell', { name: 'auth.sign_in', exact: true }).first().waitFor();
    const rows = await table.locator('tbody tr').count();
    assert.ok(rows >= 2, `expected audit rows, found ${rows}`);

    const exportLink = page.getByRole('link', { name: 'Export CSV' });
    const href = await exportLink.getAttribute('href');
    assert.ok(href !== null, 'Export CSV has an href');
    const url = new URL(href, baseUrl());
    assert.equal(url.origin, baseUrl());
    assert.equal(url.pathname, '/api/v1/audit/events.csv');
    // The export downloads CSV for this signed-in administrator.
    const csv = await page.evaluate(async (target) => {
      const response = await fetch(target);
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        text: await response.text(),
      };
    }, url.pathname + url.search);
    assert.equal(csv.status, 200, 'CSV export status');
    assert.match(csv.type ?? '', /text\/csv/);
    assert.match(csv.text, /auth\.sign_in/);

    await page.getByRole('link', { name: 'Members' }).first().click();
    await expectPath(page, '/admin/members');
    const members = page
      .getByRole('table')
      .filter({ has: page.getByRole('columnheader', { name: 'Email address' }) });
    await members.getByText(/^\d+ members$/).waitFor();
    const emails = (await members.locator('tbody tr td:nth-child(2)').allInnerTexts()).map((text) =>
      text.trim(),
    );
    // Exactly the demo members; a patient who signed up in another journey may be listed too.
    assert.deepEqual(
      emails.filter((email) => email.endsWith('@demo.consilium.test')).sort(),
      [...demoMembers].sort(),
    );
    await members.getByText(`${emails.length} members`).waitFor();

    // How cases run: peer review is switched on, saved and still on after a reload.
    await page.getByRole('link', { name: 'Organization settings' }).first().click();
    await expectPath(page, '/admin/settings');
    await page.getByRole('heading', { level: 2, name: 'How cases run' }).waitFor();
    const peerReview = () => page.getByRole('switch', { name: 'Peer review before signing' });
    assert.equal(await peerReview().isChecked(), false, 'peer review is off in the demo');
    await peerReview().check();
    await page.getByRole('button', { name: 'Save how cases run' }).click();
    await page.getByText('The case settings were saved.').waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 2, name: 'How cases run' }).waitFor();
    assert.equal(await peerReview().isChecked(), true, 'peer review kept after a reload');
    // The consent text in force is shown; nothing is published (later journeys accept version 1).
    await page.getByRole('heading', { level: 3, name: 'Current version: 1' }).waitFor();

    // Later journeys sign opinions without a peer review: switch it off again.
    await peerReview().uncheck();
    await page.getByRole('button', { name: 'Save how cases run' }).click();
    await page.getByText('The case settings were saved.').waitFor();
    const saved = await page.evaluate(async () => {
      const response = await fetch('/api/v1/org/case-settings');
      return (await response.json()) as { peerReviewRequired: boolean };
    });
    assert.equal(saved.peerReviewRequired, false, 'peer review is off again');
  });
});
