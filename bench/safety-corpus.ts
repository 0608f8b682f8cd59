/**
 * The safety net's defect corpus on the shipped reference data: per defect kind, how many sound
 * cases it was injected into, how many times the expected finding was raised (recall) and at
 * which severity; the findings on the sound cases (false positives, per rule); and how long one
 * run of the engine takes. Run with `node bench/safety-corpus.ts`; docs/safety-net.md records
 * the figures.
 */
import { performance } from 'node:perf_hooks';
import { measureCorpus } from '../src/core/safety/corpus/corpus-measure.ts';
import { soundCases } from '../src/core/safety/corpus/sound-cases.ts';
import { runSafetyNet } from '../src/core/safety/run-safety-net.ts';
import { loadSafetyNetReference } from '../src/server/terminology/medication-files.ts';

export async function benchSafetyCorpus(): Promise<boolean> {
  let started = performance.now();
  const reference = await loadSafetyNetReference();
  const loadMs = performance.now() - started;
  const measure = measureCorpus(reference);

  console.log('Safety net — defect corpus (recall per injected defect kind)');
  console.table(
    Object.fromEntries(
      measure.kinds.map((kind) => [
        kind.kind,
        {
          'cases injected': kind.applicable,
          found: kind.detected,
          recall: `${(kind.recall * 100).toFixed(0)} %`,
          severity: kind.severities.join(', '),
          'other new findings': kind.otherNewFindings,
        },
      ]),
    ),
  );
  console.log('Sound cases (every finding here is a false positive)');
  console.table(
    Object.fromEntries(
      measure.soundCases.map((sound) => [
        sound.caseName,
        { findings: sound.findings.length, blockers: sound.blockers },
      ]),
    ),
  );
  const falsePositives = Object.entries(measure.falsePositives).filter(([, count]) => count > 0);
  console.log(
    falsePositives.length === 0
      ? 'False positives per rule: none'
      : `False positives per rule: ${falsePositives.map(([rule, count]) => `${rule} ${count}`).join(', ')}`,
  );

  const inputs = soundCases().map((sound) => sound.input);
  for (const input of inputs) runSafetyNet(input, reference);
  const runs = 2_000;
  started = performance.now();
  for (let index = 0; index < runs; index++)
    runSafetyNet(inputs[index % inputs.length]!, reference);
  const runMs = (performance.now() - started) / runs;
  console.table({
    'load reference data (ms)': loadMs.toFixed(0),
    'one engine run, mean (ms)': runMs.toFixed(3),
    'overall recall': `${(measure.overallRecall * 100).toFixed(1)} %`,
  });
  return measure.overallRecall === 1 && falsePositives.length === 0;
}

if (import.meta.main && !(await benchSafetyCorpus())) process.exitCode = 1;
