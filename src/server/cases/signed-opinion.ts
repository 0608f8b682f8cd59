/**
 * The signed opinion after signing (issue 3): reading it (the patient side once delivered, the
 * people on the case), its PDF, corrections as signed addenda, the patient's follow-up questions
 * and their answers as signed addenda, the referring physician's receipt, and the public check of a
 * verification code. Signing an addendum needs the same fresh re-authentication as the opinion.
 */
import { AppError } from '../../core/errors.ts';
import {
  formatVerificationCode,
  normalizeVerificationCode,
  type AddendumContent,
  type OpinionContent,
} from '../../core/opinion.ts';
import { decideTransition } from '../../core/case-lifecycle.ts';
import type { Services } from '../app/services.ts';
import { transact, type UnitOfWork } from '../app/unit-of-work.ts';
import { requireRecentReauthentication } from '../auth/reauthenticate.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { notify } from '../notifications/notify.ts';
import { renderOpinionPdf } from '../reports/opinion-pdf.ts';
import type { OpinionReport } from '../reports/opinion-report.ts';
import { applyTransition, invalid } from './apply-transition.ts';
import {
  answerPatientQuestion,
  findCaseParts,
  insertTimelineEntry,
  setStageDeadline,
} from './case-repository.ts';
import { readCaseView, type CaseView } from './case-view.ts';
import { loadCase, wrongStage, type LoadedCase } from './load-case.ts';
import {
  confirmReportReceipt,
  findFollowUpQuestions,
  findOpinionVersions,
  findVersionByCode,
  insertFollowUpQuestion,
  markFollowUpAnswered,
  type OpinionVersionRow,
} from './opinion-repository.ts';
import { announceAddendum, insertSignedVersion, sendToReferrers } from './sign-opinion.ts';
import { stageDeadline } from '../../core/service-levels.ts';
import { serviceLevelSettingsOf } from './case-facts.ts';

/** States in which the signed opinion exists and has reached the patient. */
const deliveredStates = ['delivered', 'follow_up', 'closed'];

/** Whether the actor may read the signed opinion: the patient side once delivered, staff on it. */
function requireOpinionReader(loaded: LoadedCase): void {
  if (loaded.row.signed_version_count === 0) throw new AppError('not_found');
  const { row } = loaded;
  const patientSide =
    row.actor_is_self === true || row.actor_is_proxy === true || row.actor_is_referrer === true;
  if (patientSide && !deliveredStates.includes(row.state)) throw new AppError('not_found');
}

async function followUpTexts(unit: UnitOfWork, caseId: string) {
  const questions = await findFollowUpQuestions(unit.trx, caseId);
  return new Map(
    questions
      .filter((question) => question.answered_version_id !== null)
      .map((question) => [question.answered_version_id, question.text]),
  );
}

function versionViewOf(version: OpinionVersionRow, latestId: string, followUp: string | null) {
  return {
    id: version.id,
    sequence: version.sequence,
    kind: version.kind as 'opinion' | 'addendum',
    content: version.content as OpinionContent | AddendumContent,
    followUpQuestion: followUp,
    signerName: version.signer_name,
    signerCredentials: version.signer_credentials,
    signedAt: version.signed_at.toISOString(),
    sealSha256: version.seal_sha256,
    verificationCode: formatVerificationCode(version.verification_code),
    current: version.id === latestId,
  };
}

/** Every signed version of the case, oldest first. */
export async function getSignedOpinion(
  services: Services,
  context: RequestContext,
  caseId: string,
) {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const loaded = await loadCase(unit, context, actor, 'case.read', caseId);
    requireOpinionReader(loaded);
    const versions = await findOpinionVersions(unit.trx, caseId);
    const texts = await followUpTexts(unit, caseId);
    const latestId = versions.at(-1)?.id ?? '';
    await unit.audit({
      ...loaded.transitionActor.origin,
      eventType: 'opinion.read',
      patientId: loaded.row.patient_id,
      entityType: 'Case',
      entityId: caseId,
    });
    return {
      caseId,
      versions: versions.map((version) =>
        versionViewOf(version, latestId, texts.get(version.id) ?? null),
      ),
    };
  });
}

