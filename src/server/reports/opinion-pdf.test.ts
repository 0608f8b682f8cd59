/**
 * The signed-opinion PDF, read back with PDF.js: every section and answer is in the text, the seal
 * and verification code are printed, the fonts are embedded TrueType (never the standard 14),
 * labels follow the report's language, and the same report always gives the same bytes.
 */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderOpinionPdf } from './opinion-pdf.ts';
import type { OpinionReport } from './opinion-report.ts';

const firstQuestionId = '3f1c2a9e-7b41-4c7a-9d2e-1a2b3c4d5e6f';
const secondQuestionId = '8a7b6c5d-4e3f-4a1b-9c2d-0e1f2a3b4c5d';
const signer = { signerName: 'Dr. Ana Gómez', signerCredentials: 'MD, PhD — Breast oncology' };
const opinionSeal = 'a3f1c2d4e5b6a7980112233445566778899aabbccddeeff00112233445566778';
const addendumSeal = '0fedcba98765432100112233445566778899aabbccddeeff0011223344556677';

const report: OpinionReport = {
  organization: { name: 'Clínica Ejemplo Second Opinions' },
  patient: { name: 'María José Núñez', birthDate: '1968-04-21' },
  case: {
    id: '6b1f0c3e-2d4a-4f5b-8c9d-0a1b2c3d4e5f',
    diagnosis: {
      code: 'C50.911',
      text: 'Malignant neoplasm of unspecified site of right female breast',
    },
    proposedTreatment: 'Mastectomy followed by adjuvant chemotherapy',
    questions: [
      {
        id: firstQuestionId,
        text: 'Do I need a mastectomy, or is breast-conserving surgery an option?',
      },
      { id: secondQuestionId, text: 'Should I start chemotherapy before surgery?' },
    ],
    submittedAt: '2026-03-02T09:15:00Z',
  },
  versions: [
    {
      sequence: 1,
      kind: 'opinion',
      followUpQuestion: null,
      content: {
        diagnosisAssessment: {
          outcome: 'refined',
          diagnosis: {
            code: 'C50.411',
            text: 'Malignant neoplasm of upper-outer quadrant of right female breast',
          },
          confidence: 'high',
          rationale:
            'The core biopsy shows invasive ductal carcinoma, grade 2, ER ≥ 90 %, HER2-negative; tumour 2.1 cm on MRI; Ki-67 15 %; CA 15-3 of 12 µg/L.',
        },
        alternativeDiagnoses: [
          {
            diagnosis: 'Invasive lobular carcinoma',
            reasoning: 'E-cadherin staining is retained, which argues against a lobular subtype.',
          },
        ],
        recommendedTests: [
          {
            test: 'Oncotype DX recurrence score',
            reason: 'Decides whether chemotherapy adds benefit after surgery.',
          },
        ],
        treatmentOptions: [
          {
            name: 'Breast-conserving surgery and radiotherapy',
            expectedBenefit: 'Same survival as mastectomy for a tumour of this size.',
            sideEffectsAndRisks: 'About 1 in 10 need a second operation for clear margins.',
            recoveryTime: '2–3 weeks',
            relativeCost: 'similar',
            fitWithGoals: 'Keeps the breast, which you said matters to you.',
          },
          {
            name: 'Mastectomy',
            expectedBenefit: 'No radiotherapy needed in most cases.',
            sideEffectsAndRisks: 'Longer recovery; reconstruction is a separate decision.',
            recoveryTime: '4–6 weeks',
            relativeCost: 'higher',
            fitWithGoals: 'Less aligned with your wish to keep the breast.',
          },
        ],
        recommendation: {
          text: 'Breast-conserving surgery, then radiotherapy; chemotherapy only if the recurrence score is high.',
          changesProposedTreatment: true,
        },
        riskOfWaiting: {
          riskOfWaiting: 'Waiting 4–6 weeks for the test does not change the outcome.',
          riskOfActingNow: 'Operating before the result is fine; the test uses the specimen.',
          advisedTiming: 'Surgery within 6 weeks',
        },
        followUpWindows: [{ what: 'Review with the surgeon', when: 'Within 2 weeks' }],
        warningSigns: [
          { sign: 'Fever above 38 °C after surgery', action: 'Call the ward the same day' },
        ],
        questionAnswers: [
          {
            questionId: firstQuestionId,
            answer: 'Yes: breast-conserving surgery is a safe option for you.',
          },
          {
            questionId: secondQuestionId,
            answer: 'No: the test result will decide whether you need chemotherapy at all.',
          },
        ],
        plainLanguageSummary:
          'You have a small breast cancer. You can keep your breast. A test will show if you need chemotherapy.',
        references: [
          {
            citation:
              'Fisher B, et al. “Twenty-year follow-up of a randomized trial.” N Engl J Med 2002;347:1233–41.',
            url: 'https://www.nejm.org/doi/full/10.1056/NEJMoa022152',
          },
        ],
      },
      ...signer,
      signedAt: '2026-03-10T14:30:00Z',
      sealSha256: opinionSeal,
      verificationCode: '7K3M9Q2VXT4B',
    },
    {
      sequence: 2,
      kind: 'addendum',
      followUpQuestion: 'Can I travel by plane two weeks after surgery?',
      content: {
        reason: 'follow_up_answer',
        text: 'Yes. Short flights are fine after 2 weeks if the wound has healed.',
      },
      ...signer,
      signedAt: '2026-03-20T08:05:00Z',
      sealSha256: addendumSeal,
      verificationCode: 'QH8N2R5W1ZCD',
    },
  ],
  verificationCode: 'QH8N2R5W1ZCD',
  verifyUrl: 'https://consilium.example.org/verify/',
  language: 'en',
  timeZone: 'Europe/Madrid',
};

