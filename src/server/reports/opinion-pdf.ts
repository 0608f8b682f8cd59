/**
 * The PDF of a signed opinion (issue 3: "server-generated, embedded fonts, readable on a phone:
 * organization header, patient, specialist with credentials, every section, the seal and a short
 * verification code").
 *
 * Layout: A4, one column, body text 11 pt, a heading for every section in the order the specialist
 * wrote them; treatment options are labelled blocks rather than a wide table, so the page reflows
 * into something legible when zoomed on a phone. Addenda follow the opinion, then one signature
 * block per version with the SHA-256 seal and the verification code. Every page carries the
 * organization's name and "Page x of y".
 *
 * Why PDFKit: it is pure JavaScript (no headless browser, no native build), maintained, embeds and
 * subsets TrueType fonts, and its output is deterministic once the creation date is fixed, which
 * lets the same signed versions always give the same bytes. Why DejaVu Sans (from the
 * `dejavu-fonts-ttf` package, Bitstream Vera licence; see docs/data-sources.md): a free TrueType
 * family that covers Latin-1, Latin Extended and the typographic signs a clinical text uses (“ ” –
 * ≥ µ ±), with a monospaced face for the seal. The PDF standard-14 fonts are never used: they are
 * not embedded and cannot show most of those characters.
 */
import {
  formatVerificationCode,
  type AddendumContent,
  type ConfidenceLevel,
  type DiagnosisOutcome,
  type OpinionContent,
  type RelativeCost,
} from '../../core/opinion.ts';
import type { OpinionReport, OpinionReportVersion } from './opinion-report.ts';
import { renderReportPdf, reportFont, reportMargin } from './report-fonts.ts';

/** Every printed word that is not the specialist's own text, per report language. */
interface ReportLabels {
  documentTitle: string;
  patient: string;
  birthDate: string;
  caseReference: string;
  submittedAt: string;
  specialist: string;
  verificationCode: string;
  verifyAt: (url: string) => string;
  caseSection: string;
  workingDiagnosis: string;
  proposedTreatment: string;
  notStated: string;
  sections: Readonly<Record<keyof OpinionContent, string>>;
  outcome: string;
  outcomes: Readonly<Record<DiagnosisOutcome, string>>;
  diagnosisCoded: string;
  confidence: string;
  confidenceLevels: Readonly<Record<ConfidenceLevel, string>>;
  reasoning: string;
  noneConsidered: string;
  noTests: string;
  why: string;
  option: (index: number, name: string) => string;
  expectedBenefit: string;
  sideEffectsAndRisks: string;
  recoveryTime: string;
  relativeCost: string;
  costs: Readonly<Record<RelativeCost, string>>;
  fitWithGoals: string;
  changesProposedTreatment: string;
  yes: string;
  no: string;
  riskOfWaiting: string;
  riskOfActingNow: string;
  advisedTiming: string;
  noFollowUp: string;
  when: string;
  noWarningSigns: string;
  whatToDo: string;
  notAnswered: string;
  none: string;
  addendum: (index: number, date: string) => string;
  addendumReasons: Readonly<Record<AddendumContent['reason'], string>>;
  followUpQuestion: string;
  signedBy: string;
  signedAt: string;
  signatures: string;
  signaturesNote: string;
  opinion: string;
  addendumName: (index: number) => string;
  seal: string;
  page: (page: number, pages: number) => string;
}

