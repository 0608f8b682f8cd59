/**
 * Journey e: the demo patient submits a case (through the API, as the intake wizard would); the
 * demo coordinator finds it in the queue under "Submitted", starts triage and requests a missing
 * record, and sees the case under "Awaiting records" with the stage counts updated. Then the
 * records arrive; the records check holds the case back, so the coordinator marks it ready by
 * overriding with a reason, and offers it to the demo specialist, who declines with a reason; the
 * coordinator sees the decline and is asked to re-offer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  demoPassword,
  expectPath,
  expectSignedInHome,
  inBrowser,
  signInStaff,
  signOut,
  submitPassword,
} from './support/harness.ts';

const coordinatorEmail = 'coordinator@demo.consilium.test';
const specialistEmail = 'specialist@demo.consilium.test';

/** Everything the patient side writes, so the case can be submitted. */
const intake = {
  conditionDescription: 'Persistent cough and weight loss for three months.',
  diagnosisCode: 'J18.9',
  diagnosisText: 'Pneumonia, unspecified organism',
  proposedTreatment: 'A second course of antibiotics',
  history: 'Smoker for 20 years, stopped in 2020.',
  goals: { whatMatters: 'Getting back to work', opinionScope: 'national', writtenOnly: true },
  questions: ['Is the diagnosis right?', 'Should I have a CT scan?'],
  medications: [{ name: 'Amoxicillin', dose: '500 mg', frequency: 'three times daily' }],
  allergies: [{ substance: 'Penicillin', reaction: 'Hives', severity: 'mild' }],
  devices: [],
  consentAccepted: true,
};

/**
 * Starts and submits a case as the signed-in patient, with the same calls the intake wizard makes
 * (double-submit CSRF token in a header). Returns the case id.
 */
async function submitCaseThroughApi(page: Page): Promise<string> {
  return page.evaluate(async (body) => {
    const csrf = (await (await fetch('/api/v1/auth/csrf')).json()) as { csrfToken: string };
    const headers = { 'content-type': 'application/json', 'x-csrf-token': csrf.csrfToken };
    const call = async (method: string, path: string, payload: unknown) => {
      const response = await fetch(path, { method, headers, body: JSON.stringify(payload) });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as { id: string; state: string };
    };
    const patients = (await (await fetch('/api/v1/patients')).json()) as {
      patients: Array<{ id: string }>;
    };
    const patientId = patients.patients[0]?.id;
    if (patientId === undefined) throw new Error('the demo patient has no patient record');
    const draft = await call('POST', '/api/v1/cases', { patientId });
    await call('PATCH', `/api/v1/cases/${draft.id}`, body);
    const submitted = await call('POST', `/api/v1/cases/${draft.id}/transitions`, {
      transition: 'submit',
    });
    if (submitted.state !== 'submitted') throw new Error(`case is ${submitted.state}`);
    return draft.id;
  }, intake);
}

/** The count shown on a stage filter chip, e.g. "Submitted (3)" → 3. */
async function stageCount(page: Page, stage: string): Promise<number> {
  const label = page.getByText(new RegExp(`^${stage} \\(\\d+\\)$`));
  const text = await label.innerText();
  return Number(/\((\d+)\)$/.exec(text)?.[1]);
}

async function chooseStage(page: Page, stage: string, search: string): Promise<void> {
  await page.getByText(new RegExp(`^${stage} \\(\\d+\\)$`)).click();
  await page.waitForURL((url) => url.searchParams.get('state') === search);
}

/** The case's stage, as its badge on the case page says. */
async function expectStage(page: Page, stage: string): Promise<void> {
  await page.getByRole('main').getByText(stage, { exact: true }).first().waitFor();
}

