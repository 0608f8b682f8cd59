/**
 * SQL for the opinion: the specialist's working draft, its peer review, the signed versions (the
 * opinion and its addenda, append-only), follow-up questions and report receipts. Access is decided
 * before these are called (the case was loaded through the access filter); no rules live here.
 */
import type { OpinionContent } from '../../core/opinion.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';

type Executor = Database | DatabaseTransaction;

/** Saves the draft if it is still at `version` (or creates it); undefined when someone else saved. */
export async function saveOpinionDraft(
  db: Executor,
  draft: {
    caseId: string;
    authorUserId: string;
    content: OpinionContent;
    expectedVersion: number | null;
    now: Date;
  },
) {
  if (draft.expectedVersion === null) {
    return db
      .insertInto('opinion_drafts')
      .values({
        case_id: draft.caseId,
        author_user_id: draft.authorUserId,
        content: JSON.stringify(draft.content),
        created_at: draft.now,
        updated_at: draft.now,
      })
      .onConflict((conflict) => conflict.column('case_id').doNothing())
      .returning(['version', 'updated_at'])
      .executeTakeFirst();
  }
  return db
    .updateTable('opinion_drafts')
    .set({
      author_user_id: draft.authorUserId,
      content: JSON.stringify(draft.content),
      updated_at: draft.now,
      version: draft.expectedVersion + 1,
    })
    .where('case_id', '=', draft.caseId)
    .where('version', '=', draft.expectedVersion)
    .returning(['version', 'updated_at'])
    .executeTakeFirst();
}

export function findOpinionDraft(db: Executor, caseId: string) {
  return db
    .selectFrom('opinion_drafts')
    .select(['content', 'version', 'author_user_id', 'created_at', 'updated_at'])
    .where('case_id', '=', caseId)
    .executeTakeFirst();
}

