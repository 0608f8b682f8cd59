/**
 * Checklists as data: the schema an organization's stored set must pass, the default set, and
 * the three rules raised from a checklist (missing document, stale document, missing fact).
 */
import { describe, expect, it } from 'vitest';
import {
  checkChecklist,
  checklistSetSchema,
  defaultChecklistSet,
  statesNoAllergies,
  type Checklist,
  type ChecklistDocumentItem,
} from './checklists.ts';
import {
  buildDocument,
  buildInput,
  buildLabObservation,
  buildMedication,
  buildReport,
} from './corpus/record-builders.ts';
import { addDays } from '../iso-dates.ts';

const today = '2026-11-16';

const imaging: ChecklistDocumentItem = {
  type: 'document',
  id: 'imaging',
  label: 'scan report',
  why: 'Staging needs recent imaging.',
  kinds: ['imaging_report', 'imaging_study'],
  maxAgeDays: 90,
  missingSeverity: 'blocker',
  staleSeverity: 'warning',
};

const cardiacTest: ChecklistDocumentItem = {
  type: 'document',
  id: 'cardiac_test',
  label: 'heart test report',
  why: 'Rhythm and function.',
  kinds: ['imaging_report', 'imaging_study', 'other'],
  modalities: ['ECG', 'US'],
  keywords: ['echocardiogram', 'ecg'],
  maxAgeDays: 180,
  missingSeverity: 'blocker',
  staleSeverity: 'warning',
};

const checklistOf = (...items: Checklist['items']): Checklist => ({
  title: 'Test',
  historyGapDays: 180,
  items,
});

const scan = (id: string, date: string | null) =>
  buildDocument({ id, kind: 'imaging_report', date, text: 'CT chest: no nodules.' });

describe('checklist set schema', () => {
  it('accepts the default set, also after a JSON round trip (how the server stores it)', () => {
    expect(checklistSetSchema.parse(defaultChecklistSet)).toEqual(defaultChecklistSet);
    expect(checklistSetSchema.parse(JSON.parse(JSON.stringify(defaultChecklistSet)))).toEqual(
      defaultChecklistSet,
    );
  });

  it('has a checklist for every category and the fallback, each with a blocker or a letter', () => {
    for (const [name, checklist] of Object.entries(defaultChecklistSet.checklists)) {
      expect(checklist.items.length, name).toBeGreaterThan(0);
      expect(
        checklist.items.some((item) => item.type === 'document'),
        name,
      ).toBe(true);
    }
  });

  it('rejects duplicate item ids, unknown kinds, severities and fields, and a missing category', () => {
    const broken = structuredClone(defaultChecklistSet) as unknown as {
      checklists: Record<string, { items: Record<string, unknown>[] }>;
    };
    broken.checklists.oncology!.items[1]!.id = broken.checklists.oncology!.items[0]!.id;
    const duplicate = checklistSetSchema.safeParse(broken);
    expect(duplicate.success).toBe(false);
    expect(duplicate.error?.issues[0]?.message).toMatch(/duplicate item id/);

    const withKind = structuredClone(defaultChecklistSet) as unknown as typeof broken;
    withKind.checklists.cardiology!.items[0]!.kinds = ['x_ray'];
    expect(checklistSetSchema.safeParse(withKind).success).toBe(false);

    const withSeverity = structuredClone(defaultChecklistSet) as unknown as typeof broken;
    withSeverity.checklists.neurology!.items[0]!.missingSeverity = 'critical';
    expect(checklistSetSchema.safeParse(withSeverity).success).toBe(false);

    const withExtra = structuredClone(defaultChecklistSet) as unknown as typeof broken;
    withExtra.checklists.neurology!.items[0]!.colour = 'red';
    expect(checklistSetSchema.safeParse(withExtra).success).toBe(false);

    const withoutOrthopaedics: Record<string, unknown> = { ...defaultChecklistSet.checklists };
    delete withoutOrthopaedics.orthopaedics;
    expect(
      checklistSetSchema.safeParse({ ...defaultChecklistSet, checklists: withoutOrthopaedics })
        .success,
    ).toBe(false);
  });

  it('rejects a recency of zero days or a gap threshold under a month', () => {
    const zero = structuredClone(defaultChecklistSet);
    const first = zero.checklists.oncology.items.find((item) => item.type === 'document')!;
    if (first.type === 'document') first.maxAgeDays = 0;
    expect(checklistSetSchema.safeParse(zero).success).toBe(false);
    const gap = structuredClone(defaultChecklistSet);
    gap.checklists.general_medicine.historyGapDays = 7;
    expect(checklistSetSchema.safeParse(gap).success).toBe(false);
  });
});