const labels: Readonly<Record<OpinionReport['language'], ReportLabels>> = {
  en: {
    documentTitle: 'Medical second opinion',
    patient: 'Patient',
    birthDate: 'Date of birth',
    caseReference: 'Case reference',
    submittedAt: 'Submitted',
    specialist: 'Specialist',
    verificationCode: 'Verification code',
    verifyAt: (url) => `Verify at ${url}`,
    caseSection: 'The case as submitted',
    workingDiagnosis: 'Working diagnosis',
    proposedTreatment: 'Proposed treatment',
    notStated: 'Not stated',
    sections: {
      diagnosisAssessment: 'Diagnosis assessment',
      alternativeDiagnoses: 'Alternative diagnoses',
      recommendedTests: 'Recommended tests',
      treatmentOptions: 'Treatment options compared',
      recommendation: 'Recommendation',
      riskOfWaiting: 'Risk of waiting and timing',
      followUpWindows: 'Follow-up',
      warningSigns: 'Warning signs',
      questionAnswers: 'Your questions answered',
      plainLanguageSummary: 'Summary in plain language',
      references: 'References',
    },
    outcome: 'Outcome',
    outcomes: {
      confirmed: 'Diagnosis confirmed',
      refined: 'Diagnosis refined',
      changed: 'Diagnosis changed',
    },
    diagnosisCoded: 'Diagnosis (ICD-10-CM)',
    confidence: 'Confidence',
    confidenceLevels: { low: 'Low', moderate: 'Moderate', high: 'High' },
    reasoning: 'Reasoning',
    noneConsidered: 'None considered.',
    noTests: 'No further tests recommended.',
    why: 'Why',
    option: (index, name) => `Option ${index}: ${name}`,
    expectedBenefit: 'Expected benefit',
    sideEffectsAndRisks: 'Side effects and risks',
    recoveryTime: 'Recovery time',
    relativeCost: 'Relative cost',
    costs: { lower: 'Lower', similar: 'Similar', higher: 'Higher', unknown: 'Unknown' },
    fitWithGoals: 'Fit with your goals',
    changesProposedTreatment: 'Changes the proposed treatment',
    yes: 'Yes',
    no: 'No',
    riskOfWaiting: 'Risk of waiting',
    riskOfActingNow: 'Risk of acting now',
    advisedTiming: 'Advised timing',
    noFollowUp: 'No follow-up scheduled.',
    when: 'When',
    noWarningSigns: 'None listed.',
    whatToDo: 'What to do',
    notAnswered: 'Not answered in this opinion.',
    none: 'None.',
    addendum: (index, date) => `Addendum ${index} — ${date}`,
    addendumReasons: {
      correction: 'Correction',
      follow_up_answer: 'Answer to a follow-up question',
    },
    followUpQuestion: 'Follow-up question',
    signedBy: 'Signed by',
    signedAt: 'Signed on',
    signatures: 'Signatures and seals',
    signaturesNote:
      'Each seal is the SHA-256 digest of the signed text. Any change made after signing would change the seal. Enter the verification code on the page below to check this document.',
    opinion: 'Opinion',
    addendumName: (index) => `Addendum ${index}`,
    seal: 'Seal (SHA-256)',
    page: (page, pages) => `Page ${page} of ${pages}`,
  },
  es: {
    documentTitle: 'Segunda opinión médica',
    patient: 'Paciente',
    birthDate: 'Fecha de nacimiento',
    caseReference: 'Referencia del caso',
    submittedAt: 'Enviado',
    specialist: 'Especialista',
    verificationCode: 'Código de verificación',
    verifyAt: (url) => `Verifique en ${url}`,
    caseSection: 'El caso enviado',
    workingDiagnosis: 'Diagnóstico de trabajo',
    proposedTreatment: 'Tratamiento propuesto',
    notStated: 'No indicado',
    sections: {
      diagnosisAssessment: 'Valoración del diagnóstico',
      alternativeDiagnoses: 'Diagnósticos alternativos',
      recommendedTests: 'Pruebas recomendadas',
      treatmentOptions: 'Comparación de opciones de tratamiento',
      recommendation: 'Recomendación',
      riskOfWaiting: 'Riesgo de esperar y momento aconsejado',
      followUpWindows: 'Seguimiento',
      warningSigns: 'Signos de alarma',
      questionAnswers: 'Respuestas a sus preguntas',
      plainLanguageSummary: 'Resumen en lenguaje sencillo',
      references: 'Referencias',
    },
    outcome: 'Resultado',
    outcomes: {
      confirmed: 'Diagnóstico confirmado',
      refined: 'Diagnóstico precisado',
      changed: 'Diagnóstico cambiado',
    },
    diagnosisCoded: 'Diagnóstico (CIE-10-MC)',
    confidence: 'Grado de confianza',
    confidenceLevels: { low: 'Bajo', moderate: 'Moderado', high: 'Alto' },
    reasoning: 'Razonamiento',
    noneConsidered: 'No se consideró ninguno.',
    noTests: 'No se recomiendan más pruebas.',
    why: 'Motivo',
    option: (index, name) => `Opción ${index}: ${name}`,
    expectedBenefit: 'Beneficio esperado',
    sideEffectsAndRisks: 'Efectos secundarios y riesgos',
    recoveryTime: 'Tiempo de recuperación',
    relativeCost: 'Coste relativo',
    costs: { lower: 'Menor', similar: 'Similar', higher: 'Mayor', unknown: 'Desconocido' },
    fitWithGoals: 'Adecuación a sus objetivos',
    changesProposedTreatment: 'Cambia el tratamiento propuesto',
    yes: 'Sí',
    no: 'No',
    riskOfWaiting: 'Riesgo de esperar',
    riskOfActingNow: 'Riesgo de actuar ahora',
    advisedTiming: 'Momento aconsejado',
    noFollowUp: 'No hay seguimiento programado.',
    when: 'Cuándo',
    noWarningSigns: 'No se indica ninguno.',
    whatToDo: 'Qué hacer',
    notAnswered: 'Sin respuesta en esta opinión.',
    none: 'Ninguna.',
    addendum: (index, date) => `Adenda ${index} — ${date}`,
    addendumReasons: {
      correction: 'Corrección',
      follow_up_answer: 'Respuesta a una pregunta de seguimiento',
    },
    followUpQuestion: 'Pregunta de seguimiento',
    signedBy: 'Firmado por',
    signedAt: 'Fecha de firma',
    signatures: 'Firmas y sellos',
    signaturesNote:
      'Cada sello es el resumen SHA-256 del texto firmado. Cualquier cambio posterior a la firma cambiaría el sello. Introduzca el código de verificación en la página indicada para comprobar este documento.',
    opinion: 'Opinión',
    addendumName: (index) => `Adenda ${index}`,
    seal: 'Sello (SHA-256)',
    page: (page, pages) => `Página ${page} de ${pages}`,
  },
};

