/**
 * Journey: a case's medical records in the browser. The demo patient, asked a question by the
 * specialist on her angina case, chooses a whole folder (as from an imaging CD): a pathology
 * letter that names someone else, a CT series of three images and a FHIR bundle exported from a
 * patient portal. The progress bars run, the documents appear once checked, the timeline fills
 * with the bundle's clinical events, and the records check tells her in plain words that a
 * document may be about someone else; she explains that it is not hers. The coordinator sees
 * the same finding with its technical explanation and her explanation; the specialist on the
 * case opens the CT series in the DICOM viewer and scrolls through it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import PDFDocument from 'pdfkit';
import type { Page } from 'playwright-core';
import {
  demoPassword,
  expectSignedInHome,
  inBrowser,
  signInStaff,
  signOut,
  submitPassword,
} from './support/harness.ts';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/records');
const explanation = 'That letter is not mine. The clinic gave me the wrong one; I asked for mine.';

/** Calls the API as the signed-in person, the way the app does. */
async function callApi<T>(page: Page, pathname: string): Promise<T> {
  return page.evaluate(async (url) => {
    const response = await fetch(url);
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }, pathname);
}

/** A one-page pathology letter about another person. */
async function pathologyLetter(): Promise<Buffer> {
  const doc = new PDFDocument();
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  doc.text('Riverside Pathology Laboratory');
  doc.text('Pathology Report');
  doc.text('Patient: Jonathan Someoneelse   DOB: 1931-02-03');
  doc.text('Date of service: 2026-10-02');
  doc.text('Specimen: coronary artery plaque. No malignancy.');
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

/**
 * Three images of one CT series, made from one sample image by giving each its own instance UID,
 * number and position (same lengths, so the file stays valid).
 */
async function ctSeries(): Promise<Buffer[]> {
  const source = await fs.readFile(path.join(fixtures, 'dicom', 'pydicom_CT_small.dcm'));
  // Offsets of the values of (0008,0018) SOP Instance UID and (0020,0013) Instance Number.
  const uidLastDigit = 482 + 46;
  const instanceNumber = 2346;
  if (
    source.toString('latin1', 482, 482 + 47) !== '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322'
  )
    throw new Error('the sample CT image is not the expected file');
  // (0020,0032) Image Position (Patient): each image 5 mm (the slice thickness) above the last.
  const positionZ = 2356 + '-158.135803\\-179.035797\\'.length;
  if (source.toString('latin1', positionZ, positionZ + 10) !== '-75.699997')
    throw new Error('the sample CT image has another position');
  return ['1', '2', '3'].map((digit, index) => {
    const copy = Buffer.from(source);
    copy.write(String(Number(digit) + 3), uidLastDigit, 'latin1');
    copy.write(digit, instanceNumber, 'latin1');
    copy.write(`-${75 - 5 * index}.699997`, positionZ, 'latin1');
    return copy;
  });
}

async function prepareFolder(): Promise<string> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-cd-'));
  const dicom = path.join(folder, 'DICOM');
  await fs.mkdir(dicom);
  await fs.writeFile(path.join(folder, 'pathology-letter.pdf'), await pathologyLetter());
  for (const [index, image] of (await ctSeries()).entries())
    await fs.writeFile(path.join(dicom, `IM000${index + 1}`), image);
  await fs.copyFile(
    path.join(fixtures, 'fhir', 'Antonio_Castellanos_6d2eba67-5b4a-403f-a29f-e6da3f1ea963.json'),
    path.join(folder, 'portal-export.json'),
  );
  // What an operating system leaves in a folder: skipped, not sent.
  await fs.writeFile(path.join(folder, '.DS_Store'), 'junk');
  return folder;
}

void test('records: a folder of records is sent, understood and checked; staff see the findings; the specialist scrolls the CT series', async () => {
  const folder = await prepareFolder();
  let caseId = '';
  try {
    await inBrowser('records-journey-patient', async (page) => {
      await page.goto('/sign-in');
      await submitPassword(page, 'patient@demo.consilium.test', demoPassword);
      await expectSignedInHome(page, 'Maria Lopez');
      const { cases } = await callApi<{ cases: { id: string; state: string }[] }>(
        page,
        '/api/v1/cases?state=awaiting_patient',
      );
      caseId = cases[0]?.id ?? '';
      if (caseId === '') throw new Error('the demo patient has a case awaiting her answer');
      await page.goto(`/cases/${caseId}`);
      const records = page.getByRole('region', { name: 'Medical records' });
      await records.getByLabel('Choose a folder').setInputFiles(folder);
      await records.getByRole('progressbar', { name: 'Progress of all files' }).waitFor();
      await records.getByText('5 files sent in this visit.').waitFor({ timeout: 60_000 });

      // Checked and understood on the server: five documents, one imaging study.
      await records.getByTestId('record-document').nth(4).waitFor({ timeout: 60_000 });
      await records.getByTestId('record-study').getByText(/CT/).first().waitFor();
      await records.getByText('DICOM/IM0002').waitFor();
      // The timeline holds the bundle's medicines and conditions.
      const timeline = page.getByRole('region', { name: 'Records timeline' });
      await timeline
        .getByText(/hydrochlorothiazide/i)
        .first()
        .waitFor({ timeout: 30_000 });
      // The records check, in plain words.
      await records
        .getByText(/"[^"]*Pathology report[^"]*", may be about someone else/)
        .waitFor({ timeout: 30_000 });
      // She explains it; the finding stays for the coordinator to verify.
      const finding = records
        .getByRole('listitem')
        .filter({ hasText: /"[^"]*Pathology report[^"]*", may be about someone else/ })
        .first();
      await finding.getByRole('button', { name: 'Explain' }).click();
      await finding.getByLabel('Your explanation').fill(explanation);
      await finding.getByRole('button', { name: 'Send' }).click();
      await finding.getByText(/^You explained on /).waitFor();
      await finding.getByText(explanation, { exact: true }).waitFor();
      await finding.getByRole('button', { name: 'Change your explanation' }).waitFor();
      await signOut(page);
    });

    await inBrowser('records-journey-coordinator', async (page) => {
      await page.goto('/sign-in');
      await signInStaff(page, 'coordinator@demo.consilium.test');
      await page.goto(`/queue/${caseId}`);
      const records = page.getByRole('region', { name: 'Medical records' });
      await records.getByRole('heading', { name: 'Safety net findings' }).waitFor();
      // The technical explanation names what differs.
      await records.getByText(/recorded name "Jonathan Someoneelse"/).waitFor();
      // The patient's explanation stands out on the finding, ready to verify.
      await records.getByText("The patient's explanation").first().waitFor();
      await records.getByText(explanation, { exact: true }).waitFor();
      await signOut(page);
    });

    await inBrowser('records-journey-specialist', async (page) => {
      await page.goto('/sign-in');
      await signInStaff(page, 'specialist@demo.consilium.test');
      await page.goto(`/review/${caseId}`);
      const records = page.getByRole('region', { name: 'Medical records' });
      await records.getByRole('button', { name: 'Open series' }).click();
      const viewer = page.getByRole('dialog');
      await viewer.getByText('Image 1 of 3').first().waitFor({ timeout: 30_000 });
      const image = viewer.getByRole('application');
      await image.focus();
      await page.keyboard.press('ArrowUp');
      await viewer.getByText('Image 2 of 3').first().waitFor();
      await page.keyboard.press('ArrowUp');
      await viewer.getByText('Image 3 of 3').first().waitFor();
      await page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'hidden' });
      await signOut(page);
    });
  } finally {
    await fs.rm(folder, { recursive: true, force: true });
  }
});
