/**
 * How well the safety net does on its corpus: every injector on every sound case it applies to.
 * Recall per defect kind is the share of injections whose expected finding was raised; false
 * positives are the findings raised on the sound cases (which have nothing to find), counted per
 * rule and severity. Also counted, per kind: the other new findings an injection caused, which
 * are usually true consequences (a removed report also leaves a reference to it unmet) and are
 * shown so that a noisy rule is noticed.
 */
import { findingRules, type Finding, type FindingRule, type FindingSeverity } from '../finding.ts';
import { runSafetyNet, type SafetyNetReference } from '../run-safety-net.ts';
import { defectInjectors, type DefectKind, type DefectInjector } from './defect-injectors.ts';
import { soundCases, type SoundCase } from './sound-cases.ts';

export interface InjectionOutcome {
  caseName: string;
  kind: DefectKind;
  detected: boolean;
  /** The expected finding's severity when raised. */
  severity: FindingSeverity | null;
  /** Findings of the injected case whose fingerprints the sound case did not have. */
  newFindings: Finding[];
}

export interface DefectKindMeasure {
  kind: DefectKind;
  description: string;
  applicable: number;
  detected: number;
  recall: number;
  severities: FindingSeverity[];
  otherNewFindings: number;
}

export interface SoundCaseMeasure {
  caseName: string;
  findings: Finding[];
  blockers: number;
}

export interface CorpusMeasure {
  kinds: DefectKindMeasure[];
  soundCases: SoundCaseMeasure[];
  /** Findings on sound cases, per rule (rules with none are listed with 0). */
  falsePositives: Record<FindingRule, number>;
  outcomes: InjectionOutcome[];
  overallRecall: number;
}

function measureInjection(
  sound: SoundCase,
  soundFindings: readonly Finding[],
  injector: DefectInjector,
  reference: SafetyNetReference,
): InjectionOutcome | null {
  const injected = injector.inject(sound.input, reference);
  if (injected === null) return null;
  const findings = runSafetyNet(injected.input, reference);
  const expected = findings.find(
    (finding) =>
      finding.rule === injected.expected.rule &&
      finding.fingerprint.includes(injected.expected.fingerprintContains),
  );
  const before = new Set(soundFindings.map((finding) => finding.fingerprint));
  return {
    caseName: sound.name,
    kind: injector.kind,
    detected: expected !== undefined,
    severity: expected?.severity ?? null,
    newFindings: findings.filter(
      (finding) => !before.has(finding.fingerprint) && finding !== expected,
    ),
  };
}

/** Runs the whole corpus against a reference bundle. */
export function measureCorpus(reference: SafetyNetReference): CorpusMeasure {
  const cases = soundCases();
  const soundMeasures: SoundCaseMeasure[] = cases.map((sound) => {
    const findings = runSafetyNet(sound.input, reference);
    return {
      caseName: sound.name,
      findings,
      blockers: findings.filter((finding) => finding.severity === 'blocker').length,
    };
  });
  const outcomes: InjectionOutcome[] = [];
  cases.forEach((sound, index) => {
    for (const injector of defectInjectors) {
      const outcome = measureInjection(sound, soundMeasures[index]!.findings, injector, reference);
      if (outcome !== null) outcomes.push(outcome);
    }
  });
  const kinds = defectInjectors.map((injector): DefectKindMeasure => {
    const mine = outcomes.filter((outcome) => outcome.kind === injector.kind);
    const detected = mine.filter((outcome) => outcome.detected).length;
    return {
      kind: injector.kind,
      description: injector.description,
      applicable: mine.length,
      detected,
      recall: mine.length === 0 ? 1 : detected / mine.length,
      severities: [
        ...new Set(
          mine.flatMap((outcome) => (outcome.severity === null ? [] : [outcome.severity])),
        ),
      ],
      otherNewFindings: mine.reduce((total, outcome) => total + outcome.newFindings.length, 0),
    };
  });
  const falsePositives = Object.fromEntries(findingRules.map((rule) => [rule, 0])) as Record<
    FindingRule,
    number
  >;
  for (const measure of soundMeasures)
    for (const finding of measure.findings) falsePositives[finding.rule] += 1;
  const detected = outcomes.filter((outcome) => outcome.detected).length;
  return {
    kinds,
    soundCases: soundMeasures,
    falsePositives,
    outcomes,
    overallRecall: outcomes.length === 0 ? 1 : detected / outcomes.length,
  };
}
