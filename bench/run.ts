/**
 * `npm run bench`: runs every benchmark in turn and prints its figures. Benchmarks are not part
 * of `npm test`; docs/performance.md records the figures measured and how to reproduce them.
 */
import { benchCoordinatorQueue } from './coordinator-queue.ts';
import { benchIcd10Cm } from './icd10cm-validate.ts';
import { benchMedicationCheck } from './medication-check.ts';
import { benchRecordsIngestion } from './records-ingestion.ts';
import { benchSafetyCorpus } from './safety-corpus.ts';

await benchIcd10Cm();
await benchMedicationCheck();
if (!(await benchSafetyCorpus())) process.exitCode = 1;
if (!(await benchCoordinatorQueue())) process.exitCode = 1;
if (!(await benchRecordsIngestion())) process.exitCode = 1;