/** The PDF of one version: the opinion and every addendum up to it, with its seal and code. */
export async function getOpinionPdf(
  services: Services,
  context: RequestContext,
  caseId: string,
  versionId: string,
  language: 'en' | 'es',
): Promise<{ pdf: Buffer; fileName: string }> {
  const actor = requireActor(context);
  const report = await transact(services, async (unit): Promise<OpinionReport> => {
    const loaded = await loadCase(unit, context, actor, 'case.read', caseId);
    requireOpinionReader(loaded);
    const versions = await findOpinionVersions(unit.trx, caseId);
    const target = versions.find((version) => version.id === versionId);
    if (target === undefined) throw new AppError('not_found');
    const texts = await followUpTexts(unit, caseId);
    const parts = await findCaseParts(unit.trx, caseId);
    await unit.audit({
      ...loaded.transitionActor.origin,
      eventType: 'opinion.pdf_downloaded',
      patientId: loaded.row.patient_id,
      entityType: 'OpinionVersion',
      entityId: versionId,
      details: { caseId, sequence: target.sequence },
    });
    const { row } = loaded;
    return {
      organization: { name: row.organization_name },
      patient: {
        name: `${row.patient_given_name} ${row.patient_family_name}`.trim(),
        birthDate: row.patient_birth_date,
      },
      case: {
        id: row.id,
        diagnosis: { code: row.diagnosis_code, text: row.diagnosis_text },
        proposedTreatment: row.proposed_treatment,
        questions: parts.questions.map((question) => ({ id: question.id, text: question.text })),
        submittedAt: row.submitted_at?.toISOString() ?? null,
      },
      versions: versions
        .filter((version) => version.sequence <= target.sequence)
        .map((version) => ({
          sequence: version.sequence,
          kind: version.kind as 'opinion' | 'addendum',
          content: version.content as OpinionContent | AddendumContent,
          followUpQuestion: texts.get(version.id) ?? null,
          signerName: version.signer_name,
          signerCredentials: version.signer_credentials,
          signedAt: version.signed_at.toISOString(),
          sealSha256: version.seal_sha256,
          verificationCode: version.verification_code,
        })),
      verificationCode: target.verification_code,
      verifyUrl: `${services.config.http.publicUrl}/verify`,
      language,
      timeZone: row.organization_time_zone,
    };
  });
  return {
    pdf: await renderOpinionPdf(report),
    fileName: `second-opinion-${report.case.id.slice(0, 8)}-v${report.versions.length}.pdf`,
  };
}

/** A correction to the signed opinion by its specialist, signed as an addendum. */
export async function signCorrection(
  services: Services,
  context: RequestContext,
  caseId: string,
  input: { text: string },
): Promise<CaseView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const loaded = await loadCase(unit, context, actor, 'case.read', caseId);
    if (!loaded.caseActor.relations.includes('assigned')) throw new AppError('not_found');
    if (!['opinion_signed', ...deliveredStates].includes(loaded.row.state))
      throw wrongStage(loaded.row, 'A correction follows a signed opinion.');
    requireRecentReauthentication(services, context);
    const version = await insertSignedVersion(unit, {
      row: loaded.row,
      signerUserId: actor.userId,
      kind: 'addendum',
      content: { reason: 'correction', text: input.text },
      followUpQuestion: null,
    });
    await recordAddendum(services, unit, loaded, version, actor.userId, 'addendum_signed');
    return readCaseView(unit.trx, actor, caseId, unit.now);
  });
}