describe('missing_document', () => {
  it('is raised at the item severity when no record of the kinds exists', () => {
    const findings = checkChecklist(buildInput(), 'oncology', checklistOf(imaging));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'missing_document',
      severity: 'blocker',
      fingerprint: 'missing_document|oncology|imaging',
      patientAction: 'upload',
    });
    expect(findings[0]!.patientMessage).toContain('scan report');
    expect(findings[0]!.evidence.sources).toEqual([
      { type: 'checklist', checklist: 'oncology', itemId: 'imaging' },
    ]);
  });

  it('is not raised when a ready document of one of the kinds exists', () => {
    const input = buildInput({ documents: [scan('d1', addDays(today, -10))] });
    expect(checkChecklist(input, 'oncology', checklistOf(imaging))).toEqual([]);
  });

  it('does not count a document of another kind, or one that is corrupt or locked', () => {
    const input = buildInput({
      documents: [
        buildDocument({
          id: 'd1',
          kind: 'clinic_letter',
          date: today,
          text: 'CT chest: no nodules.',
        }),
        buildDocument({ id: 'd2', kind: 'imaging_report', date: today, condition: 'encrypted' }),
        buildDocument({ id: 'd3', kind: 'imaging_study', date: today, condition: 'corrupt' }),
      ],
    });
    expect(checkChecklist(input, 'oncology', checklistOf(imaging)).map((f) => f.rule)).toEqual([
      'missing_document',
    ]);
  });

  it('needs one of the item’s DICOM modalities or keywords when it names any', () => {
    const chestCt = buildDocument({
      id: 'ct',
      kind: 'imaging_study',
      date: today,
      dicom: { description: 'CT CHEST', modalities: ['CT'], bodyPart: 'CHEST' },
    });
    expect(
      checkChecklist(buildInput({ documents: [chestCt] }), 'cardiology', checklistOf(cardiacTest)),
    ).toHaveLength(1);

    const ecg = buildDocument({
      id: 'ecg',
      kind: 'imaging_study',
      date: today,
      dicom: { description: 'Resting', modalities: ['ECG'], bodyPart: null },
    });
    const echoReport = buildDocument({
      id: 'echo',
      kind: 'imaging_report',
      date: today,
      text: 'Transthoracic Echocardiogram: EF 55%.',
    });
    const echoes = buildDocument({
      id: 'o',
      kind: 'other',
      date: today,
      text: 'The patient echoed concerns.',
    });
    for (const document of [ecg, echoReport])
      expect(
        checkChecklist(
          buildInput({ documents: [document] }),
          'cardiology',
          checklistOf(cardiacTest),
        ),
        document.id,
      ).toEqual([]);
    // A keyword must be a whole word: "echoed" is not "echocardiogram" or "ecg".
    expect(
      checkChecklist(buildInput({ documents: [echoes] }), 'cardiology', checklistOf(cardiacTest)),
    ).toHaveLength(1);
  });

  it('counts an imported report of the kind, and laboratory observations for lab results', () => {
    const labs: ChecklistDocumentItem = { ...imaging, id: 'labs', kinds: ['lab_results'] };
    const input = buildInput({
      clinical: [
        buildReport({
          id: 'r1',
          sourceDocumentId: 'f',
          date: addDays(today, -3),
          display: 'CT report',
          kind: 'imaging_report',
        }),
        buildLabObservation({
          id: 'o1',
          sourceDocumentId: 'f',
          date: addDays(today, -3),
          display: 'Hemoglobin',
          value: '12',
          unit: 'g/dL',
        }),
      ],
    });
    expect(checkChecklist(input, 'oncology', checklistOf(imaging, labs))).toEqual([]);
    const medicationOnly = buildInput({
      clinical: [
        buildMedication({ id: 'm', sourceDocumentId: 'f', display: 'aspirin', start: today }),
      ],
    });
    expect(
      checkChecklist(medicationOnly, 'oncology', checklistOf(labs)).map((f) => f.rule),
    ).toEqual(['missing_document']);
  });
});

