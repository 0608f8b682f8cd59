/**
 * Medication knowledge throughput on the shipped data: drug recognition in free text (RxNorm
 * displays, intake entries, a treatment plan) and pair look-ups, as the safety net uses them.
 * Run with `node bench/medication-check.ts`.
 */
import { performance } from 'node:perf_hooks';
import { readMedicationFiles } from '../src/server/terminology/medication-files.ts';
import { parseMedicationKnowledge } from '../src/core/safety/reference-medication-knowledge.ts';

const texts = [
  'Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet',
  'lisinopril 10 MG Oral Tablet',
  'Simvastatin 20 MG Oral Tablet',
  '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet',
  'Naproxen sodium 220 MG Oral Tablet',
  'Warfarin 5 mg once daily',
  'Stop simvastatin and start clarithromycin 500 mg twice daily for 7 days, then review.',
  'Lumpectomy with sentinel node biopsy, then radiotherapy and letrozole for five years.',
];
const ingredients = [
  'simvastatin',
  'clarithromycin',
  'warfarin',
  'ibuprofen',
  'lisinopril',
  'amoxicillin',
  'citalopram',
  'ondansetron',
];

export async function benchMedicationCheck(): Promise<void> {
  let started = performance.now();
  const knowledge = parseMedicationKnowledge(await readMedicationFiles());
  const buildMs = performance.now() - started;

  const recognitions = 200_000;
  for (let index = 0; index < 20_000; index++)
    knowledge.recognize(texts[index % texts.length]!, 'free_text');
  started = performance.now();
  for (let index = 0; index < recognitions; index++)
    knowledge.recognize(texts[index % texts.length]!, 'free_text');
  const recognizeMs = performance.now() - started;

  const lookups = 1_000_000;
  let found = 0;
  started = performance.now();
  for (let index = 0; index < lookups; index++) {
    const left = ingredients[index % ingredients.length]!;
    const right = ingredients[Math.floor(index / ingredients.length) % ingredients.length]!;
    found += knowledge.interactions(left, right).length;
  }
  const lookupMs = performance.now() - started;

  console.log('Medication knowledge (terminology/medication)');
  console.table({
    'parse and index (ms)': buildMs.toFixed(1),
    'recognitions per second': Math.round(recognitions / (recognizeMs / 1000)).toLocaleString(
      'en-US',
    ),
    'pair look-ups per second': Math.round(lookups / (lookupMs / 1000)).toLocaleString('en-US'),
    'interactions found (all ordered pairs)': found,
  });
}

if (import.meta.main) await benchMedicationCheck();
