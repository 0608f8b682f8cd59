/**
 * The PDF a patient signs so the organization can ask another facility for their records (issue
 * 4: "the authorization a patient signs so the organization can request outside records, with the
 * facility, the records wanted and the date range").
 *
 * It carries the core elements and required statements of a valid authorization under the HIPAA
 * Privacy Rule, 45 CFR 164.508(c): a specific description of the information (the records wanted
 * and their dates of service), who may disclose it (the facility), who may receive it (the
 * organization), the purpose, an expiration date, the signature and date (with the representative's
 * authority when someone signs for the patient); the right to revoke in writing, that treatment,
 * payment, enrolment and eligibility are not conditioned on signing, and that information disclosed
 * may be re-disclosed and no longer protected. Psychotherapy notes are excluded, since
 * 164.508(a)(2) requires an authorization of their own. The form is in English only.
 *
 * Layout and fonts follow the opinion report (reports/opinion-pdf.ts): A4, one column, DejaVu Sans
 * embedded from the `dejavu-fonts-ttf` package so accented names print, the organization's name
 * and "Page x of y" on every page.
 */
import { renderReportPdf, reportFont, reportMargin } from '../../reports/report-fonts.ts';

/** Everything the form prints, loaded and access-checked by the use case. */
export interface ReleaseAuthorization {
  /** The recipient: the organization and where the facility can reach it. */
  organization: { name: string; contactUrl: string };
  patient: { name: string; birthDate: string | null };
  /** The case the records are for, quoted by the facility when it sends them. */
  caseReference: string;
  facility: { name: string; address: string | null; phone: string | null; fax: string | null };
  recordsWanted: string[];
  /** First and last dates of service covered (YYYY-MM-DD, inclusive). */
  from: string;
  to: string;
  /** Null: the default purpose, a second medical opinion. */
  purpose: string | null;
  /** The organization's calendar date the form was prepared on (YYYY-MM-DD). */
  preparedOn: string;
  /** The calendar date the authorization ends (YYYY-MM-DD). */
  expiresOn: string;
}

export const defaultReleasePurpose = 'a second medical opinion';

const regular: string = reportFont.regular;
const bold: string = reportFont.bold;

const size = { title: 18, subtitle: 10, heading: 12.5, body: 10.5, small: 9 } as const;
const margin = reportMargin;
const lineGap = 2.5;
const indent = 14;
const ink = '#1a1a1a';
const muted = '#555555';
const accent = '#1d4e89';

/** A calendar date (YYYY-MM-DD) in words, e.g. "March 1, 2026". */
export function formatCalendarDate(date: string): string {
  const parsed = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime())) return date;
  return new Intl.DateTimeFormat('en', { timeZone: 'UTC', dateStyle: 'long' }).format(parsed);
}

class FormWriter {
  readonly doc: PDFKit.PDFDocument;

  constructor(doc: PDFKit.PDFDocument) {
    this.doc = doc;
  }

  get width(): number {
    return this.doc.page.width - margin.left - margin.right;
  }

  keepSpace(height: number): void {
    if (this.doc.y + height > this.doc.page.height - margin.bottom) this.doc.addPage();
  }

  heading(text: string): void {
    this.doc.moveDown(0.5);
    this.keepSpace(size.heading + 3 * (size.body + lineGap) + 10);
    this.doc.font(bold).fontSize(size.heading).fillColor(accent).text(text, margin.left);
    const y = this.doc.y + 1;
    this.doc
      .moveTo(margin.left, y)
      .lineTo(margin.left + this.width, y)
      .lineWidth(0.6)
      .strokeColor(accent)
      .stroke();
    this.doc.fillColor(ink).moveDown(0.4);
  }

  paragraph(text: string, left = 0, font = regular): void {
    this.doc
      .font(font)
      .fontSize(size.body)
      .fillColor(ink)
      .text(text, margin.left + left, this.doc.y, { width: this.width - left, lineGap });
    this.doc.moveDown(0.3);
  }

  field(label: string, value: string): void {
    this.doc
      .font(bold)
      .fontSize(size.body)
      .fillColor(ink)
      .text(`${label}: `, margin.left, this.doc.y, {
        width: this.width,
        lineGap,
        continued: true,
      })
      .font(regular)
      .text(value);
    this.doc.moveDown(0.2);
  }

  bullet(text: string): void {
    this.doc
      .font(regular)
      .fontSize(size.body)
      .fillColor(ink)
      .text(`•  ${text}`, margin.left + indent, this.doc.y, {
        width: this.width - indent,
        lineGap,
      });
    this.doc.moveDown(0.15);
  }

  /** A blank line to write on, with what goes there printed small beneath it. */
  writeOnLine(label: string, from = 0, width = this.width): void {
    const y = this.doc.y + 18;
    this.doc
      .moveTo(margin.left + from, y)
      .lineTo(margin.left + from + width, y)
      .lineWidth(0.6)
      .strokeColor(ink)
      .stroke();
    this.doc
      .font(regular)
      .fontSize(size.small)
      .fillColor(muted)
      .text(label, margin.left + from, y + 3, { width, lineGap });
    this.doc.fillColor(ink);
  }

  /** Two lines side by side (e.g. signature and date), the cursor left below both. */
  writeOnLines(left: string, right: string): void {
    this.keepSpace(40);
    const top = this.doc.y;
    const gap = 20;
    const rightWidth = 140;
    this.writeOnLine(left, 0, this.width - rightWidth - gap);
    const below = this.doc.y;
    this.doc.y = top;
    this.writeOnLine(right, this.width - rightWidth, rightWidth);
    this.doc.y = Math.max(below, this.doc.y);
    this.doc.x = margin.left;
    this.doc.moveDown(0.8);
  }
}

