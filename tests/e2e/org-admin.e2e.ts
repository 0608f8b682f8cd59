/**
 * Journey d: the organization administrator enrols a second factor, reads the audit report
 * (with its CSV export) and the member list, changes how cases run (peer review on, kept after a
 * reload, then off again for the journeys that follow) and edits the records checklists (oncology
 * imaging from 90 to 60 days, a requirement removed and one added, kept after a reload, then reset
 * to the shipped defaults the later journeys expect).
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

void test('org admin: enrol TOTP, read the audit report and its CSV export, list the members, switch peer review, edit the records checklists', async () => {
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

    // Records checklists: the demo organization starts on the shipped defaults.
    await page.getByRole('link', { name: 'Records checklists' }).first().click();
    await expectPath(page, '/admin/checklists');
    await page.getByRole('heading', { level: 1, name: 'Records checklists' }).waitFor();
    await page.getByText('Your organization uses the checklists shipped with Consilium.').waitFor();
    assert.equal(
      await page.getByRole('tab', { name: 'Oncology' }).getAttribute('aria-selected'),
      'true',
      'the oncology checklist is shown first',
    );
    const requirements = page.getByRole('list', { name: 'Requirements' });
    const requirement = (label: string) =>
      requirements.getByRole('group', { name: label, exact: true });
    const imagingLabel = 'scan report or scan images (CT, MRI, PET or X-ray)';
    const maxAge = () => requirement(imagingLabel).getByLabel('Maximum age (days)');
    assert.equal(await maxAge().inputValue(), '90', 'staging imaging within 90 days by default');
    await requirement(imagingLabel).getByText('not older than 90 days').waitFor();
    await maxAge().fill('60');
    await requirement(imagingLabel).getByText('not older than 60 days').waitFor();

    // Remove the treating doctor's letter; add a genetic test report.
    const letterLabel = 'letter or summary from your cancer doctor';
    await page.getByRole('button', { name: `Remove the requirement “${letterLabel}”` }).click();
    await requirement(letterLabel).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Add a document' }).click();
    const added = requirements.getByRole('listitem').last();
    await added.getByRole('group', { name: 'New document' }).waitFor();
    await added.getByLabel('What the patient reads').fill('genetic test report');
    await added
      .getByLabel('Why the reviewer needs it (for staff)')
      .fill('Targeted therapy depends on the molecular profile of the tumour.');
    // Saving without a kind of document is refused in the browser; nothing typed is lost.
    await page.getByRole('button', { name: 'Save checklists' }).click();
    await added.getByText('Choose at least one kind of document.').waitFor();
    await page.getByText('Some entries need correcting in: Oncology.').waitFor();
    assert.equal(
      await added.getByLabel('What the patient reads').inputValue(),
      'genetic test report',
    );
    await added.getByRole('checkbox', { name: 'Pathology report' }).check();
    await added.getByLabel('Maximum age (days)').fill('730');
    await page.getByRole('button', { name: 'Save checklists' }).click();
    await page.getByText('The checklists were saved.').waitFor();
    await page.getByText(/^Your organization uses its own checklists, last changed on /).waitFor();

    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Records checklists' }).waitFor();
    await page.getByText(/^Your organization uses its own checklists, last changed on /).waitFor();
    assert.equal(await maxAge().inputValue(), '60', 'the new recency is kept after a reload');
    assert.equal(await requirement(letterLabel).count(), 0, 'the removed requirement stays gone');
    const genetic = requirement('genetic test report');
    await genetic.getByText('Identifier: genetic_test_report').waitFor();
    assert.equal(await genetic.getByLabel('Maximum age (days)').inputValue(), '730');
    const stored = await page.evaluate(async () => {
      const response = await fetch('/api/v1/org/checklists');
      return (await response.json()) as {
        custom: boolean;
        checklists: { checklists: { oncology: { items: { id: string; maxAgeDays?: unknown }[] } } };
      };
    });
    assert.equal(stored.custom, true);
    assert.deepEqual(
      stored.checklists.checklists.oncology.items.map((item) => [item.id, item.maxAgeDays]),
      [
        ['pathology', null],
        ['staging_imaging', 60],
        ['labs', 60],
        ['diagnosis_code', undefined],
        ['proposed_treatment', undefined],
        ['medications', undefined],
        ['allergies', undefined],
        ['genetic_test_report', 730],
      ],
    );

    // Back to the shipped defaults (the later journeys expect them), after a confirmation.
    await page.getByRole('button', { name: 'Reset to the shipped defaults' }).click();
    const confirm = page.getByRole('dialog', { name: 'Reset every checklist?' });
    await confirm.getByRole('button', { name: 'Reset to defaults' }).click();
    await page.getByText('The checklists were reset to the shipped defaults.').waitFor();
    // The organization's own set is forgotten: it follows the shipped defaults again.
    await page.getByText('Your organization uses the checklists shipped with Consilium.').waitFor();
    assert.equal(await maxAge().inputValue(), '90', 'staging imaging back to 90 days');
    await requirement(letterLabel).waitFor();
    assert.equal(await requirement('genetic test report').count(), 0);
    const reset = await page.evaluate(async () => {
      const response = await fetch('/api/v1/org/checklists');
      return (await response.json()) as {
        custom: boolean;
        checklists: { checklists: { oncology: { items: { id: string }[] } } };
      };
    });
    assert.equal(reset.custom, false, 'the stored set is forgotten');
    assert.deepEqual(
      reset.checklists.checklists.oncology.items.map((item) => item.id),
      [
        'pathology',
        'staging_imaging',
        'labs',
        'treating_letter',
        'diagnosis_code',
        'proposed_treatment',
        'medications',
        'allergies',
      ],
    );
  });
});