const standard14 =
  /^(?:Times|Helvetica|Courier|Symbol|ZapfDingbats)(?:-(?:Roman|Bold|Italic|BoldItalic|Oblique|BoldOblique))?$/u;

interface ReadBack {
  pages: number;
  /** All text, whitespace collapsed to single spaces. */
  text: string;
  info: Record<string, unknown>;
  fonts: { name: string; embedded: boolean }[];
}

/** Parses the PDF with PDF.js: its text, metadata and (when asked) the fonts its pages use. */
async function readBack(pdf: Buffer, withFonts = false): Promise<ReadBack> {
  const loading = getDocument({
    data: new Uint8Array(pdf),
    fontExtraProperties: true,
    verbosity: 0,
  });
  const document = await loading.promise;
  try {
    const parts: string[] = [];
    const fonts = new Map<string, boolean>();
    for (let number = 1; number <= document.numPages; number += 1) {
      const page = await document.getPage(number);
      const content = await page.getTextContent();
      for (const item of content.items)
        if ('str' in item) parts.push(item.str, item.hasEOL ? '\n' : '');
      parts.push('\n');
      if (!withFonts) continue;
      // Loading the operator list makes PDF.js parse the page's fonts into `commonObjs`.
      await page.getOperatorList();
      for (const [, font] of page.commonObjs as unknown as Iterable<[string, any]>) {
        if (typeof font?.name === 'string') fonts.set(font.name, font.missingFile === false);
      }
    }
    const { info } = await document.getMetadata();
    return {
      pages: document.numPages,
      text: parts.join('').replace(/\s+/gu, ' '),
      info: info as Record<string, unknown>,
      fonts: [...fonts].map(([name, embedded]) => ({ name, embedded })),
    };
  } finally {
    await loading.destroy();
  }
}

let pdf: Buffer;
let english: ReadBack;

beforeAll(async () => {
  pdf = await renderOpinionPdf(report);
  english = await readBack(pdf, true);
});

