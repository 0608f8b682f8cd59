/**
 * SQL for a case's attachment list, bound to the acting member. The case is found through the
 * shared patient access filter, once as a reader (`case.read`) and once as someone who may add
 * documents (the action `attachmentUploadAction` names for the role), so a case or attachment the
 * actor may not see is never loaded. No rules live here: the use cases decide.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Action, Actor } from '../../core/access.ts';
import { patientAccessFilter } from '../access/patient-access-filter.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';

type Executor = Database | DatabaseTransaction;

function caseFilter(actor: Actor, action: Action | null): Expression<SqlBool> {
  if (action === null) return sql<SqlBool>`false`;
  return patientAccessFilter(actor, action, {
    organization: 'c.organization_id',
    patient: 'c.patient_id',
    case: 'c.id',
  });
}

/**
 * The case `caseId` if the actor may read it or add documents to it, with which of the two holds
 * (`may_read`, `may_upload`); undefined when neither. `lock` takes a share lock on the case row
 * until the transaction ends, so a transition cannot change its state under an insert or delete.
 */
export function findCaseForAttachments(
  db: Executor,
  actor: Actor,
  uploadAction: Action | null,
  caseId: string,
  options: { lock?: boolean } = {},
) {
  const readable = caseFilter(actor, 'case.read');
  const uploadable = caseFilter(actor, uploadAction);
  const query = db
    .selectFrom('cases as c')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .select([
      'c.id',
      'c.organization_id',
      'c.patient_id',
      'c.state',
      'p.user_id as patient_user_id',
      sql<boolean>`${readable}`.as('may_read'),
      sql<boolean>`${uploadable}`.as('may_upload'),
    ])
    .where('c.id', '=', caseId)
    .where((eb) => eb.or([readable, uploadable]));
  return (options.lock === true ? query.forShare('c') : query).executeTakeFirst();
}

export type AttachmentCaseRow = NonNullable<Awaited<ReturnType<typeof findCaseForAttachments>>>;

const attachmentColumns = [
  'a.id',
  'a.case_id',
  'a.file_name',
  'a.media_type',
  'a.size_bytes',
  'a.sha256',
  'a.storage_key',
  'a.description',
  'a.uploaded_by_user_id',
  'a.uploaded_at',
  'u.name as uploaded_by_name',
] as const;

/** The attachments of a case, oldest first. The caller has already found the case visible. */
export function listCaseAttachments(db: Executor, caseId: string) {
  return db
    .selectFrom('case_attachments as a')
    .innerJoin('users as u', 'u.id', 'a.uploaded_by_user_id')
    .select(attachmentColumns)
    .where('a.case_id', '=', caseId)
    .orderBy('a.uploaded_at', 'asc')
    .orderBy('a.id', 'asc')
    .execute();
}

export type AttachmentRow = Awaited<ReturnType<typeof listCaseAttachments>>[number];

/** One attachment of a case the caller has already found visible. */
export function findCaseAttachment(db: Executor, caseId: string, attachmentId: string) {
  return db
    .selectFrom('case_attachments as a')
    .innerJoin('users as u', 'u.id', 'a.uploaded_by_user_id')
    .select(attachmentColumns)
    .where('a.case_id', '=', caseId)
    .where('a.id', '=', attachmentId)
    .executeTakeFirst();
}

export async function insertCaseAttachment(
  db: Executor,
  values: {
    id: string;
    caseId: string;
    fileName: string;
    mediaType: string;
    sizeBytes: number;
    sha256: string;
    storageKey: string;
    description: string | null;
    uploadedByUserId: string;
    uploadedAt: Date;
  },
): Promise<AttachmentRow> {
  await db
    .insertInto('case_attachments')
    .values({
      id: values.id,
      case_id: values.caseId,
      file_name: values.fileName,
      media_type: values.mediaType,
      size_bytes: values.sizeBytes,
      sha256: values.sha256,
      storage_key: values.storageKey,
      description: values.description,
      uploaded_by_user_id: values.uploadedByUserId,
      uploaded_at: values.uploadedAt,
    })
    .execute();
  const row = await findCaseAttachment(db, values.caseId, values.id);
  if (row === undefined) throw new Error('inserted attachment not found');
  return row;
}

export async function deleteCaseAttachment(db: Executor, attachmentId: string): Promise<void> {
  await db.deleteFrom('case_attachments').where('id', '=', attachmentId).execute();
}
