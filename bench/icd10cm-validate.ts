/**
 * ICD-10-CM in-process benchmark: load time, validations per second over 1 million mixed codes
 * (billable, headers, retired, unknown; dotted, lower-case and stored spellings), and search
 * latency (p50/p95 over 1,000 queries of the kind a person types). Target from the records issue:
 * 1 million validations per second or better. Run with `npm run bench` (not part of `npm test`).
 */
import { performance } from 'node:perf_hooks';
import { formatCode, parseIcd10CmCodeSet } from '../src/core/terminology/icd10cm.ts';
import { readIcd10CmFiles } from '../src/server/terminology/icd10cm-files.ts';
import { percentile } from './support.ts';

/** Deterministic pseudo-random numbers (mulberry32), so runs compare. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export async function benchIcd10Cm(): Promise<void> {
  let started = performance.now();
  const files = await readIcd10CmFiles();
  const readMs = performance.now() - started;
  started = performance.now();
  const codeSet = parseIcd10CmCodeSet(files);
  const buildMs = performance.now() - started;

  const stored = files.codes
    .split('\n')
    .slice(1)
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t')[0]!);
  const retired = files.retired
    .split('\n')
    .slice(1)
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t')[0]!);
  const next = random(2027);
  const pick = (list: string[]) => list[Math.floor(next() * list.length)]!;
  const pool: string[] = [];
  for (let index = 0; index < 100_000; index++) {
    const roll = next();
    if (roll < 0.4) pool.push(pick(stored));
    else if (roll < 0.6) pool.push(formatCode(pick(stored)));
    else if (roll < 0.7) pool.push(formatCode(pick(stored)).toLowerCase());
    else if (roll < 0.8) pool.push(pick(retired));
    else pool.push(`${pick(stored)}${Math.floor(next() * 10)}`); // mostly unknown
  }

  const count = 1_000_000;
  const options = { requireBillable: true };
  // Warm up the JIT, then measure.
  for (let index = 0; index < 200_000; index++)
    codeSet.validate(pool[index % pool.length]!, options);
  let validCount = 0;
  started = performance.now();
  for (let index = 0; index < count; index++)
    if (codeSet.validate(pool[index % pool.length]!, options).valid) validCount++;
  const validateMs = performance.now() - started;

  const queries = [
    'type 2 diabetes',
    'diab',
    'chest pain',
    'e11',
    'I42.0',
    'fracture femur',
    'hypert',
    'covid',
    'breast cancer',
    'migraine without aura',
    'S72',
    'pneumonia',
    'lung',
    'ab',
    'heart failure',
    'm54.5',
    'dep',
    'asthma',
    'kidney disease stage',
    'z87',
  ];
  for (const query of queries) codeSet.search(query, 20);
  const latencies: number[] = [];
  for (let index = 0; index < 1_000; index++) {
    const query = queries[index % queries.length]!;
    const begin = performance.now();
    codeSet.search(query, 20);
    latencies.push(performance.now() - begin);
  }
  latencies.sort((left, right) => left - right);

  console.log('ICD-10-CM (FY2027)');
  console.table({
    'read files (ms)': readMs.toFixed(0),
    'build index (ms)': buildMs.toFixed(0),
    entries: codeSet.size,
    validations: count,
    'valid share': `${((validCount / count) * 100).toFixed(1)} %`,
    'validations per second': Math.round(count / (validateMs / 1000)).toLocaleString('en-US'),
  });
  console.table({
    'search, 1,000 queries (ms)': {
      p50: percentile(latencies, 0.5).toFixed(3),
      p95: percentile(latencies, 0.95).toFixed(3),
      p99: percentile(latencies, 0.99).toFixed(3),
      max: (latencies.at(-1) ?? 0).toFixed(3),
    },
  });
}

if (import.meta.main) await benchIcd10Cm();