async function recordAddendum(
  services: Services,
  unit: UnitOfWork,
  loaded: LoadedCase,
  version: { id: string; sequence: number; seal: string },
  actorUserId: string,
  kind: 'addendum_signed' | 'follow_up_answered',
): Promise<void> {
  await insertTimelineEntry(unit.trx, {
    caseId: loaded.row.id,
    occurredAt: unit.now,
    actorUserId,
    kind: 'event',
    event: kind === 'addendum_signed' ? 'addendum_signed' : 'follow_up_answered',
  });
  await unit.audit({
    ...loaded.transitionActor.origin,
    eventType: 'opinion.addendum_signed',
    patientId: loaded.row.patient_id,
    entityType: 'OpinionVersion',
    entityId: version.id,
    details: { caseId: loaded.row.id, sequence: version.sequence, sealSha256: version.seal },
  });
  await announceAddendum(services, unit, loaded.row, kind, actorUserId, version.id);
  await sendToReferrers(services, unit, loaded.row, version.id, actorUserId);
}

/**
 * The patient side asks a follow-up question (up to the organization's limit, within its window).
 * The first one moves the delivered case into follow-up; the specialist's clock starts.
 */
export async function askFollowUp(
  services: Services,
  context: RequestContext,
  caseId: string,
  input: { text: string },
): Promise<CaseView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const loaded = await loadCase(unit, context, actor, 'case.transition', caseId);
    const { row, facts } = loaded;
    // The same guard decides whether this is allowed, in either state (issue 3: N within M days).
    const decision = decideTransition(
      { ...facts, state: 'delivered' },
      loaded.caseActor,
      'start_follow_up',
    );
    if (!decision.ok && decision.reason === 'not_permitted') throw new AppError('not_found');
    if (row.state !== 'delivered' && row.state !== 'follow_up')
      throw wrongStage(row, 'Follow-up questions can be asked once the report is delivered.');
    if (!decision.ok)
      throw new AppError('conflict', {
        message: 'No more follow-up questions can be asked on this case.',
        details: { currentState: row.state, failures: decision.failures },
      });
    if (row.state === 'delivered') {
      await applyTransition(services, unit, {
        row,
        facts,
        version: row.version,
        actor: loaded.transitionActor,
        name: 'start_follow_up',
      });
    } else {
      await setStageDeadline(
        unit.trx,
        row.id,
        stageDeadline('follow_up', facts.urgency, unit.now, serviceLevelSettingsOf(row)),
        unit.now,
      );
    }
    const question = await insertFollowUpQuestion(unit.trx, {
      caseId,
      askedByUserId: actor.userId,
      text: input.text,
      now: unit.now,
    });
    await unit.audit({
      ...loaded.transitionActor.origin,
      eventType: 'case.follow_up_asked',
      patientId: row.patient_id,
      entityType: 'Case',
      entityId: caseId,
      details: { followUpQuestionId: question.id },
    });
    if (row.assigned_specialist_user_id !== null)
      await notify(unit, {
        organizationId: row.organization_id,
        recipientUserIds: [row.assigned_specialist_user_id],
        kind: 'follow_up_asked',
        caseId,
        actorUserId: actor.userId,
        appUrl: services.config.http.publicUrl,
      });
    return readCaseView(unit.trx, actor, caseId, unit.now);
  });
}

/** The specialist answers a follow-up question with a signed addendum. */
export async function answerFollowUp(
  services: Services,
  context: RequestContext,
  caseId: string,
  followUpId: string,
  input: { text: string },
): Promise<CaseView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const loaded = await loadCase(unit, context, actor, 'case.read', caseId);
    if (!loaded.caseActor.relations.includes('assigned')) throw new AppError('not_found');
    const questions = await findFollowUpQuestions(unit.trx, caseId);
    const question = questions.find((candidate) => candidate.id === followUpId);
    if (question === undefined) throw new AppError('not_found');
    requireRecentReauthentication(services, context);
    if (question.answered_at !== null)
      throw new AppError('conflict', {
        message: 'This follow-up question is already answered.',
        details: { currentState: loaded.row.state },
      });
    const version = await insertSignedVersion(unit, {
      row: loaded.row,
      signerUserId: actor.userId,
      kind: 'addendum',
      content: { reason: 'follow_up_answer', text: input.text },
      followUpQuestion: question.text,
    });
    const marked = await markFollowUpAnswered(unit.trx, {
      caseId,
      questionId: followUpId,
      versionId: version.id,
      now: unit.now,
    });
    if (marked === undefined)
      throw new AppError('conflict', {
        message: 'This follow-up question is already answered.',
        details: { currentState: loaded.row.state },
      });
    // With nothing left to answer, the specialist's clock stops until the next question.
    if (questions.filter((candidate) => candidate.answered_at === null).length === 1)
      await setStageDeadline(unit.trx, caseId, null, unit.now);
    await recordAddendum(services, unit, loaded, version, actor.userId, 'follow_up_answered');
    return readCaseView(unit.trx, actor, caseId, unit.now);
  });
}

