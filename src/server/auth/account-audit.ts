/**
 * The audit event of a change to one person's account, attributed to that person and to the
 * organization of their active membership (none for a deactivated account).
 */
import type { AuditEventType, AuditOutcome } from '../../core/audit.ts';
import type { UnitOfWork } from '../app/unit-of-work.ts';
import type { RequestContext } from '../http/request-context.ts';
import { findActiveMembership } from './auth-repository.ts';

export async function auditAccountEvent(
  unit: UnitOfWork,
  context: Pick<RequestContext, 'ipAddress' | 'userAgent'>,
  userId: string,
  eventType: AuditEventType,
  extra: {
    entityType?: string;
    entityId?: string;
    outcome?: AuditOutcome;
    details?: Record<string, unknown>;
  } = {},
): Promise<void> {
  const membership = await findActiveMembership(unit.trx, userId);
  await unit.audit({
    eventType,
    organizationId: membership?.organization_id ?? null,
    actorUserId: userId,
    entityType: extra.entityType ?? 'User',
    entityId: extra.entityId ?? userId,
    ipAddress: context.ipAddress,
    userAgent: context.userAgent,
    ...(extra.outcome === undefined ? {} : { outcome: extra.outcome }),
    ...(extra.details === undefined ? {} : { details: extra.details }),
  });
}