describe('stale_document', () => {
  it('is raised when the newest matching record is older than the limit, citing it', () => {
    const input = buildInput({
      documents: [scan('old', addDays(today, -200)), scan('newer', addDays(today, -91))],
    });
    const [finding] = checkChecklist(input, 'oncology', checklistOf(imaging));
    expect(finding).toMatchObject({
      rule: 'stale_document',
      severity: 'warning',
      fingerprint: 'stale_document|oncology|imaging',
    });
    expect(finding!.evidence.values).toMatchObject({
      newestDate: addDays(today, -91),
      ageDays: 91,
      maxAgeDays: 90,
    });
    expect(finding!.evidence.sources).toContainEqual(
      expect.objectContaining({ documentId: 'newer' }),
    );
  });

  it('accepts a record exactly at the limit', () => {
    const input = buildInput({ documents: [scan('edge', addDays(today, -90))] });
    expect(checkChecklist(input, 'oncology', checklistOf(imaging))).toEqual([]);
  });

  it('asks for the date (info) when every matching record is undated', () => {
    const [finding] = checkChecklist(
      buildInput({ documents: [scan('undated', null)] }),
      'oncology',
      checklistOf(imaging),
    );
    expect(finding).toMatchObject({
      rule: 'stale_document',
      severity: 'info',
      patientAction: 'answer',
    });
  });

  it('uses the DICOM study date when the document has no date of service', () => {
    const study = {
      ...buildDocument({
        id: 's',
        kind: 'imaging_study',
        date: addDays(today, -10),
        dicom: { description: 'CT', modalities: ['CT'], bodyPart: null },
      }),
      dateOfService: null,
    };
    expect(
      checkChecklist(buildInput({ documents: [study] }), 'oncology', checklistOf(imaging)),
    ).toEqual([]);
  });

  it('is never raised for an item without a recency rule', () => {
    const anyAge: ChecklistDocumentItem = { ...imaging, maxAgeDays: null };
    expect(
      checkChecklist(
        buildInput({ documents: [scan('old', '2001-01-01')] }),
        'oncology',
        checklistOf(anyAge),
      ),
    ).toEqual([]);
  });
});

describe('missing_fact', () => {
  const facts = checklistOf(
    {
      type: 'fact',
      id: 'code',
      label: 'diagnosis code',
      why: 'Routing.',
      fact: 'diagnosis_code',
      missingSeverity: 'warning',
    },
    {
      type: 'fact',
      id: 'treatment',
      label: 'proposed treatment',
      why: 'Opinion.',
      fact: 'proposed_treatment',
      missingSeverity: 'info',
    },
    {
      type: 'fact',
      id: 'meds',
      label: 'medications',
      why: 'Interactions.',
      fact: 'medications',
      missingSeverity: 'warning',
    },
    {
      type: 'fact',
      id: 'allergies',
      label: 'allergies',
      why: 'Safety.',
      fact: 'allergies',
      missingSeverity: 'warning',
    },
  );

  it('is raised for each empty fact, with the intake field as evidence', () => {
    const findings = checkChecklist(
      buildInput({ case: { proposedTreatment: '   ' } }),
      'general_medicine',
      facts,
    );
    expect(findings.map((finding) => [finding.fingerprint, finding.severity])).toEqual([
      ['missing_fact|general_medicine|code', 'warning'],
      ['missing_fact|general_medicine|treatment', 'info'],
      ['missing_fact|general_medicine|meds', 'warning'],
      ['missing_fact|general_medicine|allergies', 'warning'],
    ]);
    expect(findings[2]!.evidence.sources[0]).toEqual({ type: 'intake', field: 'medications' });
    expect(findings.every((finding) => finding.patientAction === 'answer')).toBe(true);
  });

  it('counts imported medications and allergies, and an allergy entry saying "none"', () => {
    const input = buildInput({
      case: {
        diagnosisCode: 'E11.9',
        proposedTreatment: 'Insulin',
        allergies: [{ substance: 'NKDA' }],
      },
      clinical: [buildMedication({ id: 'm', sourceDocumentId: 'f', display: 'metformin' })],
    });
    expect(checkChecklist(input, 'general_medicine', facts)).toEqual([]);
  });
});

describe('statesNoAllergies', () => {
  it('recognises the usual ways of saying none, and nothing else', () => {
    for (const text of ['None', 'NKDA', 'No known allergies', 'no known drug allergies.', 'nil'])
      expect(statesNoAllergies(text), text).toBe(true);
    for (const text of ['Penicillin', 'No penicillin', 'none known to penicillin'])
      expect(statesNoAllergies(text), text).toBe(false);
  });
});