void test('coordinator: triage a submitted case and request a record; offer it; the specialist declines', async () => {
  await inBrowser('coordinator-triage', async (page) => {
    // The patient side submits a case.
    await page.goto('/sign-in');
    await submitPassword(page, 'patient@demo.consilium.test', demoPassword);
    await expectSignedInHome(page, 'Maria Lopez');
    const caseId = await submitCaseThroughApi(page);
    await signOut(page);

    // The coordinator finds it in the queue under "Submitted".
    await signInStaff(page, coordinatorEmail);
    await page.goto('/');
    await page.getByRole('link', { name: 'Case queue', exact: true }).first().click();
    await expectPath(page, '/queue');
    await page.getByRole('heading', { level: 1, name: 'Case queue' }).waitFor();
    await chooseStage(page, 'Submitted', 'submitted');
    const submittedBefore = await stageCount(page, 'Submitted');
    const awaitingBefore = await stageCount(page, 'Awaiting records');
    assert.ok(submittedBefore >= 1, `expected a submitted case, the count says ${submittedBefore}`);
    const caseLink = page.locator(`a[href="/queue/${caseId}"]`).first();
    await caseLink.waitFor();
    assert.equal((await caseLink.innerText()).trim(), 'Maria Lopez');

    // Start triage.
    await caseLink.click();
    await expectPath(page, `/queue/${caseId}`);
    await page.getByRole('heading', { level: 1, name: 'Maria Lopez' }).waitFor();
    await page.getByRole('heading', { name: "The patient's questions" }).waitFor();
    await page.getByText('Is the diagnosis right?').waitFor();
    await expectStage(page, 'Submitted');
    await page.getByRole('button', { name: 'Start triage' }).click();
    await expectStage(page, 'In triage');

    // Request a missing record: what, why, by when.
    await page.getByRole('button', { name: 'Request missing records…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Request missing records' });
    await dialog.getByLabel('What is missing').fill('Chest X-ray report from January');
    await dialog
      .getByLabel('Why it is needed')
      .fill('The specialist needs to compare it with the recent findings.');
    const due = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await dialog.getByLabel('Needed by').fill(due);
    await dialog.getByRole('button', { name: 'Send the request' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expectStage(page, 'Awaiting records');
    await page.getByRole('heading', { name: 'Record requests' }).waitFor();
    await page.getByText('Chest X-ray report from January').waitFor();

    // Back in the queue, the case is under "Awaiting records" and the counts moved.
    await page.getByRole('link', { name: 'Back to the case queue' }).click();
    await expectPath(page, '/queue');
    await chooseStage(page, 'Awaiting records', 'awaiting_records');
    await page.locator(`a[href="/queue/${caseId}"]`).first().waitFor();
    await page.getByText(`Submitted (${submittedBefore - 1})`, { exact: true }).waitFor();
    await page.getByText(`Awaiting records (${awaitingBefore + 1})`, { exact: true }).waitFor();

    // The records arrive; the case is ready and offered to the demo specialist.
    await page.locator(`a[href="/queue/${caseId}"]`).first().click();
    await page.getByRole('button', { name: 'Mark the records as received' }).click();
    await expectStage(page, 'In triage');
    // The records check holds it back (amoxicillin against her penicillin allergy, and records
    // the checklist asks for): the coordinator overrides with a reason, kept in the audit trail.
    await page.getByRole('button', { name: 'Mark ready for matching' }).click();
    await page
      .getByText('The records check found problems that block matching.', { exact: false })
      .waitFor();
    await page.getByRole('button', { name: 'Mark ready anyway…' }).click();
    const override = page.getByRole('dialog', { name: 'Mark ready despite the records check' });
    await override
      .getByLabel('Why the case may go on')
      .fill('The rash years ago was not an allergy: confirmed with her GP by phone.');
    await override.getByRole('button', { name: 'Override and mark ready' }).click();
    await override.waitFor({ state: 'detached' });
    await expectStage(page, 'Ready for matching');
    await page.getByRole('button', { name: 'Offer to a specialist…' }).click();
    const offer = page.getByRole('dialog', { name: 'Offer the case to a specialist' });
    await offer.getByRole('radio', { name: /Dr\. Jonas Weber/ }).check();
    assert.equal(await offer.getByLabel('Accept within (hours)').inputValue(), '12');
    await offer
      .getByLabel('Note to the specialist (optional)')
      .fill('Please look at the X-ray first.');
    await offer.getByRole('button', { name: 'Send the offer' }).click();
    await offer.waitFor({ state: 'detached' });
    await expectStage(page, 'Offered');
    await page.getByText(/Offered to Dr\. Jonas Weber on/).waitFor();
    await signOut(page);

    // The specialist sees the offer and declines it with a reason.
    await signInStaff(page, specialistEmail);
    await page.goto('/');
    await page.getByRole('link', { name: 'Offers and cases', exact: true }).first().click();
    await expectPath(page, '/offers');
    await page.getByRole('heading', { name: /^Offers waiting for your answer/ }).waitFor();
    const offerLink = page.locator(`a[href="/offers/${caseId}"]`);
    await offerLink.first().waitFor();
    assert.equal((await offerLink.first().innerText()).trim(), 'Review the offer for Maria Lopez');
    await offerLink.first().click();
    await expectPath(page, `/offers/${caseId}`);
    await page.getByRole('heading', { name: 'This case is offered to you' }).waitFor();
    await page.getByText('Note from the coordinator: “Please look at the X-ray first.”').waitFor();
    await page.getByRole('button', { name: 'Decline…' }).click();
    const decline = page.getByRole('dialog', { name: 'Decline the offer' });
    await decline
      .getByLabel('Reason for declining')
      .fill('Outside my area: this needs a pulmonologist.');
    await decline.getByRole('button', { name: 'Decline the offer' }).click();
    await expectPath(page, '/offers');
    await page.getByText('You declined the offer.').waitFor();
    await page.getByRole('heading', { name: /^Offers waiting for your answer/ }).waitFor();
    assert.equal(await offerLink.count(), 0, 'the declined offer is no longer listed');
    await signOut(page);

    // The coordinator sees the decline, its reason and the call to re-offer.
    await signInStaff(page, coordinatorEmail);
    await page.goto(`/queue/${caseId}`);
    await expectStage(page, 'Ready for matching');
    await page.getByText('Dr. Jonas Weber declined the offer').waitFor();
    await page
      .getByText('Reason: “Outside my area: this needs a pulmonologist.”')
      .first()
      .waitFor();
    await page.getByRole('button', { name: 'Re-offer the case' }).waitFor();
  });
});
