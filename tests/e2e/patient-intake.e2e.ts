/**
 * Journey: the demo patient, on a phone-sized screen, starts a request for a second opinion, fills
 * every intake step (picking the diagnosis's ICD-10-CM code by search, attaching a document),
 * reloads half-way and resumes at the first unfinished step, sees what is still missing before
 * sending, gives consent, sends the request, reads where it stands in plain words and corrects
 * the medicine list from the case page.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  demoPassword,
  expectPath,
  expectSignedInHome,
  inBrowser,
  submitPassword,
} from './support/harness.ts';

const phone = { width: 375, height: 800 };

async function expectStep(page: Page, number: number, title: string): Promise<void> {
  await page.getByRole('heading', { level: 2, name: title, exact: true }).waitFor();
  await page.getByText(`Step ${number} of 7`, { exact: true }).waitFor();
}

async function saveAndContinue(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Save and continue' }).click();
}

/** Nothing is wider than the screen (no sideways scrolling on a phone). */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= phone.width, `the page is ${width}px wide on a ${phone.width}px screen`);
}

void test('patient: intake wizard with ICD-10-CM pick, resume after reload, missing items, submit, correction', async () => {
  await inBrowser('patient-intake', async (page) => {
    await page.setViewportSize(phone);
    await page.goto('/sign-in');
    await submitPassword(page, 'patient@demo.consilium.test', demoPassword);
    await expectSignedInHome(page, 'Maria Lopez');

    // Start from the home page card.
    await page
      .getByRole('region', { name: 'Your cases' })
      .getByRole('link', { name: 'Start a new request' })
      .click();
    await expectPath(page, '/cases/new');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL((url) => /^\/cases\/[0-9a-f-]{36}\/intake$/.test(url.pathname));
    const caseId = new URL(page.url()).pathname.split('/')[2]!;

    // Step 1: condition, diagnosis code by search (keyboard), proposed treatment.
    await expectStep(page, 1, 'Your condition');
    await page
      .getByRole('textbox', { name: 'Your condition, in your own words' })
      .fill('I have been very thirsty and tired for a year. My blood sugar is high.');
    const search = page.getByRole('combobox', { name: 'Find your diagnosis code (optional)' });
    await search.fill('type 2 diabetes without complications');
    const option = page.getByRole('option', {
      name: 'E11.9 Type 2 diabetes mellitus without complications',
    });
    await option.waitFor();
    await option.click();
    await page.getByText('E11.9 — Type 2 diabetes mellitus without complications').waitFor();
    assert.equal(
      await page.getByRole('textbox', { name: 'Your diagnosis, in your own words' }).inputValue(),
      'Type 2 diabetes mellitus without complications',
      'the code description fills the diagnosis in the patient’s words',
    );
    await page
      .getByRole('textbox', { name: 'The treatment your doctors suggest' })
      .fill('Start insulin injections every night.');
    await expectNoSidewaysScroll(page);
    await saveAndContinue(page);

    // Step 2: one medicine, one allergy, one device.
    await expectStep(page, 2, 'Medicines, allergies and devices');
    await page.getByRole('button', { name: 'Add a medicine' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('Metformin');
    await page.getByRole('textbox', { name: 'Dose' }).fill('500 mg');
    await page.getByRole('textbox', { name: 'How often' }).fill('Twice a day');
    await page.getByRole('button', { name: 'Add an allergy' }).click();
    await page.getByRole('textbox', { name: 'What you are allergic to' }).fill('Penicillin');
    await page.getByRole('textbox', { name: 'What happens' }).fill('Rash');
    await page.getByRole('combobox', { name: 'How bad it is' }).selectOption('moderate');
    await page.getByRole('button', { name: 'Add an implant or device' }).click();
    await page.getByRole('textbox', { name: 'What it is' }).fill('Knee implant (left)');
    await expectNoSidewaysScroll(page);
    await saveAndContinue(page);

    // Step 3: history. Saving it is the last thing before the reload.
    await expectStep(page, 3, 'Your health history');
    await page
      .getByRole('textbox', { name: 'Your health history' })
      .fill('Knee operation in 2015. My mother had type 2 diabetes.');
    await saveAndContinue(page);
    await expectStep(page, 4, 'Your questions');

    // Reload half-way: the wizard opens at the first step not yet done.
    await page.reload();
    await expectStep(page, 4, 'Your questions');
    await page.getByRole('button', { name: 'Step 1: Your condition, done' }).waitFor();

    // Step 4: two questions.
    await page.getByRole('textbox', { name: /^Question 1/ }).fill('Do I really need insulin now?');
    await page.getByRole('button', { name: 'Add a question' }).click();
    await page
      .getByRole('textbox', { name: /^Question 2/ })
      .fill('Are there other medicines I could try first?');
    await page.getByText('2 of 10 questions').waitFor();
    await saveAndContinue(page);

    // Step 5: goals and preferences; urgent needs a reason.
    await expectStep(page, 5, 'What matters to you');
    await page
      .getByRole('textbox', { name: 'What matters most to you' })
      .fill('I want to keep working as a driver.');
    await page.getByRole('radio', { name: 'A specialist anywhere in the world' }).check();
    const language = page.getByRole('combobox', { name: 'Language for your report' });
    await language.fill('Span');
    await page.getByRole('option', { name: 'Spanish' }).click();
    await page.getByRole('radio', { name: 'A written report only' }).check();
    await page.getByRole('radio', { name: 'It is urgent' }).check();
    await saveAndContinue(page);
    await page
      .getByRole('alert')
      .filter({ hasText: 'Please fix 1 problem on this page.' })
      .waitFor();
    await page.getByText('Please tell us why it is urgent.').waitFor();
    const reason = page.getByRole('textbox', { name: 'Why is it urgent?' });
    assert.ok(
      await reason.evaluate((element) => element === document.activeElement),
      'the field with the problem has the focus',
    );
    await reason.fill('The insulin is due to start in two weeks.');
    await saveAndContinue(page);

    // Step 6: a document, sent as a resumable upload, checked and understood by the server.
    await expectStep(page, 6, 'Documents');
    await page.getByLabel('Choose files').setInputFiles({
      name: 'discharge-summary.pdf',
      mimeType: 'application/pdf',
      buffer: await fs.readFile(
        path.resolve(import.meta.dirname, '../fixtures/records/Discharge_Summary_UD_sample.pdf'),
      ),
    });
    const records = page.getByRole('region', { name: 'Medical records' });
    await records.getByText('1 file sent in this visit.').waitFor();
    const stored = records.getByTestId('record-document');
    await stored.getByText('discharge-summary.pdf').waitFor({ timeout: 30_000 });
    await stored.getByText(/— Discharge summary —/).waitFor();
    await saveAndContinue(page);

    // Step 7: the checklist shows consent missing; sending waits for it.
    await expectStep(page, 7, 'Consent and sending');
    const checklist = page.getByRole('region', { name: 'Before you can send' });
    await checklist.getByText('1 thing is still missing.').waitFor();
    await checklist.getByText('Agree to the consent').waitFor();
    await checklist
      .getByRole('listitem')
      .filter({ hasText: 'Agree to the consent' })
      .getByText('(missing)')
      .waitFor();
    await checklist
      .getByRole('listitem')
      .filter({ hasText: 'Describe your condition' })
      .getByText('(done)')
      .waitFor();
    const send = page.getByRole('button', { name: 'Send my request' });
    assert.ok(await send.isDisabled(), 'sending waits for the missing items');

    // The review shows what was saved on every step.
    const review = page.getByRole('region', { name: 'Check your answers' });
    await review.getByText('E11.9 — Type 2 diabetes mellitus without complications').waitFor();
    await review.getByText('Metformin, 500 mg, Twice a day').waitFor();
    await review.getByText('Penicillin, Rash, Moderate').waitFor();
    await review.getByText('Knee implant (left)').waitFor();
    await review.getByText('Are there other medicines I could try first?').waitFor();
    await review.getByText('Spanish', { exact: true }).waitFor();
    await review.getByText('It is urgent: The insulin is due to start in two weeks.').waitFor();

    await page
      .getByRole('checkbox', { name: /I have read the consent \(version .+\) and I agree/ })
      .check();
    await checklist.getByText('Everything we need is here. You can send your request.').waitFor();
    await page.getByText(/^You agreed on /).waitFor();
    await expectNoSidewaysScroll(page);
    await send.click();

    // The case page says where it stands, in plain words.
    await expectPath(page, `/cases/${caseId}`);
    await page.getByRole('heading', { level: 1, name: 'Your case' }).waitFor();
    await page.getByText('We have your request.', { exact: true }).waitFor();
    await page
      .getByText('A care coordinator will check it and tell you if anything is missing.')
      .waitFor();
    await page.getByText(/^Expected by /).waitFor();
    const timeline = page.getByRole('region', { name: 'What has happened' });
    const entries = await timeline.getByRole('listitem').allInnerTexts();
    assert.match(entries[0] ?? '', /The request was sent\./, 'newest first');
    assert.match(entries.at(-1) ?? '', /The request was started\./);
    const sent = page.getByRole('region', { name: 'Medical records' });
    await sent.getByTestId('record-document').getByText('discharge-summary.pdf').waitFor();
    // The discharge summary names another patient: the records check says so in plain words.
    await sent
      .getByText(/another person|someone else/i)
      .first()
      .waitFor({ timeout: 30_000 });
    await expectNoSidewaysScroll(page);

    // Until the case is ready for matching, the patient corrects the medicine list from here.
    const told = page.getByRole('region', { name: 'What you told us' });
    await told
      .getByRole('button', { name: 'Correct your medicines, allergies or diagnosis' })
      .click();
    const correction = page.getByRole('dialog', {
      name: 'Correct your medicines, allergies or diagnosis',
    });
    const firstMedicine = correction.getByRole('group', { name: 'Medicine 1' });
    assert.equal(
      await firstMedicine.getByRole('textbox', { name: 'Name' }).inputValue(),
      'Metformin',
      'the form starts from what was sent',
    );
    await correction.getByText('E11.9 — Type 2 diabetes mellitus without complications').waitFor();
    assert.equal(
      await correction.getByRole('textbox', { name: 'What it is' }).count(),
      0,
      'devices are not part of the correction',
    );
    await correction.getByRole('button', { name: 'Add a medicine' }).click();
    const addedMedicine = correction.getByRole('group', { name: 'Medicine 2' });
    await addedMedicine.getByRole('textbox', { name: 'Name' }).fill('Lisinopril');
    await addedMedicine.getByRole('textbox', { name: 'Dose' }).fill('10 mg');
    await addedMedicine.getByRole('textbox', { name: 'How often' }).fill('Once a day');
    await correction.getByRole('button', { name: 'Save corrections' }).click();
    await page
      .getByText(/^Your corrections are saved\. Your records will be checked again/)
      .waitFor();
    await correction.waitFor({ state: 'hidden' });
    await told.getByText('Lisinopril, 10 mg, Once a day').waitFor();
    await told.getByText('Metformin, 500 mg, Twice a day').waitFor();
    await told.getByText('Knee implant (left)').waitFor();

    // My cases lists it as sent, with no way back into the wizard.
    await page.getByRole('link', { name: 'Back to My cases' }).click();
    await expectPath(page, '/cases');
    const card = page
      .getByRole('article')
      .filter({ has: page.locator(`a[href="/cases/${caseId}"]`) });
    await card.getByText('We have your request.', { exact: true }).waitFor();
    await card.getByText('Sent', { exact: true }).waitFor();
    assert.equal(await card.getByRole('link', { name: /^Continue your request/ }).count(), 0);
  });
});
