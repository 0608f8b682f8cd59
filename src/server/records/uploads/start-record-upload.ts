/**
 * Starting a resumable upload (the tus creation request): the row (`receiving`, who uploads and
 * for whom, the cleaned name and folder path, the declared size) and its audit event are written
 * in one transaction that checks the caller's right and the case's stage again under a share
 * lock on the case. Only then does tus create the staging file, so no staged bytes exist without
 * their row.
 */
import type { Actor } from '../../../core/access.ts';
import type { Services } from '../../app/services.ts';
import { transact } from '../../app/unit-of-work.ts';
import { caseAuditOrigin } from '../../cases/case-facts.ts';
import type { RequestContext } from '../../http/request-context.ts';
import { insertRecordUpload } from './record-upload-repository.ts';
import { findUploadableCase } from '../../attachments/attachment-view.ts';

import type { UploadDeclaration } from './upload-declaration.ts';

/**
 * Records upload `uploadId` into case `caseId`, declared by `declaration`; 404 when the caller may
 * no longer add documents to the case, 409 when its stage no longer takes them.
 */
export async function startRecordUpload(
  services: Pick<Services, 'db' | 'clock' | 'mail'>,
  context: RequestContext,
  actor: Actor,
  input: { caseId: string; uploadId: string; declaration: UploadDeclaration },
): Promise<void> {
  const { declaration } = input;
  await transact(services, async (unit) => {
    const target = await findUploadableCase(unit.trx, actor, input.caseId, { lock: true });
    const origin = caseAuditOrigin(context, actor, target.patient_user_id);
    await insertRecordUpload(unit.trx, {
      id: input.uploadId,
      organizationId: target.organization_id,
      caseId: target.id,
      uploadedByUserId: actor.userId,
      onBehalfOfUserId: origin.onBehalfOfUserId,
      batchId: declaration.batchId,
      fileName: declaration.fileName,
      relativePath: declaration.relativePath,
      declaredSize: declaration.declaredSize,
      createdAt: unit.now,
    });
    await unit.audit({
      ...origin,
      eventType: 'record.upload_started',
      patientId: target.patient_id,
      entityType: 'RecordUpload',
      entityId: input.uploadId,
      details: {
        change: 'upload_started',
        caseId: target.id,
        declaredSize: declaration.declaredSize,
        batchId: declaration.batchId,
      },
    });
  });
}