/** Font aliases registered on every document. */
const regular: string = reportFont.regular;
const bold: string = reportFont.bold;
const mono: string = reportFont.mono;

const size = { title: 20, heading: 15, subheading: 12.5, body: 11, pageFurniture: 10 } as const;
const margin = reportMargin;
const lineGap = 3;
const blockIndent = 14;
const ink = '#1a1a1a';
const muted = '#555555';
const accent = '#1d4e89';

/** Writes the report onto one PDFKit document; the cursor moves down the page as it goes. */
class ReportWriter {
  readonly doc: PDFKit.PDFDocument;
  readonly labels: ReportLabels;
  readonly report: OpinionReport;

  constructor(doc: PDFKit.PDFDocument, report: OpinionReport) {
    this.doc = doc;
    this.report = report;
    this.labels = labels[report.language];
  }

  get width(): number {
    return this.doc.page.width - margin.left - margin.right;
  }

  /** Starts a new page when less than `height` points are left, so a heading keeps its text. */
  keepSpace(height: number): void {
    if (this.doc.y + height > this.doc.page.height - margin.bottom) this.doc.addPage();
  }

  title(text: string): void {
    this.doc.font(bold).fontSize(size.title).fillColor(accent).text(text, margin.left);
    this.doc.fillColor(ink).moveDown(0.4);
  }

  heading(text: string): void {
    this.doc.moveDown(0.6);
    this.keepSpace(size.heading + 3 * (size.body + lineGap) + 12);
    this.doc.font(bold).fontSize(size.heading).fillColor(accent).text(text, margin.left);
    const y = this.doc.y + 2;
    this.doc
      .moveTo(margin.left, y)
      .lineTo(margin.left + this.width, y)
      .lineWidth(0.6)
      .strokeColor(accent)
      .stroke();
    this.doc.fillColor(ink).moveDown(0.5);
  }

  subheading(text: string, indent = 0): void {
    this.keepSpace(size.subheading + 2 * (size.body + lineGap));
    this.doc
      .font(bold)
      .fontSize(size.subheading)
      .fillColor(ink)
      .text(text, margin.left + indent, this.doc.y, { width: this.width - indent, lineGap });
    this.doc.moveDown(0.15);
  }

  paragraph(text: string, indent = 0, options: PDFKit.Mixins.TextOptions = {}): void {
    this.doc
      .font(regular)
      .fontSize(size.body)
      .fillColor(ink)
      .text(text, margin.left + indent, this.doc.y, {
        width: this.width - indent,
        lineGap,
        ...options,
      });
    this.doc.moveDown(0.35);
  }

