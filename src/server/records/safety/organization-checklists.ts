/**
 * The organization's completeness checklists (docs/safety-net.md, "Editing the checklists"): the
 * set in force (its own when stored and still valid, else the shipped defaults), replacing it as
 * a whole, and forgetting it so that the shipped defaults apply again. Changes are audited.
 */
import {
  checklistSetSchema,
  defaultChecklistSet,
  type ChecklistSet,
} from '../../../core/safety/checklists.ts';
import type { Services } from '../../app/services.ts';
import { transact } from '../../app/unit-of-work.ts';
import type { Database, DatabaseTransaction } from '../../db/database.ts';
import { requireActor, type RequestContext } from '../../http/request-context.ts';
import { deleteChecklists, findChecklists, saveChecklists } from '../record-repository.ts';

export interface ChecklistsView {
  checklists: ChecklistSet;
  /** Whether these are the organization's own (else the shipped defaults). */
  custom: boolean;
  updatedAt: string | null;
}

const shippedDefaults: ChecklistsView = {
  checklists: defaultChecklistSet,
  custom: false,
  updatedAt: null,
};

/** The organization's own checklists, when it stored a set that is still valid. */
export async function storedChecklists(
  db: Database | DatabaseTransaction,
  organizationId: string,
): Promise<{ checklists: ChecklistSet; updatedAt: Date } | undefined> {
  const row = await findChecklists(db, organizationId);
  if (row === undefined) return undefined;
  const parsed = checklistSetSchema.safeParse(row.checklists);
  return parsed.success ? { checklists: parsed.data, updatedAt: row.updated_at } : undefined;
}

export async function readOrganizationChecklists(
  services: Pick<Services, 'db'>,
  context: RequestContext,
): Promise<ChecklistsView> {
  const stored = await storedChecklists(services.db, requireActor(context).organizationId);
  return stored === undefined
    ? shippedDefaults
    : { checklists: stored.checklists, custom: true, updatedAt: stored.updatedAt.toISOString() };
}

export function replaceOrganizationChecklists(
  services: Pick<Services, 'db' | 'clock' | 'mail'>,
  context: RequestContext,
  checklists: ChecklistSet,
): Promise<ChecklistsView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    await saveChecklists(unit.trx, actor.organizationId, checklists, actor.userId, unit.now);
    await unit.audit({
      eventType: 'org.checklists_updated',
      organizationId: actor.organizationId,
      actorUserId: actor.userId,
      entityType: 'Organization',
      entityId: actor.organizationId,
      details: { categories: Object.keys(checklists.checklists) },
    });
    return { checklists, custom: true, updatedAt: unit.now.toISOString() };
  });
}

/** Audited only when there was a set to forget. */
export function resetOrganizationChecklists(
  services: Pick<Services, 'db' | 'clock' | 'mail'>,
  context: RequestContext,
): Promise<ChecklistsView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    if (await deleteChecklists(unit.trx, actor.organizationId)) {
      await unit.audit({
        eventType: 'org.checklists_reset',
        organizationId: actor.organizationId,
        actorUserId: actor.userId,
        entityType: 'Organization',
        entityId: actor.organizationId,
        details: {},
      });
    }
    return shippedDefaults;
  });
}
