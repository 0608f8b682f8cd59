/**
 * Signing (issue 3): the specialist's complete draft becomes the signed opinion — frozen, sealed
 * with SHA-256 over its canonical JSON, given a short verification code — and is delivered at once
 * to the patient side and the referring physician, who is asked to confirm receipt. Corrections and
 * follow-up answers are addenda signed the same way, chained to the seal before them; nothing ever
 * overwrites a signed version (the table is append-only for the application's role).
 */
import crypto from 'node:crypto';
import type { CaseFacts } from '../../core/case-lifecycle.ts';
import { AppError } from '../../core/errors.ts';
import {
  opinionContentSchema,
  opinionSealInput,
  questionAnswerProblems,
  verificationCodeFromBytes,
  type AddendumContent,
  type OpinionContent,
} from '../../core/opinion.ts';
import type { Icd10CmCodeSet } from '../../core/terminology/icd10cm.ts';
import type { Services } from '../app/services.ts';
import type { UnitOfWork } from '../app/unit-of-work.ts';
import { coordinatorsOf, notify, patientSideOf } from '../notifications/notify.ts';
import { applyTransition, type TransitionActor } from './apply-transition.ts';
import type { VisibleCaseRow } from './case-repository.ts';
import {
  findOpinionVersions,
  findReportRecipients,
  findSigner,
  insertOpinionVersion,
  insertReportReceipts,
} from './opinion-repository.ts';
import { requireValidDiagnosisCode } from './diagnosis-code.ts';

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

function refuse(message: string, issues: { path: string; message: string }[]): AppError {
  return new AppError('validation_failed', { message, details: { issues } });
}

/** Every code in the opinion must be a real ICD-10-CM code today. */
function checkOpinionCodes(codeSet: Icd10CmCodeSet, content: OpinionContent, now: Date): void {
  const codes: { path: string; code: string }[] = [];
  if (content.diagnosisAssessment !== undefined)
    codes.push({
      path: 'diagnosisAssessment.diagnosis.code',
      code: content.diagnosisAssessment.diagnosis.code,
    });
  content.alternativeDiagnoses?.forEach((alternative, index) => {
    if (alternative.code !== undefined)
      codes.push({ path: `alternativeDiagnoses.${index}.code`, code: alternative.code });
  });
  for (const { path, code } of codes) {
    try {
      requireValidDiagnosisCode(codeSet, code, now);
    } catch {
      throw refuse('The opinion holds a code that is not a valid ICD-10-CM code.', [
        { path, message: `${code} is not a valid ICD-10-CM code` },
      ]);
    }
  }
}

/** Writes one signed version (opinion or addendum), sealed and chained to the one before. */
export async function insertSignedVersion(
  unit: UnitOfWork,
  input: {
    row: VisibleCaseRow;
    signerUserId: string;
    kind: 'opinion' | 'addendum';
    content: OpinionContent | AddendumContent;
    followUpQuestion: string | null;
  },
) {
  const previous = (await findOpinionVersions(unit.trx, input.row.id)).at(-1);
  if ((input.kind === 'opinion') !== (previous === undefined))
    throw new AppError('conflict', {
      message:
        input.kind === 'opinion'
          ? 'This opinion is already signed; corrections are addenda.'
          : 'There is no signed opinion to add to yet.',
      details: { currentState: input.row.state },
    });
  const signer = await findSigner(unit.trx, input.row.organization_id, input.signerUserId);
  const sequence = (previous?.sequence ?? 0) + 1;
  const signedAt = unit.now;
  const seal = sha256(
    opinionSealInput({
      caseId: input.row.id,
      sequence,
      kind: input.kind,
      content: input.content,
      followUpQuestion: input.followUpQuestion,
      signedByUserId: input.signerUserId,
      signerName: signer.name,
      signerCredentials: signer.credentials,
      signedAt: signedAt.toISOString(),
      previousSeal: previous?.seal_sha256 ?? null,
    }),
  );
  const version = await insertOpinionVersion(unit.trx, {
    caseId: input.row.id,
    sequence,
    kind: input.kind,
    content: input.content,
    signedByUserId: input.signerUserId,
    signerName: signer.name,
    signerCredentials: signer.credentials,
    signedAt,
    sealSha256: seal,
    verificationCode: verificationCodeFromBytes(crypto.randomBytes(8)),
  });
  return { id: version.id, sequence, seal };
}