  /** "Label: value" on one wrapped line, the label in bold. */
  field(label: string, value: string, indent = 0): void {
    this.doc
      .font(bold)
      .fontSize(size.body)
      .fillColor(ink)
      .text(`${label}: `, margin.left + indent, this.doc.y, {
        width: this.width - indent,
        lineGap,
        continued: true,
      })
      .font(regular)
      .text(value);
    this.doc.moveDown(0.25);
  }

  /** A field whose value is long prose: the label on its own line, the text below it. */
  longField(label: string, value: string, indent = 0): void {
    this.keepSpace(2 * (size.body + lineGap));
    this.doc
      .font(bold)
      .fontSize(size.body)
      .fillColor(ink)
      .text(label, margin.left + indent, this.doc.y, { width: this.width - indent, lineGap });
    this.paragraph(value, indent);
  }

  gap(lines = 0.4): void {
    this.doc.moveDown(lines);
  }
}

/** Date and time of an instant in the organization's zone, e.g. "12 March 2026, 14:30 CET". */
function formatInstant(iso: string, report: OpinionReport): string {
  return new Intl.DateTimeFormat(report.language, {
    timeZone: report.timeZone,
    dateStyle: 'long',
    timeStyle: 'short',
  })
    .format(new Date(iso))
    .concat(` (${report.timeZone})`)
    .replace(/[\u202f\u00a0]/gu, ' ');
}

/** The local date of an instant in the organization's zone. */
function formatDay(iso: string, report: OpinionReport): string {
  return new Intl.DateTimeFormat(report.language, { timeZone: report.timeZone, dateStyle: 'long' })
    .format(new Date(iso))
    .replace(/[\u202f\u00a0]/gu, ' ');
}

/** A calendar date (`YYYY-MM-DD`, no zone), as written in the report's language. */
function formatCalendarDate(date: string, language: OpinionReport['language']): string {
  const parsed = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime())) return date;
  return new Intl.DateTimeFormat(language, { timeZone: 'UTC', dateStyle: 'long' }).format(parsed);
}

function verifyLink(report: OpinionReport, code: string): string {
  return `${report.verifyUrl.replace(/\/+$/u, '')}/${code}`;
}

function isAddendumContent(content: OpinionContent | AddendumContent): content is AddendumContent {
  return 'reason' in content && 'text' in content;
}

/** The opening block: who, for whom, about what, and the code that verifies it. */
function writeCover(w: ReportWriter): void {
  const { report, labels: l } = w;
  w.doc
    .font(bold)
    .fontSize(size.subheading)
    .fillColor(muted)
    .text(report.organization.name, margin.left, margin.top);
  w.doc.fillColor(ink).moveDown(0.2);
  w.title(l.documentTitle);
  w.field(l.patient, report.patient.name);
  if (report.patient.birthDate !== null)
    w.field(l.birthDate, formatCalendarDate(report.patient.birthDate, report.language));
  w.field(l.caseReference, report.case.id);
  if (report.case.submittedAt !== null)
    w.field(l.submittedAt, formatDay(report.case.submittedAt, report));
  const opinion = report.versions.find((version) => version.kind === 'opinion');
  if (opinion !== undefined)
    w.field(l.specialist, `${opinion.signerName}, ${opinion.signerCredentials}`);
  w.gap(0.3);
  w.doc
    .font(bold)
    .fontSize(size.subheading)
    .fillColor(accent)
    .text(`${l.verificationCode}: `, margin.left, w.doc.y, { continued: true })
    .font(mono)
    .text(formatVerificationCode(report.verificationCode));
  const link = verifyLink(report, report.verificationCode);
  w.paragraph(l.verifyAt(link), 0, { link });

  w.heading(l.caseSection);
  const { code, text } = report.case.diagnosis;
  const diagnosis = [code, text].filter((part) => part !== null && part !== '').join(' — ');
  w.field(l.workingDiagnosis, diagnosis === '' ? l.notStated : diagnosis);
  w.field(l.proposedTreatment, report.case.proposedTreatment ?? l.notStated);
}

