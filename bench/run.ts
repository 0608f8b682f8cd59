/**
 * `npm run bench`: runs every benchmark in turn and prints its figures. Benchmarks are not part
 * of `npm test`; docs/performance.md records the figures measured and how to reproduce them.
 */
import { benchCoordinatorQueue } from './coordinator-queue.ts';
import { benchIcd10Cm } from './icd10cm-validate.ts';

await benchIcd10Cm();
if (!(await benchCoordinatorQueue())) process.exitCode = 1;