describe('renderOpinionPdf', () => {
  it('prints the header facts: organization, patient, specialist and verification code', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { text } = english;
    expect(text).toContain('Clínica Ejemplo Second Opinions');
    expect(text).toContain('Patient: María José Núñez');
    expect(text).toContain('Date of birth: April 21, 1968');
    expect(text).toContain('Specialist: Dr. Ana Gómez, MD, PhD — Breast oncology');
    expect(text).toContain('Verification code: QH8N-2R5W-1ZCD');
    expect(text).toContain('Verify at https://consilium.example.org/verify/QH8N2R5W1ZCD');
    expect(text).toContain('C50.911 — Malignant neoplasm of unspecified site');
  });

  it('prints every section under its heading, in the order of the opinion', () => {
    const headings = [
      'Diagnosis assessment',
      'Alternative diagnoses',
      'Recommended tests',
      'Treatment options compared',
      'Recommendation',
      'Risk of waiting and timing',
      'Follow-up',
      'Warning signs',
      'Your questions answered',
      'Summary in plain language',
      'References',
      'Addendum 1 — March 20, 2026',
      'Signatures and seals',
    ];
    const positions = headings.map((heading) => english.text.indexOf(` ${heading} `));
    positions.forEach((position, index) => {
      expect(position, headings[index]).toBeGreaterThan(0);
      if (index > 0) expect(position, headings[index]).toBeGreaterThan(positions[index - 1]!);
    });
    const { text } = english;
    expect(text).toContain('Outcome: Diagnosis refined');
    expect(text).toContain('Diagnosis (ICD-10-CM): C50.411 — Malignant neoplasm of upper-outer');
    expect(text).toContain('Confidence: High');
    expect(text).toContain('ER ≥ 90 %');
    // The font draws the micro sign and the Greek mu with one glyph, which reads back as the
    // Greek letter; the two are the same under compatibility normalization.
    expect(text.normalize('NFKC')).toContain('12 µg/L'.normalize('NFKC'));
    expect(text).toContain('Option 1: Breast-conserving surgery and radiotherapy');
    expect(text).toContain('Option 2: Mastectomy');
    expect(text).toContain('Recovery time: 2–3 weeks');
    expect(text).toContain('Relative cost: Higher');
    expect(text).toContain('Changes the proposed treatment: Yes');
    expect(text).toContain('Advised timing: Surgery within 6 weeks');
    expect(text).toContain('When: Within 2 weeks');
    expect(text).toContain('What to do: Call the ward the same day');
    expect(text).toContain('“Twenty-year follow-up of a randomized trial.”');
  });

  it('prints each question of the case with its answer', () => {
    const { text } = english;
    for (const [question, answer] of [
      [
        'Do I need a mastectomy, or is breast-conserving surgery an option?',
        'Yes: breast-conserving surgery is a safe option for you.',
      ],
      [
        'Should I start chemotherapy before surgery?',
        'No: the test result will decide whether you need chemotherapy at all.',
      ],
    ] as const) {
      expect(text).toContain(`${question} ${answer}`);
    }
  });

  it('prints the addendum with the follow-up question it answers', () => {
    expect(english.text).toContain(
      'Addendum 1 — March 20, 2026 Answer to a follow-up question Follow-up question Can I travel by plane two weeks after surgery? Yes. Short flights are fine after 2 weeks if the wound has healed. Signed by: Dr. Ana Gómez, MD, PhD — Breast oncology',
    );
  });

  it('prints a signature block per version: signer, time in the organization zone, seal, code', () => {
    const signatures = english.text.slice(english.text.indexOf('Signatures and seals'));
    expect(signatures).toContain('Signed on: March 10, 2026 at 3:30 PM (Europe/Madrid)');
    expect(signatures).toContain('Signed on: March 20, 2026 at 9:05 AM (Europe/Madrid)');
    expect(signatures).toContain('Verification code: 7K3M-9Q2V-XT4B');
    expect(signatures).toContain('Verify at https://consilium.example.org/verify/7K3M9Q2VXT4B');
    expect(signatures).toContain('Verification code: QH8N-2R5W-1ZCD');
    const compact = signatures.replace(/\s/gu, '');
    expect(compact).toContain(opinionSeal);
    expect(compact).toContain(addendumSeal);
    expect(signatures.match(/MD, PhD — Breast oncology/gu)).toHaveLength(2);
  });

  it('numbers every page and heads it with the organization', () => {
    expect(english.pages).toBeGreaterThanOrEqual(1);
    for (let page = 1; page <= english.pages; page += 1)
      expect(english.text).toContain(`Page ${page} of ${english.pages}`);
    const headers = english.text.match(/Clínica Ejemplo Second Opinions/gu) ?? [];
    expect(headers.length).toBeGreaterThanOrEqual(english.pages);
  });

  it('embeds its TrueType fonts and uses none of the standard 14', () => {
    expect(english.fonts.length).toBeGreaterThanOrEqual(2);
    for (const font of english.fonts) {
      expect(font.embedded, font.name).toBe(true);
      expect(font.name.replace(/^[A-Z]{6}\+/u, '')).not.toMatch(standard14);
    }
    const raw = pdf.toString('latin1');
    const fontFiles = raw.match(/\/FontFile2 /gu) ?? [];
    expect(fontFiles.length).toBe(english.fonts.length);
    expect(raw).not.toMatch(/\/BaseFont \/(?:Times|Helvetica|Courier|Symbol|ZapfDingbats)/u);
  });

  it('sets the title, the organization as author, and the newest signature as creation date', () => {
    expect(english.info.Title).toBe('Medical second opinion — María José Núñez');
    expect(english.info.Author).toBe('Clínica Ejemplo Second Opinions');
    expect(english.info.CreationDate).toMatch(/^D:20260320080500Z/u);
  });

  it('renders the same report to the same bytes', async () => {
    const again = await renderOpinionPdf(structuredClone(report));
    expect(again.equals(pdf)).toBe(true);
  });

  it('writes its labels in Spanish for a Spanish report', async () => {
    const { text } = await readBack(await renderOpinionPdf({ ...report, language: 'es' }));
    for (const label of [
      'Paciente: María José Núñez',
      'Fecha de nacimiento: 21 de abril de 1968',
      'Especialista: Dr. Ana Gómez',
      'Código de verificación: QH8N-2R5W-1ZCD',
      'Valoración del diagnóstico',
      'Diagnóstico (CIE-10-MC): C50.411',
      'Grado de confianza: Alto',
      'Diagnósticos alternativos',
      'Pruebas recomendadas',
      'Comparación de opciones de tratamiento',
      'Cambia el tratamiento propuesto: Sí',
      'Signos de alarma',
      'Respuestas a sus preguntas',
      'Resumen en lenguaje sencillo',
      'Adenda 1 — 20 de marzo de 2026',
      'Pregunta de seguimiento',
      'Firmas y sellos',
      'Fecha de firma: 10 de marzo de 2026',
      'Verifique en https://consilium.example.org/verify/7K3M9Q2VXT4B',
      'Página 1 de',
    ])
      expect(text).toContain(label);
    expect(text).not.toContain('Treatment options compared');
  });

  it('says "None considered" for an empty list of alternative diagnoses', async () => {
    const [opinion, ...addenda] = report.versions;
    const withoutAlternatives: OpinionReport = {
      ...report,
      versions: [
        { ...opinion!, content: { ...opinion!.content, alternativeDiagnoses: [] } },
        ...addenda,
      ],
    };
    const { text } = await readBack(await renderOpinionPdf(withoutAlternatives));
    expect(text).toContain('Alternative diagnoses None considered. Recommended tests');
  });
});
