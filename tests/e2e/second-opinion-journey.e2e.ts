/**
 * The whole second-opinion journey, with real sign-ins: a referring physician adds a patient, who
 * signs up through the emailed invitation and sends a request with a question. The coordinator
 * asks for a missing record, the patient provides it, the coordinator offers the case to a
 * specialist who declines, then re-offers it to a second specialist who accepts and asks the
 * patient a question. With the answer in, the specialist writes every section of the opinion, a
 * colleague approves it in peer review, and the specialist signs it (password + authenticator
 * code). The patient reads the report and downloads the PDF; the referring physician confirms
 * receipt; the patient asks a follow-up question, answered as a signed addendum. The public check
 * then reports the original report as superseded and the addendum as current.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  advanceClock,
  baseUrl,
  demoPassword,
  expectPath,
  expectSignedInHome,
  freshTotpCode,
  inBrowser,
  linkIn,
  rememberedTotpSecret,
  signInStaff,
  signOut,
  submitPassword,
  waitForEmail,
} from './support/harness.ts';

const physician = { email: 'physician@demo.consilium.test', name: 'Dr. Aisha Khan' };
const coordinatorEmail = 'coordinator@demo.consilium.test';
const firstSpecialist = { email: 'specialist@demo.consilium.test', name: 'Dr. Jonas Weber' };
const secondSpecialist = { email: 'specialist2@demo.consilium.test', name: 'Dr. Elena Rossi' };

/** This run's patient: a name and an address no other journey uses. */
const suffix = randomBytes(3).toString('hex');
const patient = {
  givenName: 'Journey',
  familyName: `Walker-${suffix}`,
  name: `Journey Walker-${suffix}`,
  email: `journey-${suffix}@example.org`,
  password: `a long phrase only the journey patient knows ${suffix}`,
};

/** The patient's diagnosis as picked in the intake, and the specialist's more exact one. */
const workingDiagnosis = { code: 'I48.91', text: 'Unspecified atrial fibrillation' };
const refinedDiagnosis = { code: 'I48.0', text: 'Paroxysmal atrial fibrillation' };
const patientQuestion = 'Do I need the ablation now, or can medicines help first?';
const requestedRecord = 'Holter monitor (24-hour ECG) report from March';
const specialistQuestion = 'Do the episodes start at rest, or when you exercise?';
const specialistAnswer = 'Mostly at rest in the evening. They stop by themselves within an hour.';
const recommendation =
  'Take a rhythm medicine and a blood thinner for six months before deciding on ablation.';
const plainSummary =
  'Your heart sometimes beats fast and out of step. You do not need the heart operation now. ' +
  'Take the new medicine every day. Call us at once if you faint or have chest pain.';
const declineReason = 'Outside my area: a cardiologist should answer this.';
const followUpQuestion = 'Can I still drink coffee while I take the new medicine?';
const followUpAnswer = 'Yes, up to two cups a day. Stop if coffee seems to start an episode.';

const verificationCodePattern =
  /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** A verification code without its grouping dashes. */