function writeForm(w: FormWriter, form: ReleaseAuthorization): void {
  const { doc } = w;
  const organization = form.organization.name;
  const from = formatCalendarDate(form.from);
  const to = formatCalendarDate(form.to);

  doc
    .font(bold)
    .fontSize(size.heading)
    .fillColor(muted)
    .text(organization, margin.left, margin.top);
  doc.moveDown(0.2);
  doc
    .font(bold)
    .fontSize(size.title)
    .fillColor(accent)
    .text('Authorization to release medical records', margin.left);
  doc
    .font(regular)
    .fontSize(size.subtitle)
    .fillColor(muted)
    .text(
      'Authorization for the use and disclosure of protected health information (HIPAA Privacy Rule, 45 CFR 164.508)',
      margin.left,
      doc.y,
      { width: w.width, lineGap },
    );
  doc.fillColor(ink).moveDown(0.6);
  w.paragraph(
    `I authorize the facility named in section 2 to release the records described in section 4 to ${organization}, for the purpose stated in section 5.`,
  );

  w.heading('1. Patient');
  w.field('Name', form.patient.name);
  w.field(
    'Date of birth',
    form.patient.birthDate === null
      ? '____________________'
      : formatCalendarDate(form.patient.birthDate),
  );

  w.heading('2. Who releases the records');
  w.field('Facility', form.facility.name);
  if (form.facility.address !== null) w.field('Address', form.facility.address);
  if (form.facility.phone !== null) w.field('Phone', form.facility.phone);
  if (form.facility.fax !== null) w.field('Fax', form.facility.fax);

  w.heading('3. Who receives the records');
  w.field('Organization', organization);
  w.field('Contact', form.organization.contactUrl);
  w.field('Case reference', form.caseReference);
  w.paragraph('Please quote the case reference when sending the records.');

  w.heading('4. Records to be released');
  for (const record of form.recordsWanted) w.bullet(record);
  doc.moveDown(0.2);
  w.field('Dates of service', `${from} to ${to}`);
  w.paragraph(
    'This authorization does not cover psychotherapy notes, which need an authorization of their own.',
  );
  w.paragraph(
    'Some records have extra protection by law, such as records of treatment for substance use, HIV testing or treatment, mental health care and genetic testing. They are released under this authorization only if I initial here: ________',
  );

  w.heading('5. Purpose');
  w.paragraph(`The records are requested for ${form.purpose ?? defaultReleasePurpose}.`);

  w.heading('6. Expiration');
  w.paragraph(
    `This authorization expires on ${formatCalendarDate(form.expiresOn)}, one year after the date this form was prepared (${formatCalendarDate(form.preparedOn)}), unless I revoke it before then.`,
  );

  w.heading('7. I understand that');
  w.bullet(
    'I may revoke this authorization at any time by writing to the facility named in section 2. The revocation takes effect when the facility receives it, except for what the facility has already done in reliance on this authorization.',
  );
  w.bullet(
    'My treatment, payment, enrollment in a health plan and eligibility for benefits will not be conditioned on whether I sign this authorization.',
  );
  w.bullet(
    'Information released under this authorization may be re-disclosed by the recipient and may then no longer be protected by federal privacy rules.',
  );
  w.bullet('I may refuse to sign this authorization, and I am entitled to a copy of it.');
  w.bullet('A copy or scan of this signed authorization is as valid as the original.');

  w.heading('8. Signature');
  w.writeOnLines('Signature of the patient or legal representative', 'Date');
  w.writeOnLines('Printed name', 'Phone');
  w.paragraph('If signed by a legal representative:', 0, bold);
  w.keepSpace(40);
  w.writeOnLine(
    'Relationship to the patient and authority to act (e.g. parent of a minor, health care power of attorney)',
  );
}

/** The organization's name at the top and "Page x of y" at the bottom of every page. */
function writePageFurniture(w: FormWriter, organization: string): void {
  const { doc } = w;
  const range = doc.bufferedPageRange();
  for (let index = 0; index < range.count; index += 1) {
    doc.switchToPage(range.start + index);
    // Writing into the margins must not start a new page.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(regular).fontSize(size.small).fillColor(muted);
    doc.text(organization, margin.left, 30, { width: w.width, lineBreak: false, ellipsis: true });
    doc
      .moveTo(margin.left, 44)
      .lineTo(margin.left + w.width, 44)
      .lineWidth(0.4)
      .strokeColor('#bbbbbb')
      .stroke();
    doc.text(`Page ${index + 1} of ${range.count}`, margin.left, doc.page.height - 40, {
      width: w.width,
      align: 'right',
      lineBreak: false,
    });
    doc.page.margins.bottom = bottom;
  }
  doc.fillColor(ink);
}

/**
 * Renders the authorization as a PDF. The output depends only on `form`: the document's creation
 * date is the day it was prepared.
 */
export function renderReleaseAuthorizationPdf(form: ReleaseAuthorization): Promise<Buffer> {
  return renderReportPdf(
    {
      title: 'Authorization to release medical records',
      author: form.organization.name,
      language: 'en',
      created: new Date(`${form.preparedOn}T00:00:00Z`),
    },
    (doc) => {
      const writer = new FormWriter(doc);
      writeForm(writer, form);
      writePageFurniture(writer, form.organization.name);
    },
  );
}