/** The opinion's sections, in the order of the schema and the editor. */
function writeOpinion(w: ReportWriter, content: OpinionContent): void {
  const { report, labels: l } = w;
  const s = l.sections;

  if (content.diagnosisAssessment !== undefined) {
    const assessment = content.diagnosisAssessment;
    w.heading(s.diagnosisAssessment);
    w.field(l.outcome, l.outcomes[assessment.outcome]);
    w.field(l.diagnosisCoded, `${assessment.diagnosis.code} — ${assessment.diagnosis.text}`);
    w.field(l.confidence, l.confidenceLevels[assessment.confidence]);
    w.longField(l.reasoning, assessment.rationale);
  }

  if (content.alternativeDiagnoses !== undefined) {
    w.heading(s.alternativeDiagnoses);
    if (content.alternativeDiagnoses.length === 0) w.paragraph(l.noneConsidered);
    for (const alternative of content.alternativeDiagnoses) {
      const name =
        alternative.code === undefined
          ? alternative.diagnosis
          : `${alternative.diagnosis} (${alternative.code})`;
      w.subheading(name);
      w.paragraph(alternative.reasoning, blockIndent);
    }
  }

  if (content.recommendedTests !== undefined) {
    w.heading(s.recommendedTests);
    if (content.recommendedTests.length === 0) w.paragraph(l.noTests);
    for (const test of content.recommendedTests) {
      w.subheading(test.test);
      w.field(l.why, test.reason, blockIndent);
    }
  }

  if (content.treatmentOptions !== undefined) {
    w.heading(s.treatmentOptions);
    content.treatmentOptions.forEach((option, index) => {
      if (index > 0) w.gap(0.3);
      w.subheading(l.option(index + 1, option.name));
      w.longField(l.expectedBenefit, option.expectedBenefit, blockIndent);
      w.longField(l.sideEffectsAndRisks, option.sideEffectsAndRisks, blockIndent);
      w.field(l.recoveryTime, option.recoveryTime, blockIndent);
      w.field(l.relativeCost, l.costs[option.relativeCost], blockIndent);
      w.longField(l.fitWithGoals, option.fitWithGoals, blockIndent);
    });
  }

  if (content.recommendation !== undefined) {
    w.heading(s.recommendation);
    w.paragraph(content.recommendation.text);
    w.field(
      l.changesProposedTreatment,
      content.recommendation.changesProposedTreatment ? l.yes : l.no,
    );
  }

  if (content.riskOfWaiting !== undefined) {
    w.heading(s.riskOfWaiting);
    w.longField(l.riskOfWaiting, content.riskOfWaiting.riskOfWaiting);
    w.longField(l.riskOfActingNow, content.riskOfWaiting.riskOfActingNow);
    w.field(l.advisedTiming, content.riskOfWaiting.advisedTiming);
  }

  if (content.followUpWindows !== undefined) {
    w.heading(s.followUpWindows);
    if (content.followUpWindows.length === 0) w.paragraph(l.noFollowUp);
    for (const window of content.followUpWindows) {
      w.subheading(window.what);
      w.field(l.when, window.when, blockIndent);
    }
  }

  if (content.warningSigns !== undefined) {
    w.heading(s.warningSigns);
    if (content.warningSigns.length === 0) w.paragraph(l.noWarningSigns);
    for (const warning of content.warningSigns) {
      w.subheading(warning.sign);
      w.field(l.whatToDo, warning.action, blockIndent);
    }
  }

  if (content.questionAnswers !== undefined || report.case.questions.length > 0) {
    w.heading(s.questionAnswers);
    const answers = new Map(
      (content.questionAnswers ?? []).map((answer) => [answer.questionId, answer.answer]),
    );
    if (report.case.questions.length === 0) w.paragraph(l.none);
    for (const question of report.case.questions) {
      w.subheading(question.text);
      w.paragraph(answers.get(question.id) ?? l.notAnswered, blockIndent);
    }
  }

  if (content.plainLanguageSummary !== undefined) {
    w.heading(s.plainLanguageSummary);
    w.paragraph(content.plainLanguageSummary);
  }

  if (content.references !== undefined) {
    w.heading(s.references);
    if (content.references.length === 0) w.paragraph(l.none);
    content.references.forEach((reference, index) => {
      w.paragraph(`${index + 1}. ${reference.citation}`);
      if (reference.url !== undefined)
        w.paragraph(reference.url, blockIndent, { link: reference.url });
    });
  }
}

/** The number of an addendum as the reader counts them: the first one after the opinion is 1. */
function addendumNumber(version: OpinionReportVersion): number {
  return version.sequence - 1;
}