/**
 * The patient side answers a question the specialist asked; answering the last open one returns
 * the case to review (the `patient_answered` transition, taken as the one who answered).
 */
export async function answerSpecialistQuestion(
  services: Services,
  context: RequestContext,
  caseId: string,
  questionId: string,
  input: { answer: string },
): Promise<CaseView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const loaded = await loadCase(unit, context, actor, 'case.transition', caseId);
    const { row, facts } = loaded;
    const patientSide = loaded.caseActor.relations.some(
      (relation) => relation === 'self' || relation === 'proxy',
    );
    if (!patientSide) throw new AppError('not_found');
    if (row.state !== 'awaiting_patient')
      throw wrongStage(row, 'There is no open question to answer at this stage.');
    const answered = await answerPatientQuestion(unit.trx, {
      caseId,
      questionId,
      text: input.answer,
      userId: actor.userId,
      now: unit.now,
    });
    if (answered === undefined) throw invalid('params.questionId', 'not an open question');
    await unit.audit({
      ...loaded.transitionActor.origin,
      eventType: 'case.patient_question_answered',
      patientId: row.patient_id,
      entityType: 'Case',
      entityId: caseId,
      details: { patientQuestionId: questionId },
    });
    const stillOpen = facts.openPatientQuestions - 1;
    if (stillOpen <= 0) {
      await applyTransition(services, unit, {
        row,
        facts: { ...facts, openPatientQuestions: 0 },
        version: row.version,
        actor: loaded.transitionActor,
        name: 'patient_answered',
      });
    }
    return readCaseView(unit.trx, actor, caseId, unit.now);
  });
}

/** The referring physician confirms they received a delivered version of the report. */
export async function confirmReceipt(
  services: Services,
  context: RequestContext,
  caseId: string,
  receiptId: string,
): Promise<CaseView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const loaded = await loadCase(unit, context, actor, 'case.read', caseId);
    const confirmed = await confirmReportReceipt(unit.trx, {
      caseId,
      receiptId,
      recipientUserId: actor.userId,
      now: unit.now,
    });
    if (confirmed === undefined) throw new AppError('not_found');
    await insertTimelineEntry(unit.trx, {
      caseId,
      occurredAt: unit.now,
      actorUserId: actor.userId,
      kind: 'event',
      event: 'report_receipt_confirmed',
    });
    await unit.audit({
      ...loaded.transitionActor.origin,
      eventType: 'case.report_receipt_confirmed',
      patientId: loaded.row.patient_id,
      entityType: 'Case',
      entityId: caseId,
      details: { receiptId },
    });
    return readCaseView(unit.trx, actor, caseId, unit.now);
  });
}

/**
 * The public check of a printed verification code: whether the document is authentic, and whether
 * it is still current or superseded by a later addendum. It says nothing about the patient or the
 * content: only the organization, the signature facts and the seal, which the holder already has.
 */
export async function verifyCode(services: Services, code: string) {
  const normalized = normalizeVerificationCode(code);
  if (normalized === null) throw new AppError('not_found');
  const version = await findVersionByCode(services.db, normalized);
  if (version === undefined) throw new AppError('not_found');
  const latest = version.latest_sequence ?? version.sequence;
  return {
    authentic: true,
    status: latest > version.sequence ? ('superseded' as const) : ('current' as const),
    organization: version.organization_name,
    kind: version.kind as 'opinion' | 'addendum',
    sequence: version.sequence,
    signedAt: version.signed_at.toISOString(),
    signerName: version.signer_name,
    sealSha256: version.seal_sha256,
    latestSequence: latest,
  };
}
