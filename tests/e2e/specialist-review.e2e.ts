/**
 * Journey f: a case reaches the demo specialist's review (the patient submits; the coordinator
 * triages, marks it ready and offers it; the specialist accepts — all through the API, as the
 * screens for those steps would). Then, in the review workspace, the specialist starts the review,
 * writes every section of the structured opinion (ICD-10-CM code picked from the search, treatment
 * options compared, one answer per patient question, a plain-language summary whose reading level
 * shows as they type), saves, signs with re-authentication (password + authenticator code) and
 * sees the signed version with its seal and verification code.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  advanceClock,
  demoPassword,
  enrolTotp,
  expectPath,
  expectSignedInHome,
  freshTotpCode,
  inBrowser,
  signOut,
  submitPassword,
} from './support/harness.ts';

const coordinatorEmail = 'coordinator@demo.consilium.test';
const specialistEmail = 'specialist@demo.consilium.test';
const specialistName = 'Dr. Jonas Weber';

const questions = ['Is the diagnosis right?', 'Should I have a CT scan?'];

/** Everything the patient side writes, so the case can be submitted. */
const intake = {
  conditionDescription: 'Persistent cough and weight loss for three months.',
  diagnosisCode: 'J18.9',
  diagnosisText: 'Pneumonia, unspecified organism',
  proposedTreatment: 'A second course of antibiotics',
  history: 'Smoker for 20 years, stopped in 2020.',
  goals: { whatMatters: 'Getting back to work', opinionScope: 'national', writtenOnly: true },
  questions,
  medications: [{ name: 'Amoxicillin', dose: '500 mg', frequency: 'three times daily' }],
  allergies: [{ substance: 'Penicillin', reaction: 'Hives', severity: 'mild' }],
  devices: [],
  consentAccepted: true,
};

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

interface CaseAnswer {
  id: string;
  state: string;
}

async function transition(page: Page, caseId: string, body: object): Promise<CaseAnswer> {
  return callApi<CaseAnswer>(page, 'POST', `/api/v1/cases/${caseId}/transitions`, body);
}

/** Authenticator secrets of the staff who enrolled during this journey, by email. */
const secrets = new Map<string, string>();

/**
 * Signs a staff member in: on their first sign-in they must set up an authenticator app; after
 * that they answer with a code from it.
 */