function compactCode(code: string): string {
  return code.trim().replace(/-/g, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The field labelled exactly `label` (a required field's label ends in an asterisk). */
function field(container: Locator, label: string): Locator {
  return container.getByLabel(new RegExp(`^${escapeRegExp(label)}( \\*)?$`));
}

/** The sentence on the patient side's case page that says where the case stands. */
async function expectPatientStatus(page: Page, sentence: string): Promise<void> {
  await page.getByTestId('case-status-sentence').filter({ hasText: sentence }).waitFor();
}

/** The case's stage badge on a staff screen. */
async function expectStage(page: Page, stage: string): Promise<void> {
  await page.getByRole('main').getByText(stage, { exact: true }).first().waitFor();
}

async function signInPatient(page: Page): Promise<void> {
  await submitPassword(page, patient.email, patient.password);
  await expectSignedInHome(page, patient.name);
}

async function signInPhysician(page: Page): Promise<void> {
  await submitPassword(page, physician.email, demoPassword);
  await expectSignedInHome(page, physician.name);
}

/** The server's date `days` ahead, as the date field takes it (the server clock may be moved). */
async function serverDateIn(days: number): Promise<string> {
  const now = await advanceClock(0);
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The step-up dialog: password and a code from the authenticator app. */
async function confirmItIsMe(page: Page, email: string): Promise<void> {
  const reauth = page.getByRole('dialog', { name: 'Confirm it is you' });
  await reauth.waitFor();
  await reauth
    .getByText(
      'For your security, enter your password and a code from your authenticator app to continue.',
    )
    .waitFor();
  await reauth.getByLabel(/^Password/).fill(demoPassword);
  const secret = await rememberedTotpSecret(email);
  assert.ok(secret !== undefined, `an authenticator secret is remembered for ${email}`);
  await reauth.getByLabel('Authentication code').fill(await freshTotpCode(secret));
  await reauth.getByRole('button', { name: 'Continue' }).click();
  await reauth.waitFor({ state: 'detached' });
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

/** The physician adds the patient on "My patients"; the invitation goes out. */
async function physicianRefersPatient(page: Page): Promise<void> {
  await page.goto('/sign-in');
  await signInPhysician(page);
  await page.getByRole('link', { name: 'My patients', exact: true }).first().click();
  await expectPath(page, '/people/patients');
  const add = page.getByRole('region', { name: 'Add a patient' });
  await field(add, 'First name').fill(patient.givenName);
  await field(add, 'Last name').fill(patient.familyName);
  await field(add, "Patient's email").fill(patient.email);
  await add.getByRole('button', { name: 'Add and send invitation' }).click();
  await page.getByText(`${patient.name} was added. We sent them an invitation.`).waitFor();
  const row = page.getByRole('row').filter({ hasText: patient.name });
  await row.getByText('Waiting for the patient', { exact: true }).waitFor();
  await signOut(page);
}

/** The patient opens the emailed link, chooses a password and signs in. */
async function patientAcceptsInvitation(page: Page): Promise<void> {
  // Generous: when this is the run's first email, it has been seen to take about 20 s to leave
  // the server's job queue (later ones take under a second).
  const message = await waitForEmail(
    patient.email,
    /started a second-opinion request for you/,
    60_000,
  );
  const link = new URL(linkIn(message, '/invitation'));
  assert.equal(link.origin, baseUrl(), 'the link points at PUBLIC_URL');
  await page.goto(link.pathname + link.search);
  await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
  await page
    .getByText(`${physician.name} started a second-opinion request for you at`, { exact: false })
    .waitFor();
  await page
    .getByText(`Your account will be in the name ${patient.name}, as your physician entered it.`)
    .waitFor();
  await page.getByLabel(/^Password\b/).fill(patient.password);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await expectPath(page, '/sign-in');
  await page.getByText('Your account is ready. Sign in to review your request.').waitFor();
  await signInPatient(page);
}

async function saveAndContinue(page: Page, nextTitle: string): Promise<void> {
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.getByRole('heading', { level: 2, name: nextTitle, exact: true }).waitFor();
}

/** The patient starts a request (condition with its code, one question, consent) and sends it. */
async function patientSubmitsRequest(page: Page): Promise<string> {
  await page
    .getByRole('region', { name: 'Your cases' })
    .getByRole('link', { name: 'Start a new request' })
    .click();
  await expectPath(page, '/cases/new');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await page.waitForURL((url) => /^\/cases\/[0-9a-f-]{36}\/intake$/.test(url.pathname));
  const caseId = new URL(page.url()).pathname.split('/')[2]!;

  await page.getByRole('heading', { level: 2, name: 'Your condition', exact: true }).waitFor();
  await page
    .getByRole('textbox', { name: 'Your condition, in your own words' })
    .fill('My heart races and beats out of step a few times a month, each time for an hour.');
  const search = page.getByRole('combobox', { name: 'Find your diagnosis code (optional)' });
  await search.fill('unspecified atrial fibrillation');
  await page
    .getByRole('option', {
      name: `${workingDiagnosis.code} ${workingDiagnosis.text}`,
      exact: true,
    })
    .click();
  await page.getByText(`${workingDiagnosis.code} — ${workingDiagnosis.text}`).waitFor();
  await page
    .getByRole('textbox', { name: 'The treatment your doctors suggest' })
    .fill('A catheter ablation of the heart.');
  await saveAndContinue(page, 'Medicines, allergies and devices');
  await saveAndContinue(page, 'Your health history');
  await saveAndContinue(page, 'Your questions');
  await page.getByRole('textbox', { name: /^Question 1/ }).fill(patientQuestion);
  await saveAndContinue(page, 'What matters to you');
  await page
    .getByRole('textbox', { name: 'What matters most to you' })
    .fill('I want to keep running with my club.');
  await saveAndContinue(page, 'Documents');
  await saveAndContinue(page, 'Consent and sending');

  await page
    .getByRole('checkbox', { name: /I have read the consent \(version .+\) and I agree/ })
    .check();
  await page
    .getByRole('region', { name: 'Before you can send' })
    .getByText('Everything we need is here. You can send your request.')
    .waitFor();
  await page.getByRole('button', { name: 'Send my request' }).click();
  await expectPath(page, `/cases/${caseId}`);
  await expectPatientStatus(page, 'We have your request.');
  await signOut(page);
  return caseId;
}

/** The coordinator starts triage and asks for a missing record. */
async function coordinatorRequestsRecord(page: Page, caseId: string): Promise<void> {
  await signInStaff(page, coordinatorEmail);
  await page.goto(`/queue/${caseId}`);
  await page.getByRole('heading', { level: 1, name: patient.name }).waitFor();
  await page.getByText(patientQuestion).waitFor();
  await expectStage(page, 'Submitted');
  await page.getByRole('button', { name: 'Start triage' }).click();
  await expectStage(page, 'In triage');

  await page.getByRole('button', { name: 'Request missing records…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Request missing records' });
  await dialog.getByLabel('What is missing').fill(requestedRecord);
  await dialog
    .getByLabel('Why it is needed')
    .fill('The specialist needs to see how long the episodes last.');
  await dialog.getByLabel('Needed by').fill(await serverDateIn(14));
  await dialog.getByRole('button', { name: 'Send the request' }).click();
  await dialog.waitFor({ state: 'detached' });
  await expectStage(page, 'Awaiting records');
  await page.getByRole('region', { name: 'Record requests' }).getByText(requestedRecord).waitFor();
  await signOut(page);
}

/** The patient sees the request, adds the document and says it is provided. */
async function patientProvidesRecord(page: Page, caseId: string): Promise<void> {
  await signInPatient(page);
  await page.goto(`/cases/${caseId}`);
  await expectPatientStatus(page, 'We need something from you before we can go on.');
  const requests = page.getByRole('region', { name: 'What we need from you' });
  await requests.getByText(requestedRecord).waitFor();

  await page.getByLabel('Choose files').setInputFiles({
    name: 'holter-report-march.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(
      'Holter monitor report\nDate of service: 2026-03-12\n24-hour recording, sinus rhythm, no pauses.\n',
    ),
  });
  const records = page.getByRole('region', { name: 'Medical records' });
  await records.getByText('1 file sent in this visit.').waitFor();
  await records
    .getByTestId('record-document')
    .getByText('holter-report-march.txt')
    .waitFor({ timeout: 30_000 });

  await requests.getByRole('button', { name: 'I have provided this' }).click();
  await page.getByText('Thank you. We told your care coordinator.').waitFor();
  await expectPatientStatus(page, 'A care coordinator is checking your request.');
  await requests.getByRole('heading', { name: 'Already provided' }).waitFor();
  await signOut(page);
}

/** Offers the case from the coordinator's case page to the specialist named. */
async function offerTo(page: Page, specialistName: string, opener: Locator): Promise<void> {
  await opener.click();
  const offer = page.getByRole('dialog', { name: 'Offer the case to a specialist' });
  await offer.getByRole('radio', { name: new RegExp(escapeRegExp(specialistName)) }).check();
  await offer.getByRole('button', { name: 'Send the offer' }).click();
  await offer.waitFor({ state: 'detached' });
  await expectStage(page, 'Offered');
  await page.getByText(new RegExp(`Offered to ${escapeRegExp(specialistName)} on`)).waitFor();
}

/** The coordinator marks the case ready and offers it to the first specialist. */
async function coordinatorOffersToFirstSpecialist(page: Page, caseId: string): Promise<void> {
  await signInStaff(page, coordinatorEmail);
  await page.goto(`/queue/${caseId}`);
  await expectStage(page, 'In triage');
  await page
    .getByRole('region', { name: 'Record requests' })
    .getByText('Received', { exact: true })
    .waitFor();
  await page.getByRole('button', { name: 'Mark ready for matching' }).click();
  await expectStage(page, 'Ready for matching');
  await offerTo(
    page,
    firstSpecialist.name,
    page.getByRole('button', { name: 'Offer to a specialist…' }),
  );
  await signOut(page);
}

/** The first specialist declines with a reason; the case leaves their list. */
async function firstSpecialistDeclines(page: Page, caseId: string): Promise<void> {
  await signInStaff(page, firstSpecialist.email);
  await page.goto(`/offers/${caseId}`);
  await page.getByRole('heading', { name: 'This case is offered to you' }).waitFor();
  await page.getByRole('heading', { level: 1, name: patient.name }).waitFor();
  await page.getByRole('button', { name: 'Decline…' }).click();
  const decline = page.getByRole('dialog', { name: 'Decline the offer' });
  await decline.getByLabel('Reason for declining').fill(declineReason);
  await decline.getByRole('button', { name: 'Decline the offer' }).click();
  await expectPath(page, '/offers');
  await page.getByText('You declined the offer.').waitFor();
  await page.getByRole('heading', { name: /^Offers waiting for your answer/ }).waitFor();
  assert.equal(
    await page.locator(`a[href="/offers/${caseId}"]`).count(),
    0,
    'the declined case is no longer in the specialist’s list',
  );
  await signOut(page);
}

/** The coordinator reads the decline and re-offers the case to the second specialist. */
async function coordinatorReoffers(page: Page, caseId: string): Promise<void> {
  await signInStaff(page, coordinatorEmail);
  await page.goto(`/queue/${caseId}`);
  await expectStage(page, 'Ready for matching');
  await page.getByText(`${firstSpecialist.name} declined the offer`).waitFor();
  await page.getByText(`Reason: “${declineReason}”`).first().waitFor();
  await offerTo(
    page,
    secondSpecialist.name,
    page.getByRole('button', { name: 'Re-offer the case' }),
  );
  await signOut(page);
}

/** The second specialist accepts, starts the review and asks the patient a question. */
async function secondSpecialistAcceptsAndAsks(page: Page, caseId: string): Promise<void> {
  await signInStaff(page, secondSpecialist.email);
  await page.goto(`/offers/${caseId}`);
  await page.getByRole('heading', { name: 'This case is offered to you' }).waitFor();
  await page.getByRole('button', { name: 'Accept the case' }).click();
  await page.getByText('You hold this case').waitFor();
  await page.getByRole('link', { name: 'Open the review workspace' }).click();
  await expectPath(page, `/review/${caseId}`);
  await page.getByRole('heading', { level: 1, name: patient.name }).waitFor();
  await page.getByRole('button', { name: 'Start the review' }).click();
  await page.getByRole('heading', { name: 'Your opinion' }).waitFor();

  await page.getByRole('button', { name: 'Ask the patient…' }).click();
  const ask = page.getByRole('dialog', { name: 'Ask the patient a question' });
  await ask.getByLabel('Your question to the patient').fill(specialistQuestion);
  await ask.getByRole('button', { name: 'Send the question' }).click();
  await ask.waitFor({ state: 'detached' });
  await page.getByText('Your question was sent to the patient.').waitFor();
  await page
    .getByText("The case is waiting for the patient's answer. You can keep writing;", {
      exact: false,
    })
    .waitFor();
  await signOut(page);
}

/** The patient answers the specialist's question on the case page. */
async function patientAnswersQuestion(page: Page, caseId: string): Promise<void> {
  await signInPatient(page);
  await page.goto(`/cases/${caseId}`);
  await expectPatientStatus(page, 'The specialist has a question for you.');
  const questions = page.getByRole('region', { name: 'Questions from your specialist' });
  await questions.getByText(specialistQuestion).waitFor();
  await questions.getByLabel('Your answer to question 1').fill(specialistAnswer);
  await questions.getByRole('button', { name: 'Send my answer' }).click();
  await page.getByText('Your answer was sent to the specialist.').waitFor();
  await questions.getByText(/^You answered on /).waitFor();
  await expectPatientStatus(page, 'A specialist is reviewing your case.');
  await signOut(page);
}

/** The second specialist writes every section, saves, and asks for peer review. */
async function secondSpecialistWritesOpinion(page: Page, caseId: string): Promise<void> {
  await signInStaff(page, secondSpecialist.email);
  await page.goto(`/review/${caseId}`);
  await page.getByRole('heading', { name: 'Your opinion' }).waitFor();
  // The patient's answer is beside the opinion.
  await page.getByText(`Answer: ${specialistAnswer}`).waitFor();
  await page.getByText('0 of 10 required sections complete').waitFor();

  let section = await openSection(page, 'Assessment of the working diagnosis');
  await section
    .getByText(`Working diagnosis: ${workingDiagnosis.code} ${workingDiagnosis.text}`)
    .waitFor();
  await section.getByRole('radio', { name: 'Refined', exact: true }).check();
  const code = field(section, 'Resulting diagnosis: ICD-10-CM code');
  await code.fill('paroxysmal atrial fibrillation');
  await page
    .getByRole('option', {
      name: `${refinedDiagnosis.code} ${refinedDiagnosis.text}`,
      exact: true,
    })
    .click();
  assert.equal(await code.inputValue(), refinedDiagnosis.code);
  assert.equal(
    await field(section, 'Resulting diagnosis, in words').inputValue(),
    refinedDiagnosis.text,
    'picking a code fills the diagnosis in words',
  );
  await section.getByRole('radio', { name: 'High', exact: true }).check();
  await field(section, 'Reasoning').fill(
    'The Holter report shows episodes that stop by themselves within hours.',
  );

  section = await openSection(page, 'Alternative diagnoses considered');
  await section.getByRole('checkbox', { name: 'No alternative diagnoses considered' }).check();

  section = await openSection(page, 'Recommended further tests');
  await section.getByRole('button', { name: 'Add a test' }).click();
  await field(section, 'Test').fill('Echocardiogram');
  await field(section, 'Why it is needed, and what it would change').fill(
    'To rule out a valve problem, which would change the choice of blood thinner.',
  );

  section = await openSection(page, 'Treatment options compared');
  await section.getByRole('button', { name: 'Add a treatment option' }).click();
  await field(section, 'Treatment').fill('Flecainide with a blood thinner');
  await field(section, 'Expected benefit').fill('Fewer and shorter episodes in most patients.');
  await field(section, 'Side effects and risks').fill(
    'Dizziness; bleeding with the blood thinner.',
  );
  await field(section, 'Recovery time').fill('None: daily tablets');
  await field(section, 'Relative cost').click();
  await page.getByRole('option', { name: 'Lower', exact: true }).click();
  await field(section, "Fit with the patient's goals").fill(
    'Lets the patient keep running with the club while the rhythm settles.',
  );

  section = await openSection(page, 'Recommendation');
  await field(section, 'Your recommendation').fill(recommendation);
  await section.getByRole('radio', { name: 'Yes, it changes it' }).check();

  section = await openSection(page, 'Risk of waiting versus acting now');
  await field(section, 'Risk of waiting').fill(
    'Low: the episodes are short and the blood thinner lowers the risk of stroke.',
  );
  await field(section, 'Risk of acting now').fill('Ablation carries a small risk of bleeding.');
  await field(section, 'Advised timing').fill('Start the medicines this week');

  section = await openSection(page, 'Follow-up windows');
  await section.getByRole('button', { name: 'Add a follow-up window' }).click();
  await field(section, 'What to check').fill('Heart rhythm with a 7-day monitor');
  await field(section, 'When').fill('In 3 months');

  section = await openSection(page, 'Warning signs that need faster contact');
  await section.getByRole('button', { name: 'Add a warning sign' }).click();
  await field(section, 'Warning sign').fill('Fainting or chest pain');
  await field(section, 'What to do').fill('Call an ambulance');

  section = await openSection(page, "Answers to the patient's questions");
  await field(section, patientQuestion).fill(
    'Medicines first. Many people like you do well without an ablation.',
  );

  // The plain-language summary shows its reading level as it is typed.
  section = await openSection(page, 'Summary in plain language');
  await field(section, 'Summary for the patient').fill(plainSummary);
  await section.getByText(/^Reading level: grade \d+\.\d\. Good: at or below grade 8\.$/).waitFor();
  await section.getByText(/^✓ Reading level: grade \d+\.\d$/).waitFor();

  section = await openSection(page, 'References');
  await section.getByRole('button', { name: 'Add a reference' }).click();
  await field(section, 'Citation').fill(
    'Hindricks G, et al. 2020 ESC Guidelines for the diagnosis and management of atrial ' +
      'fibrillation. Eur Heart J 2021;42:373-498.',
  );
  await field(section, 'Web address (optional)').fill('https://doi.org/10.1093/eurheartj/ehaa612');

  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText(/^✓ Saved at \d{1,2}:\d{2}/).waitFor();
  await page.getByText('10 of 10 required sections complete').waitFor();

  // Peer review by the first specialist.
  await page.getByRole('button', { name: 'Request peer review…' }).click();
  const request = page.getByRole('dialog', { name: 'Request peer review' });
  await request.getByLabel(/^Colleague/).fill('Jonas');
  await page
    .getByRole('option', { name: new RegExp(`^${escapeRegExp(firstSpecialist.name)}`) })
    .click();
  await request.getByRole('button', { name: 'Ask for review' }).click();
  await request.waitFor({ state: 'detached' });
  await page.getByText('Your colleague was asked to review the draft.').waitFor();
  const peer = page.getByRole('region', { name: 'Peer review' });
  await peer.getByText('A colleague is reviewing the draft.').waitFor();
  await peer.getByText('Waiting for a decision', { exact: true }).waitFor();
  await signOut(page);
}

/** The first specialist, as peer reviewer, reads the draft and approves it. */
async function peerReviewerApproves(page: Page, caseId: string): Promise<void> {
  await signInStaff(page, firstSpecialist.email);
  await page.goto(`/review/${caseId}`);
  await page.getByText('Peer review', { exact: true }).first().waitFor();
  const decision = page.getByRole('region', { name: 'Your decision' });
  await decision
    .getByText(`${secondSpecialist.name} asks you to review this draft opinion.`, { exact: false })
    .waitFor();
  await page.getByRole('region', { name: 'The draft opinion' }).getByText(recommendation).waitFor();
  await decision.getByRole('button', { name: 'Approve the draft' }).click();
  await page.getByText('You approved the draft.').first().waitFor();
  await decision.getByText('Your review: Approved.').waitFor();
  await signOut(page);
}

/** The verification code shown on a signed version's card. */
async function verificationCodeOf(version: Locator): Promise<string> {
  const code = (await version.locator('code').first().innerText()).trim();
  assert.match(code, verificationCodePattern);
  return code;
}

/** The second specialist signs with re-authentication; returns the verification code. */
async function secondSpecialistSigns(page: Page, caseId: string): Promise<string> {
  await signInStaff(page, secondSpecialist.email);
  await page.goto(`/review/${caseId}`);
  const peer = page.getByRole('region', { name: 'Peer review' });
  await peer.getByText('Approved', { exact: true }).first().waitFor();
  await page.getByText(/^✓ Saved at \d{1,2}:\d{2}/).waitFor();

  // Signing in counts as proof of identity for a few minutes: let them pass, so that signing
  // asks for the password and the authenticator code again.
  await advanceClock(10);
  const sign = page.getByRole('button', { name: 'Sign the opinion…', disabled: false });
  await sign.waitFor();
  await sign.click();
  const confirm = page.getByRole('dialog', { name: 'Sign the opinion' });
  await confirm.getByRole('button', { name: 'Sign and deliver' }).click();
  await confirmItIsMe(page, secondSpecialist.email);

  await page.getByText('The opinion is signed and delivered.').waitFor();
  await page.getByRole('heading', { name: 'The signed opinion' }).waitFor();
  const signed = page.getByRole('article', { name: 'Signed opinion' });
  await signed.getByText(/^(✓\s*)?Sealed$/).waitFor();
  await signed.getByText(`Signed by ${secondSpecialist.name}`, { exact: false }).waitFor();
  const code = await verificationCodeOf(signed);
  await signOut(page);
  return code;
}

/** Fetches a download link as the signed-in person and checks it is a PDF. */
async function expectPdfAt(page: Page, link: Locator): Promise<void> {
  const href = await link.getAttribute('href');
  assert.ok(href !== null, 'the download link has an address');
  const pdf = await page.evaluate(async (address) => {
    const response = await fetch(address);
    const bytes = new Uint8Array(await response.arrayBuffer());
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      start: String.fromCharCode(...bytes.slice(0, 5)),
      size: bytes.length,
    };
  }, href);
  assert.equal(pdf.status, 200, `GET ${href}`);
  assert.match(pdf.type, /^application\/pdf/);
  assert.equal(pdf.start, '%PDF-');
  assert.ok(pdf.size > 1000, `the PDF has content (${pdf.size} bytes)`);
}

/** The patient reads the report and downloads the PDF. */
async function patientReadsReport(page: Page, caseId: string, code: string): Promise<void> {
  await signInPatient(page);
  await page.goto(`/cases/${caseId}`);
  await expectPatientStatus(page, 'Your report is ready.');
  const report = page.getByRole('region', { name: 'Your report' });
  const opinion = report.getByRole('article', { name: 'Second opinion report' });
  await opinion.getByText(`Signed by ${secondSpecialist.name}`, { exact: false }).waitFor();
  await opinion.getByText(plainSummary).waitFor();
  await opinion.getByText('The specialist agrees, and makes your diagnosis more exact.').waitFor();
  await opinion.getByText(`${refinedDiagnosis.code} — ${refinedDiagnosis.text}`).waitFor();
  await opinion.getByText(recommendation).waitFor();
  await opinion.getByText(patientQuestion).waitFor();
  // The same code as on the specialist's screen (shown here with or without its dashes).
  const checkCode = await opinion.getByText(/^Check code: /).innerText();
  assert.equal(compactCode(checkCode.replace(/^Check code: /, '')), compactCode(code));
  await expectPdfAt(page, opinion.getByRole('link', { name: 'Download the report (PDF)' }));
  await signOut(page);
}

/** The referring physician opens the case and confirms receipt of the report. */
async function physicianConfirmsReceipt(page: Page, caseId: string): Promise<void> {
  await signInPhysician(page);
  await page.goto('/people/patients');
  await page
    .getByRole('row')
    .filter({ hasText: patient.name })
    .getByText('Confirmed', { exact: true })
    .waitFor();
  await page.goto(`/cases/${caseId}`);
  await page.getByText(`For ${patient.name}`, { exact: false }).first().waitFor();
  const report = page.getByRole('region', { name: 'Your report' });
  await report.getByText('Please tell us that you got the report.').waitFor();
  await report.getByRole('button', { name: 'I got the report' }).click();
  await page.getByText('Thank you. We noted that you got the report.').waitFor();
  await report.getByRole('button', { name: 'I got the report' }).waitFor({ state: 'detached' });
  await signOut(page);
}

/** The patient asks a follow-up question. */
async function patientAsksFollowUp(page: Page, caseId: string): Promise<void> {
  await signInPatient(page);
  await page.goto(`/cases/${caseId}`);
  const followUps = page.getByRole('region', { name: 'Follow-up questions' });
  await followUps.getByText(/^You can ask (\d+) more questions? \(of \1\)/).waitFor();
  await followUps.getByLabel('Your follow-up question').fill(followUpQuestion);
  await followUps.getByRole('button', { name: 'Send my question' }).click();
  await page.getByText('Your question was sent to the specialist.').waitFor();
  await expectPatientStatus(page, 'You asked a follow-up question.');
  await followUps.getByText(/Waiting for the answer\.$/).waitFor();
  await signOut(page);
}

/** The second specialist answers it as a signed addendum; returns its verification code. */
async function secondSpecialistAnswersFollowUp(page: Page, caseId: string): Promise<string> {
  await signInStaff(page, secondSpecialist.email);
  await page.goto(`/review/${caseId}`);
  const followUps = page.getByRole('region', { name: 'Follow-up questions' });
  await followUps.getByText(followUpQuestion).waitFor();
  // As for the opinion: past the few minutes a sign-in counts as proof, an addendum asks again.
  await advanceClock(10);
  await followUps.getByLabel(/^Your answer to question 1/).fill(followUpAnswer);
  await followUps.getByRole('button', { name: 'Sign the answer' }).click();
  await confirmItIsMe(page, secondSpecialist.email);
  await page.getByText('Your answer is signed and delivered.').waitFor();

  const addendum = page.getByRole('article', {
    name: 'Addendum 1: answer to a follow-up question',
  });
  await addendum.getByText(followUpAnswer).waitFor();
  await addendum.getByText('Latest', { exact: true }).waitFor();
  const original = page.getByRole('article', { name: 'Signed opinion' });
  assert.equal(await original.getByText('Latest', { exact: true }).count(), 0);
  const code = await verificationCodeOf(addendum);
  await signOut(page);
  return code;
}

/** Anyone, without an account, checks both codes on the public page. */
async function publicVerifies(browser: Browser, original: string, addendum: string): Promise<void> {
  const context = await browser.newContext({ baseURL: baseUrl(), locale: 'en-GB' });
  try {
    const page = await context.newPage();
    await page.goto(`/verify/${original}`);
    await page.getByRole('heading', { level: 1, name: 'Check a second-opinion report' }).waitFor();
    await page.getByText('Authentic, but superseded').waitFor();
    await page
      .getByRole('row', { name: /Document/ })
      .getByText('The signed opinion')
      .waitFor();
    await page
      .getByRole('row', { name: /Signed by/ })
      .getByText(secondSpecialist.name)
      .waitFor();

    await page.goto(`/verify/${addendum}`);
    await page.getByText('Authentic and current').waitFor();
    await page
      .getByRole('row', { name: /Document/ })
      .getByText('Addendum 1')
      .waitFor();
  } finally {
    await context.close();
  }
}

void test(
  'second opinion: from the physician’s referral to a verified addendum',
  { timeout: 300_000 },
  async () => {
    await inBrowser('second-opinion-journey', async (page, context) => {
      await physicianRefersPatient(page);
      await patientAcceptsInvitation(page);
      const caseId = await patientSubmitsRequest(page);
      await coordinatorRequestsRecord(page, caseId);
      await patientProvidesRecord(page, caseId);
      await coordinatorOffersToFirstSpecialist(page, caseId);
      await firstSpecialistDeclines(page, caseId);
      await coordinatorReoffers(page, caseId);
      await secondSpecialistAcceptsAndAsks(page, caseId);
      await patientAnswersQuestion(page, caseId);
      await secondSpecialistWritesOpinion(page, caseId);
      await peerReviewerApproves(page, caseId);
      const originalCode = await secondSpecialistSigns(page, caseId);
      await patientReadsReport(page, caseId, originalCode);
      await physicianConfirmsReceipt(page, caseId);
      await patientAsksFollowUp(page, caseId);
      const addendumCode = await secondSpecialistAnswersFollowUp(page, caseId);
      assert.notEqual(addendumCode, originalCode, 'the addendum has its own verification code');
      const browser = context.browser();
      assert.ok(browser !== null, 'the journey runs in a launched browser');
      await publicVerifies(browser, originalCode, addendumCode);
    });
  },
);
