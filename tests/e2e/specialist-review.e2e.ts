/**
 * Journey f: the demo specialist's review of a case, in the browser. The demo seed holds a case
 * in review with Dr. Jonas Weber (Chen Wei's kidney function, with the assessment already drafted
 * and "no alternative diagnoses" chosen). In the review workspace the specialist reads the case,
 * refines the diagnosis with a code picked from the ICD-10-CM search, writes every other section
 * of the structured opinion (treatment options compared, one answer per patient question, a
 * plain-language summary whose reading level shows as they type), saves, signs with
 * re-authentication (password + authenticator code) and sees the signed version with its seal
 * and verification code.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  advanceClock,
  demoPassword,
  freshTotpCode,
  inBrowser,
  rememberedTotpSecret,
  signInStaff,
} from './support/harness.ts';

const specialistEmail = 'specialist@demo.consilium.test';
const patientName = 'Chen Wei';
const patientQuestion = 'How long before I need dialysis?';
const recommendation =
  'Stay with your kidney doctor, control blood pressure, and check again in 3 months.';

/**
 * Calls the API as the signed-in person, the way the app does (double-submit CSRF token in a
 * header); throws with the server's answer when the call fails.
 */
async function callApi<T>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const csrf = (await (await fetch('/api/v1/auth/csrf')).json()) as { csrfToken: string };
      const response = await fetch(path, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf.csrfToken },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
    { method, path, body },
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The field labelled exactly `label` (a required field's label ends in an asterisk). */
function field(container: Locator, label: string): Locator {
  return container.getByLabel(new RegExp(`^${escapeRegExp(label)}( \\*)?$`));
}

/** Opens an opinion section of the editor (if closed) and returns its panel. */
async function openSection(page: Page, title: string): Promise<Locator> {
  const name = new RegExp(`^${escapeRegExp(title)}`);
  const control = page.getByRole('button', { name });
  if ((await control.getAttribute('aria-expanded')) !== 'true') await control.click();
  const panel = page.getByRole('region', { name });
  await panel.waitFor();
  return panel;
}

void test('specialist: write the structured opinion of a case in review and sign it with re-authentication', async () => {
  await inBrowser('specialist-review', async (page) => {
    await page.goto('/sign-in');
    await signInStaff(page, specialistEmail);

    // The demo case in review with this specialist.
    const { cases } = await callApi<{ cases: { id: string; patientName: string }[] }>(
      page,
      'GET',
      '/api/v1/cases?state=in_review',
    );
    const caseId = cases.find((item) => item.patientName === patientName)?.id;
    assert.ok(caseId !== undefined, `the demo seed has ${patientName}'s case in review`);

    // The workspace: the case on one side, the opinion with what it still lacks on the other.
    await page.goto(`/review/${caseId}`);
    await page.getByRole('heading', { level: 1, name: patientName }).waitFor();
    await page.getByText('Kidney function getting worse on blood tests.').waitFor();
    await page.getByRole('heading', { name: "The patient's questions", exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Your opinion' }).waitFor();
    await page.getByText('2 of 10 required sections complete').waitFor();
    await page.getByRole('button', { name: 'Sign the opinion…', disabled: true }).waitFor();
    await page.getByText('Before you can sign:').waitFor();

    // Assessment of the working diagnosis: refined, coded from the ICD-10-CM search.
    let section = await openSection(page, 'Assessment of the working diagnosis');
    await section.getByRole('radio', { name: 'Refined', exact: true }).check();
    await field(section, 'Resulting diagnosis: ICD-10-CM code').fill('N18.32');
    await page.getByRole('option', { name: /^N18\.32 / }).click();
    assert.equal(
      await field(section, 'Resulting diagnosis: ICD-10-CM code').inputValue(),
      'N18.32',
    );
    await field(section, 'Resulting diagnosis, in words').fill('Chronic kidney disease, stage 3b');
    await section.getByRole('radio', { name: 'High', exact: true }).check();
    await field(section, 'Reasoning').fill(
      'Two eGFR results three months apart are between 30 and 44, without protein in the urine.',
    );

    // "None considered" is an explicit choice, kept from the saved draft.
    section = await openSection(page, 'Alternative diagnoses considered');
    assert.ok(
      await section
        .getByRole('checkbox', { name: 'No alternative diagnoses considered' })
        .isChecked(),
    );

    section = await openSection(page, 'Recommended further tests');
    await section.getByRole('button', { name: 'Add a test' }).click();
    await field(section, 'Test').fill('Urine albumin-to-creatinine ratio');
    await field(section, 'Why it is needed, and what it would change').fill(
      'Protein in the urine would make progression more likely and change the medicines.',
    );

    section = await openSection(page, 'Treatment options compared');
    await section.getByRole('button', { name: 'Add a treatment option' }).click();
    await field(section, 'Treatment').fill('Blood pressure control and an SGLT2 inhibitor');
    await field(section, 'Expected benefit').fill('Slows the loss of kidney function.');
    await field(section, 'Side effects and risks').fill('Genital infections; dehydration.');
    await field(section, 'Recovery time').fill('None: a daily tablet');
    await field(section, 'Relative cost').click();
    await page.getByRole('option', { name: 'Lower', exact: true }).click();
    await field(section, "Fit with the patient's goals").fill('No time off work is needed.');

    section = await openSection(page, 'Recommendation');
    await field(section, 'Your recommendation').fill(recommendation);
    await section.getByRole('radio', { name: 'Yes, it changes it' }).check();

    section = await openSection(page, 'Risk of waiting versus acting now');
    await field(section, 'Risk of waiting').fill('Little: kidney function changes slowly.');
    await field(section, 'Risk of acting now').fill('Preparing for dialysis now is premature.');
    await field(section, 'Advised timing').fill('Start the tablet within a month');

    section = await openSection(page, 'Follow-up windows');
    await section.getByRole('button', { name: 'Add a follow-up window' }).click();
    await field(section, 'What to check').fill('Blood test of kidney function');
    await field(section, 'When').fill('In 3 months');

    section = await openSection(page, 'Warning signs that need faster contact');
    await section.getByRole('button', { name: 'Add a warning sign' }).click();
    await field(section, 'Warning sign').fill('Much less urine than usual');
    await field(section, 'What to do').fill('Call the clinic the same day');

    // One answer per patient question, each field labelled with the question.
    section = await openSection(page, "Answers to the patient's questions");
    await field(section, patientQuestion).fill('Most likely not for several years, if at all.');

    // The plain-language summary shows its reading level as it is typed.
    section = await openSection(page, 'Summary in plain language');
    await field(section, 'Summary for the patient').fill(
      'Your kidneys work less well than they should. You do not need dialysis now. ' +
        'A daily pill can slow this down. We will check your blood again in three months.',
    );
    await section
      .getByText(/^Reading level: grade \d+\.\d\. Good: at or below grade 8\.$/)
      .waitFor();
    await section.getByText(/^✓ Reading level: grade \d+\.\d$/).waitFor();

    // Save: every required section is complete and the draft is saved.
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/^✓ Saved at \d{1,2}:\d{2}/).waitFor();
    await page.getByText('10 of 10 required sections complete').waitFor();
    await section.getByText(/^At the last save: grade \d+\.\d\.$/).waitFor();

    // Sign: confirm, then prove it is the specialist (password + authenticator code). Signing in
    // counts as proof for a few minutes, so the journey lets those minutes pass first.
    await advanceClock(10);
    const sign = page.getByRole('button', { name: 'Sign the opinion…', disabled: false });
    await sign.waitFor();
    await sign.click();
    const confirm = page.getByRole('dialog', { name: 'Sign the opinion' });
    await confirm.getByRole('button', { name: 'Sign and deliver' }).click();
    const reauth = page.getByRole('dialog', { name: 'Confirm it is you' });
    await reauth.getByLabel(/^Password/).fill(demoPassword);
    const secret = await rememberedTotpSecret(specialistEmail);
    assert.ok(secret !== undefined, 'the specialist has an authenticator from this run');
    await reauth.getByLabel('Authentication code').fill(await freshTotpCode(secret));
    await reauth.getByRole('button', { name: 'Continue' }).click();
    await reauth.waitFor({ state: 'detached' });

    // The signed version: sealed, with its verification code and PDF.
    await page.getByText('The opinion is signed and delivered.').waitFor();
    await page.getByRole('heading', { name: 'The signed opinion' }).waitFor();
    const signed = page.getByRole('article', { name: 'Signed opinion' });
    // Exactly the badge (the seal's label runs into its hex value, which may begin with "ed").
    await signed.getByText(/^(✓\s*)?Sealed$/).waitFor();
    const code = (await signed.locator('code').first().innerText()).trim();
    assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    await signed.getByText(/^[0-9a-f]{64}$/).waitFor();
    await signed.getByRole('link', { name: 'Download the report (PDF)' }).waitFor();
    await signed.getByText('N18.32').waitFor();
    await signed.getByText(recommendation).waitFor();
    await page.getByRole('heading', { name: 'Add a correction' }).waitFor();
  });
});
