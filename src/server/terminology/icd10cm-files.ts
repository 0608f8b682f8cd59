/**
 * Loads the shipped ICD-10-CM files (terminology/icd10cm/ at the repository root) once per
 * process and keeps the built code set. Loading is lazy: the first caller pays about a second,
 * everyone after that shares the same in-memory index.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import {
  parseIcd10CmCodeSet,
  type Icd10CmCodeSet,
  type Icd10CmSourceFiles,
} from '../../core/terminology/icd10cm.ts';

/** Where the shipped files live. */
export const icd10CmDirectory = path.resolve(import.meta.dirname, '../../../terminology/icd10cm');

const gunzipAsync = promisify(gunzip);

/** Reads the five files of the edition (the codes file is gzip-compressed). */
export async function readIcd10CmFiles(
  directory: string = icd10CmDirectory,
): Promise<Icd10CmSourceFiles> {
  const text = (name: string) => fs.readFile(path.join(directory, name), 'utf8');
  const [codes, retired, chapters, blocks, categories] = await Promise.all([
    fs
      .readFile(path.join(directory, 'icd10cm-codes.tsv.gz'))
      .then(async (compressed) => (await gunzipAsync(compressed)).toString('utf8')),
    text('icd10cm-retired.tsv'),
    text('icd10cm-chapters.tsv'),
    text('icd10cm-blocks.tsv'),
    text('icd10cm-categories.tsv'),
  ]);
  return { codes, retired, chapters, blocks, categories };
}

let loading: Promise<Icd10CmCodeSet> | undefined;

/** The process-wide code set, loaded on first use. A failed load is retried by the next caller. */
export function loadIcd10CmCodeSet(): Promise<Icd10CmCodeSet> {
  loading ??= readIcd10CmFiles()
    .then(parseIcd10CmCodeSet)
    .catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  return loading;
}