function writeAddendum(w: ReportWriter, version: OpinionReportVersion, content: AddendumContent) {
  const { report, labels: l } = w;
  w.heading(l.addendum(addendumNumber(version), formatDay(version.signedAt, report)));
  w.subheading(l.addendumReasons[content.reason]);
  if (version.followUpQuestion !== null) w.longField(l.followUpQuestion, version.followUpQuestion);
  w.paragraph(content.text);
  w.field(l.signedBy, `${version.signerName}, ${version.signerCredentials}`);
}

/** One block per signed version: signer, time, seal and verification code. */
function writeSignatures(w: ReportWriter): void {
  const { report, labels: l } = w;
  w.heading(l.signatures);
  w.paragraph(l.signaturesNote);
  for (const version of report.versions) {
    w.keepSpace(8 * (size.body + lineGap));
    w.gap(0.2);
    w.subheading(version.kind === 'opinion' ? l.opinion : l.addendumName(addendumNumber(version)));
    w.field(l.signedBy, `${version.signerName}, ${version.signerCredentials}`, blockIndent);
    w.field(l.signedAt, formatInstant(version.signedAt, report), blockIndent);
    w.doc
      .font(bold)
      .fontSize(size.body)
      .text(`${l.seal}:`, margin.left + blockIndent, w.doc.y, { width: w.width - blockIndent });
    // 64 hex digits in two lines of 32, grouped by 8, so the seal can be read out and compared.
    const groups = version.sealSha256.match(/.{1,8}/gu) ?? [version.sealSha256];
    const lines = [groups.slice(0, 4).join(' '), groups.slice(4).join(' ')].filter(Boolean);
    w.doc
      .font(mono)
      .fontSize(size.body)
      .text(lines.join('\n'), margin.left + blockIndent * 2, w.doc.y, {
        width: w.width - blockIndent * 2,
        lineGap,
      });
    w.doc.moveDown(0.25);
    w.doc
      .font(bold)
      .fontSize(size.body)
      .text(`${l.verificationCode}: `, margin.left + blockIndent, w.doc.y, {
        width: w.width - blockIndent,
        continued: true,
      })
      .font(mono)
      .text(formatVerificationCode(version.verificationCode));
    w.doc.moveDown(0.25);
    const link = verifyLink(report, version.verificationCode);
    w.paragraph(l.verifyAt(link), blockIndent, { link });
  }
}

/** The organization's name at the top and "Page x of y" at the bottom of every page. */
function writePageFurniture(w: ReportWriter): void {
  const { doc, report, labels: l } = w;
  const range = doc.bufferedPageRange();
  for (let index = 0; index < range.count; index += 1) {
    doc.switchToPage(range.start + index);
    // Writing into the margins must not start a new page.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(regular).fontSize(size.pageFurniture).fillColor(muted);
    doc.text(report.organization.name, margin.left, 30, {
      width: w.width,
      lineBreak: false,
      ellipsis: true,
    });
    doc
      .moveTo(margin.left, 46)
      .lineTo(margin.left + w.width, 46)
      .lineWidth(0.4)
      .strokeColor('#bbbbbb')
      .stroke();
    doc.text(l.page(index + 1, range.count), margin.left, doc.page.height - 40, {
      width: w.width,
      align: 'right',
      lineBreak: false,
    });
    doc.page.margins.bottom = bottom;
  }
  doc.fillColor(ink);
}

/**
 * Renders the signed opinion and its addenda as a PDF. The output depends only on `report`: the
 * document's creation date is the newest signature, so the same versions give the same bytes.
 */
export function renderOpinionPdf(report: OpinionReport): Promise<Buffer> {
  const newest = report.versions.reduce<string | null>(
    (latest, version) =>
      latest === null || Date.parse(version.signedAt) > Date.parse(latest)
        ? version.signedAt
        : latest,
    null,
  );
  const l = labels[report.language];
  return renderReportPdf(
    {
      title: `${l.documentTitle} — ${report.patient.name}`,
      author: report.organization.name,
      subject: `${l.caseReference} ${report.case.id}`,
      language: report.language,
      created: new Date(newest ?? 0),
    },
    (doc) => {
      const writer = new ReportWriter(doc, report);
      writeCover(writer);
      for (const version of report.versions) {
        if (isAddendumContent(version.content)) writeAddendum(writer, version, version.content);
        else writeOpinion(writer, version.content);
      }
      writeSignatures(writer);
      writePageFurniture(writer);
    },
  );
}