async function signInAsStaff(page: Page, email: string): Promise<void> {
  await page.goto('/sign-in');
  await submitPassword(page, email, demoPassword);
  await page.waitForURL((url) => url.pathname === '/security' || url.pathname === '/sign-in/mfa');
  if (new URL(page.url()).pathname === '/security') {
    const { secret } = await enrolTotp(page);
    secrets.set(email, secret);
    return;
  }
  const secret = secrets.get(email);
  assert.ok(
    secret !== undefined,
    `${email} already has a second factor from an earlier journey; run this journey on a fresh server`,
  );
  await page.getByLabel('Authentication code').fill(await freshTotpCode(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expectPath(page, '/');
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

void test('specialist: review a case, write the structured opinion, sign it with re-authentication', async () => {
  await inBrowser('specialist-review', async (page) => {
    // The patient side submits a case.
    await page.goto('/sign-in');
    await submitPassword(page, 'patient@demo.consilium.test', demoPassword);
    await expectSignedInHome(page, 'Maria Lopez');
    const patients = await callApi<{ patients: { id: string }[] }>(page, 'GET', '/api/v1/patients');
    const patientId = patients.patients[0]?.id;
    assert.ok(patientId !== undefined, 'the demo patient has a patient record');
    const { id: caseId } = await callApi<CaseAnswer>(page, 'POST', '/api/v1/cases', { patientId });
    await callApi(page, 'PATCH', `/api/v1/cases/${caseId}`, intake);
    assert.equal((await transition(page, caseId, { transition: 'submit' })).state, 'submitted');
    await signOut(page);

    // The coordinator triages it, marks it ready and offers it to the demo specialist.
    await signInAsStaff(page, coordinatorEmail);
    await transition(page, caseId, { transition: 'start_triage' });
    await transition(page, caseId, { transition: 'mark_ready' });
    const { specialists } = await callApi<{ specialists: { userId: string; name: string }[] }>(
      page,
      'GET',
      '/api/v1/specialists',
    );
    const specialist = specialists.find((candidate) => candidate.name === specialistName);
    assert.ok(specialist !== undefined, `${specialistName} is a specialist of the demo clinic`);
    const offered = await transition(page, caseId, {
      transition: 'offer',
      offer: { specialistUserId: specialist.userId },
    });
    assert.equal(offered.state, 'offered');
    await signOut(page);

    // The specialist accepts, then opens the review workspace and starts the review.
    await signInAsStaff(page, specialistEmail);
    assert.equal(
      (await transition(page, caseId, { transition: 'accept_offer' })).state,
      'accepted',
    );
    await page.goto(`/review/${caseId}`);
    await page.getByRole('heading', { level: 1, name: 'Maria Lopez' }).waitFor();
    await page.getByRole('heading', { name: "The patient's questions" }).waitFor();
    await page.getByText('Persistent cough and weight loss for three months.').waitFor();
    await page.getByRole('button', { name: 'Start the review' }).click();
    await page.getByRole('heading', { name: 'Your opinion' }).waitFor();
    await page.getByText('0 of 10 required sections complete').waitFor();
    await page.getByRole('button', { name: 'Sign the opinion…', disabled: true }).waitFor();
    await page.getByText('Before you can sign:').waitFor();

    // Assessment of the working diagnosis: refined, coded from the ICD-10-CM search.
    let section = await openSection(page, 'Assessment of the working diagnosis');
    await section.getByRole('radio', { name: 'Refined', exact: true }).check();
    await field(section, 'Resulting diagnosis: ICD-10-CM code').fill('J18.9');
    await page.getByRole('option', { name: /^J18\.9 / }).click();
    assert.equal(await field(section, 'Resulting diagnosis: ICD-10-CM code').inputValue(), 'J18.9');
    assert.equal(
      await field(section, 'Resulting diagnosis, in words').inputValue(),
      'Pneumonia, unspecified organism',
    );
    await section.getByRole('radio', { name: 'High', exact: true }).check();
    await field(section, 'Reasoning').fill(
      'The chest X-ray shows a lobar consolidation that fits a bacterial pneumonia.',
    );

    section = await openSection(page, 'Alternative diagnoses considered');
    await section.getByRole('button', { name: 'Add an alternative diagnosis' }).click();
    await field(section, 'Diagnosis').fill('Lung cancer');
    await field(section, 'Why it was considered, and why it is more or less likely').fill(
      'Weight loss in a former smoker; less likely given the fast response to treatment.',
    );

    section = await openSection(page, 'Recommended further tests');
    await section.getByRole('button', { name: 'Add a test' }).click();
    await field(section, 'Test').fill('Low-dose chest CT');
    await field(section, 'Why it is needed, and what it would change').fill(
      'To rule out a tumour behind the consolidation.',
    );

    section = await openSection(page, 'Treatment options compared');
    await section.getByRole('button', { name: 'Add a treatment option' }).click();
    await field(section, 'Treatment').fill('A second course of antibiotics');
    await field(section, 'Expected benefit').fill('Clears the infection in most patients.');
    await field(section, 'Side effects and risks').fill('Upset stomach; rarely diarrhoea.');
    await field(section, 'Recovery time').fill('2 to 3 weeks');
    await field(section, 'Relative cost').click();
    await page.getByRole('option', { name: 'Similar', exact: true }).click();
    await field(section, "Fit with the patient's goals").fill(
      'Allows a return to work within a month.',
    );

    section = await openSection(page, 'Recommendation');
    await field(section, 'Your recommendation').fill(
      'Take the second course of antibiotics and have the CT scan in six weeks.',
    );
    await section.getByRole('radio', { name: 'No, it keeps it' }).check();

    section = await openSection(page, 'Risk of waiting versus acting now');
    await field(section, 'Risk of waiting').fill('The infection may spread.');
    await field(section, 'Risk of acting now').fill('Few: the antibiotics are well tolerated.');
    await field(section, 'Advised timing').fill('Start the antibiotics this week');

    section = await openSection(page, 'Follow-up windows');
    await section.getByRole('button', { name: 'Add a follow-up window' }).click();
    await field(section, 'What to check').fill('Chest CT');
    await field(section, 'When').fill('In 6 weeks');

    section = await openSection(page, 'Warning signs that need faster contact');
    await section.getByRole('button', { name: 'Add a warning sign' }).click();
    await field(section, 'Warning sign').fill('Coughing up blood');
    await field(section, 'What to do').fill('Call the clinic the same day');

    // One answer per patient question, each field labelled with the question.
    section = await openSection(page, "Answers to the patient's questions");
    await field(section, questions[0]!).fill('Yes. The scan and tests fit a chest infection.');
    await field(section, questions[1]!).fill('Yes, in six weeks, to make sure nothing is missed.');

    // The plain-language summary shows its reading level as it is typed.
    section = await openSection(page, 'Summary in plain language');
    await field(section, 'Summary for the patient').fill(
      'You have a chest infection. Your doctors chose the right drug. Take it for one more week. ' +
        'Get a scan of your chest in six weeks. Call us at once if you cough up blood.',
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
    const secret = secrets.get(specialistEmail);
    assert.ok(secret !== undefined, 'the specialist enrolled an authenticator in this journey');
    await reauth.getByLabel('Authentication code').fill(await freshTotpCode(secret));
    await reauth.getByRole('button', { name: 'Continue' }).click();
    await reauth.waitFor({ state: 'detached' });

    // The signed version: sealed, with its verification code and PDF.
    await page.getByText('The opinion is signed and delivered.').waitFor();
    await page.getByRole('heading', { name: 'The signed opinion' }).waitFor();
    const signed = page.getByRole('article', { name: 'Signed opinion' });
    await signed.waitFor();
    await signed.getByText('Sealed').waitFor();
    const code = (await signed.locator('code').first().innerText()).trim();
    assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    await signed.getByText(/^[0-9a-f]{64}$/).waitFor();
    await signed.getByRole('link', { name: 'Download the report (PDF)' }).waitFor();
    await signed
      .getByText('Take the second course of antibiotics and have the CT scan in six weeks.')
      .waitFor();
    await page.getByRole('heading', { name: 'Add a correction' }).waitFor();
  });
});
