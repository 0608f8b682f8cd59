/**
 * Reading a case's attachment list: everyone who may read the case (the patient side, the
 * coordinator, the specialist holding the offer or assigned, a peer reviewer) sees the same list;
 * the read is audited like any read of patient data.
 */
import {
  acceptsAttachments,
  attachmentMaxBytes,
  attachmentMediaTypeNames,
  attachmentUploadAction,
} from '../../core/attachments.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { asCaseState, caseAuditOrigin } from '../cases/case-facts.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { findCaseForAttachments, listCaseAttachments } from './attachment-repository.ts';
import { attachmentViewOf } from './attachment-view.ts';
import type { AttachmentListView } from './attachments.types.ts';

/** The attachments of `caseId`, oldest first; 404 when the caller may not read the case. */
export async function listAttachments(
  services: Services,
  context: RequestContext,
  caseId: string,
): Promise<AttachmentListView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const found = await findCaseForAttachments(
      unit.trx,
      actor,
      attachmentUploadAction(actor.role),
      caseId,
    );
    if (found === undefined || !found.may_read) throw new AppError('not_found');
    const state = asCaseState(found.state);
    const rows = await listCaseAttachments(unit.trx, found.id);
    await unit.audit({
      ...caseAuditOrigin(context, actor, found.patient_user_id),
      eventType: 'case.attachments_listed',
      patientId: found.patient_id,
      entityType: 'Case',
      entityId: found.id,
      details: { part: 'attachments', count: rows.length },
    });
    return {
      attachments: rows.map((row) => attachmentViewOf(actor, found, state, row)),
      canUpload: found.may_upload && acceptsAttachments(state),
      limits: { mediaTypes: attachmentMediaTypeNames, maxBytes: attachmentMaxBytes },
    };
  });
}