/** Sends a new signed version to the referring physician(s), who confirm receipt. */
export async function sendToReferrers(
  services: Services,
  unit: UnitOfWork,
  row: VisibleCaseRow,
  versionId: string,
  actorUserId: string | null,
): Promise<void> {
  const recipients = await findReportRecipients(unit.trx, row);
  await insertReportReceipts(unit.trx, {
    caseId: row.id,
    versionId,
    recipientUserIds: recipients,
    now: unit.now,
  });
  await notify(unit, {
    organizationId: row.organization_id,
    recipientUserIds: recipients,
    kind: 'report_receipt_requested',
    caseId: row.id,
    data: { versionId },
    actorUserId,
    appUrl: services.config.http.publicUrl,
  });
}

/**
 * Signs the draft and delivers it, in the caller's transaction: `sign_opinion` by the specialist,
 * then `deliver` by the system, so the patient reads the report the moment it is signed.
 */
export async function sealAndDeliverOpinion(
  services: Services,
  unit: UnitOfWork,
  input: {
    row: VisibleCaseRow;
    facts: CaseFacts;
    questionIds: readonly string[];
    actor: TransitionActor;
    signer: { userId: string };
    codeSet: Icd10CmCodeSet;
    note: string | null;
  },
): Promise<void> {
  const { row, facts } = input;
  const parsed = opinionContentSchema.safeParse(row.draft_content ?? {});
  if (!parsed.success)
    throw refuse(
      'The opinion draft is not valid; open it in the editor and save it again.',
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  const content = parsed.data;
  const problems = questionAnswerProblems(content, input.questionIds);
  if (problems.length > 0)
    throw refuse('The answers do not match the patient’s questions.', problems);
  checkOpinionCodes(input.codeSet, content, unit.now);

  const signed = await applyTransition(services, unit, {
    row,
    facts,
    version: row.version,
    actor: input.actor,
    name: 'sign_opinion',
    note: input.note,
  });
  const version = await insertSignedVersion(unit, {
    row,
    signerUserId: input.signer.userId,
    kind: 'opinion',
    content,
    followUpQuestion: null,
  });
  await unit.audit({
    ...input.actor.origin,
    eventType: 'opinion.signed',
    patientId: row.patient_id,
    entityType: 'OpinionVersion',
    entityId: version.id,
    details: { caseId: row.id, sequence: version.sequence, sealSha256: version.seal },
  });
  if (row.organization_release_by_coordinator) {
    // The organization checks each report before the patient sees it: a coordinator releases it.
    await notify(unit, {
      organizationId: row.organization_id,
      recipientUserIds: await coordinatorsOf(unit.trx, row.organization_id),
      kind: 'opinion_ready_for_release',
      caseId: row.id,
      actorUserId: input.signer.userId,
      appUrl: services.config.http.publicUrl,
    });
    return;
  }
  await deliverSignedOpinion(services, unit, row, {
    facts: { ...facts, state: signed.to },
    version: signed.version,
    actor: {
      caseActor: { role: 'system', organizationId: row.organization_id, relations: [] },
      userId: null,
      origin: { organizationId: row.organization_id, actorUserId: null },
    },
  });
}

/**
 * Delivery: the patient side can read the report from now on, and the referring physician receives
 * it and is asked to confirm receipt.
 */
export async function deliverSignedOpinion(
  services: Services,
  unit: UnitOfWork,
  row: VisibleCaseRow,
  input: { facts: CaseFacts; version: number; actor: TransitionActor; note?: string | null },
): Promise<void> {
  await applyTransition(services, unit, {
    row,
    facts: input.facts,
    version: input.version,
    actor: input.actor,
    name: 'deliver',
    note: input.note ?? null,
  });
  const latest = (await findOpinionVersions(unit.trx, row.id)).at(-1);
  if (latest !== undefined)
    await sendToReferrers(services, unit, row, latest.id, input.actor.userId);
}

/** Tells the patient side that an addendum was signed (a correction or a follow-up answer). */
export async function announceAddendum(
  services: Services,
  unit: UnitOfWork,
  row: VisibleCaseRow,
  kind: 'addendum_signed' | 'follow_up_answered',
  actorUserId: string,
  versionId: string,
): Promise<void> {
  await notify(unit, {
    organizationId: row.organization_id,
    recipientUserIds: await patientSideOf(unit.trx, row.id),
    kind,
    caseId: row.id,
    data: { versionId },
    actorUserId,
    appUrl: services.config.http.publicUrl,
  });
}