/** A new reviewer is asked to review the current draft; at most one review is pending. */
export function insertPeerReview(
  db: Executor,
  review: {
    caseId: string;
    reviewerUserId: string;
    requestedByUserId: string;
    draftVersion: number;
    now: Date;
  },
) {
  return db
    .insertInto('peer_reviews')
    .values({
      case_id: review.caseId,
      reviewer_user_id: review.reviewerUserId,
      requested_by_user_id: review.requestedByUserId,
      requested_at: review.now,
      draft_version: review.draftVersion,
    })
    .onConflict((conflict) =>
      conflict.column('case_id').where('status', '=', 'pending').doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
}

/** Everyone asked to review the case's opinion (withdrawn requests excepted). */
export async function findReviewerIds(db: Executor, caseId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('peer_reviews')
    .select('reviewer_user_id')
    .where('case_id', '=', caseId)
    .where('status', '<>', 'withdrawn')
    .execute();
  return rows.map((row) => row.reviewer_user_id);
}

/** Records the pending review's decision, for the draft version the reviewer saw. */
export function decidePeerReview(
  db: Executor,
  decision: {
    caseId: string;
    reviewerUserId: string;
    status: 'approved' | 'returned';
    comment: string | null;
    draftVersion: number;
    now: Date;
  },
) {
  return db
    .updateTable('peer_reviews')
    .set({
      status: decision.status,
      comment: decision.comment,
      decided_at: decision.now,
      draft_version: decision.draftVersion,
    })
    .where('case_id', '=', decision.caseId)
    .where('reviewer_user_id', '=', decision.reviewerUserId)
    .where('status', '=', 'pending')
    .returning('id')
    .executeTakeFirst();
}

/** The signed versions of a case, oldest first. */
export function findOpinionVersions(db: Executor, caseId: string) {
  return db
    .selectFrom('opinion_versions')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('sequence')
    .execute();
}

export type OpinionVersionRow = Awaited<ReturnType<typeof findOpinionVersions>>[number];

export function insertOpinionVersion(
  db: Executor,
  version: {
    caseId: string;
    sequence: number;
    kind: 'opinion' | 'addendum';
    content: unknown;
    signedByUserId: string;
    signerName: string;
    signerCredentials: string;
    signedAt: Date;
    sealSha256: string;
    verificationCode: string;
  },
) {
  return db
    .insertInto('opinion_versions')
    .values({
      case_id: version.caseId,
      sequence: version.sequence,
      kind: version.kind,
      content: JSON.stringify(version.content),
      signed_by_user_id: version.signedByUserId,
      signer_name: version.signerName,
      signer_credentials: version.signerCredentials,
      signed_at: version.signedAt,
      seal_sha256: version.sealSha256,
      verification_code: version.verificationCode,
    })
    .returning(['id', 'sequence'])
    .executeTakeFirstOrThrow();
}

/** The signer as printed on the report: name and stated credentials. */
export async function findSigner(db: Executor, organizationId: string, userId: string) {
  const row = await db
    .selectFrom('users as u')
    .innerJoin('memberships as m', (join) =>
      join.onRef('m.user_id', '=', 'u.id').on('m.organization_id', '=', organizationId),
    )
    .leftJoin('specialist_profiles as sp', 'sp.membership_id', 'm.id')
    .select(['u.name', 'sp.credentials'])
    .where('u.id', '=', userId)
    .executeTakeFirstOrThrow();
  return { name: row.name, credentials: row.credentials ?? '' };
}

/** A version by its verification code, with what the public check may say about it. */
export function findVersionByCode(db: Executor, code: string) {
  return db
    .selectFrom('opinion_versions as v')
    .innerJoin('cases as c', 'c.id', 'v.case_id')
    .innerJoin('organizations as o', 'o.id', 'c.organization_id')
    .select([
      'v.id',
      'v.case_id',
      'v.sequence',
      'v.kind',
      'v.signed_at',
      'v.signer_name',
      'v.seal_sha256',
      'o.name as organization_name',
      (eb) =>
        eb
          .selectFrom('opinion_versions as later')
          .select((inner) => inner.fn.max('later.sequence').as('latest'))
          .whereRef('later.case_id', '=', 'v.case_id')
          .as('latest_sequence'),
    ])
    .where('v.verification_code', '=', code)
    .executeTakeFirst();
}

export function insertFollowUpQuestion(
  db: Executor,
  question: { caseId: string; askedByUserId: string; text: string; now: Date },
) {
  return db
    .insertInto('follow_up_questions')
    .values({
      case_id: question.caseId,
      asked_by_user_id: question.askedByUserId,
      text: question.text,
      asked_at: question.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export function findFollowUpQuestions(db: Executor, caseId: string) {
  return db
    .selectFrom('follow_up_questions')
    .select(['id', 'text', 'asked_at', 'asked_by_user_id', 'answered_at', 'answered_version_id'])
    .where('case_id', '=', caseId)
    .orderBy('asked_at')
    .orderBy('id')
    .execute();
}

/** Marks an open follow-up question answered by a signed addendum; undefined when not open. */
export function markFollowUpAnswered(
  db: Executor,
  answer: { caseId: string; questionId: string; versionId: string; now: Date },
) {
  return db
    .updateTable('follow_up_questions')
    .set({ answered_version_id: answer.versionId, answered_at: answer.now })
    .where('id', '=', answer.questionId)
    .where('case_id', '=', answer.caseId)
    .where('answered_at', 'is', null)
    .returning(['id', 'text'])
    .executeTakeFirst();
}

/** The referring physicians who receive the report: the case's own, else the patient's. */
export async function findReportRecipients(
  db: Executor,
  caseRow: { patient_id: string; referring_physician_user_id: string | null },
): Promise<string[]> {
  if (caseRow.referring_physician_user_id !== null) return [caseRow.referring_physician_user_id];
  const rows = await db
    .selectFrom('patient_referrers')
    .select('physician_user_id')
    .where('patient_id', '=', caseRow.patient_id)
    .execute();
  return rows.map((row) => row.physician_user_id);
}

export function insertReportReceipts(
  db: Executor,
  receipts: { caseId: string; versionId: string; recipientUserIds: string[]; now: Date },
) {
  if (receipts.recipientUserIds.length === 0) return Promise.resolve([]);
  return db
    .insertInto('report_receipts')
    .values(
      receipts.recipientUserIds.map((recipient) => ({
        case_id: receipts.caseId,
        opinion_version_id: receipts.versionId,
        recipient_user_id: recipient,
        sent_at: receipts.now,
      })),
    )
    .onConflict((conflict) =>
      conflict.columns(['opinion_version_id', 'recipient_user_id']).doNothing(),
    )
    .returning('id')
    .execute();
}

/** The recipient confirms receipt; undefined when not theirs or already confirmed. */
export function confirmReportReceipt(
  db: Executor,
  receipt: { caseId: string; receiptId: string; recipientUserId: string; now: Date },
) {
  return db
    .updateTable('report_receipts')
    .set({ confirmed_at: receipt.now })
    .where('id', '=', receipt.receiptId)
    .where('case_id', '=', receipt.caseId)
    .where('recipient_user_id', '=', receipt.recipientUserId)
    .where('confirmed_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
}
