/**
 * How the organization runs its cases (issue 3): whether a second specialist must approve each
 * opinion before signing, how many follow-up questions a patient may ask and for how long, its
 * business calendar and the service levels of each stage (routine and urgent), and the consent
 * text patients accept, published as numbered versions (old versions are kept, so what a patient
 * accepted can always be shown). Changes are audited with the old and new values.
 */
import { can } from '../../core/access.ts';
import { AppError } from '../../core/errors.ts';
import {
  defaultStageServiceLevels,
  serviceLevelSettingsSchema,
  type ServiceLevelSettings,
} from '../../core/service-levels.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { auditOrigin, requireActor, type RequestContext } from '../http/request-context.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';

export interface CaseSettings {
  peerReviewRequired: boolean;
  /** A coordinator releases each signed opinion; otherwise it is delivered on signing. */
  releaseByCoordinator: boolean;
  followUpQuestionLimit: number;
  followUpWindowDays: number;
  businessDays: boolean;
  holidays: string[];
  /** The organization's own allowances; stages left out use `defaults`. */
  serviceLevels: ServiceLevelSettings['stages'];
  defaults: typeof defaultStageServiceLevels;
}

export type CaseSettingsChange = Partial<Omit<CaseSettings, 'defaults'>>;

function requireAdmin(context: RequestContext, action: 'settings.read' | 'settings.update') {
  const actor = requireActor(context);
  if (!can(actor, action, { organizationId: actor.organizationId, relations: [] }))
    throw new AppError('not_found');
  return actor;
}

async function loadCaseSettings(
  db: Database | DatabaseTransaction,
  organizationId: string,
): Promise<CaseSettings> {
  const row = await db
    .selectFrom('organizations')
    .select([
      'peer_review_required',
      'release_by_coordinator',
      'follow_up_question_limit',
      'follow_up_window_days',
      'business_days',
      'holidays',
      'service_levels',
    ])
    .where('id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return {
    peerReviewRequired: row.peer_review_required,
    releaseByCoordinator: row.release_by_coordinator,
    followUpQuestionLimit: row.follow_up_question_limit,
    followUpWindowDays: row.follow_up_window_days,
    businessDays: row.business_days,
    holidays: (row.holidays as string[] | null) ?? [],
    serviceLevels: (row.service_levels ?? {}) as ServiceLevelSettings['stages'],
    defaults: defaultStageServiceLevels,
  };
}

export async function getCaseSettings(services: Services, context: RequestContext) {
  const actor = requireAdmin(context, 'settings.read');
  return loadCaseSettings(services.db, actor.organizationId);
}

export async function updateCaseSettings(
  services: Services,
  context: RequestContext,
  change: CaseSettingsChange,
): Promise<CaseSettings> {
  const actor = requireAdmin(context, 'settings.update');
  return transact(services, async (unit) => {
    const before = await loadCaseSettings(unit.trx, actor.organizationId);
    // The calendar and allowances are checked together, as the clocks will read them.
    const checked = serviceLevelSettingsSchema.safeParse({
      timeZone: 'UTC',
      businessDays: change.businessDays ?? before.businessDays,
      holidays: change.holidays ?? before.holidays,
      stages: change.serviceLevels ?? before.serviceLevels,
    });
    if (!checked.success)
      throw new AppError('validation_failed', {
        details: {
          issues: checked.error.issues.map((issue) => ({
            path: `body.${issue.path.join('.')}`.replace('body.stages', 'body.serviceLevels'),
            message: issue.message,
          })),
        },
      });
    await unit.trx
      .updateTable('organizations')
      .set({
        ...(change.peerReviewRequired === undefined
          ? {}
          : { peer_review_required: change.peerReviewRequired }),
        ...(change.releaseByCoordinator === undefined
          ? {}
          : { release_by_coordinator: change.releaseByCoordinator }),
        ...(change.followUpQuestionLimit === undefined
          ? {}
          : { follow_up_question_limit: change.followUpQuestionLimit }),
        ...(change.followUpWindowDays === undefined
          ? {}
          : { follow_up_window_days: change.followUpWindowDays }),
        business_days: checked.data.businessDays,
        holidays: JSON.stringify([...new Set(checked.data.holidays)].sort()),
        service_levels: JSON.stringify(checked.data.stages),
      })
      .where('id', '=', actor.organizationId)
      .execute();
    await unit.audit({
      ...auditOrigin(context),
      eventType: 'org.settings_updated',
      entityType: 'Organization',
      entityId: actor.organizationId,
      details: {
        before: { ...before, defaults: undefined },
        change,
      },
    });
    return loadCaseSettings(unit.trx, actor.organizationId);
  });
}

/** The current consent text and every earlier version. */
export async function getConsentTexts(services: Services, context: RequestContext) {
  const actor = requireAdmin(context, 'settings.read');
  return loadConsent(services.db, actor.organizationId);
}

async function loadConsent(db: Database | DatabaseTransaction, organizationId: string) {
  const organization = await db
    .selectFrom('organizations')
    .select('consent_version')
    .where('id', '=', organizationId)
    .executeTakeFirstOrThrow();
  const versions = await db
    .selectFrom('consent_texts')
    .select(['version', 'text', 'published_at'])
    .where('organization_id', '=', organizationId)
    .orderBy('published_at', 'desc')
    .execute();
  return {
    currentVersion: organization.consent_version,
    versions: versions.map((version) => ({
      version: version.version,
      text: version.text,
      publishedAt: version.published_at.toISOString(),
    })),
  };
}

/**
 * Publishes a new consent text. Patients who accepted an earlier version accept again before their
 * next submission (a submitted case keeps the version its patient accepted).
 */
export async function publishConsentText(
  services: Services,
  context: RequestContext,
  input: { version: string; text: string },
) {
  const actor = requireAdmin(context, 'settings.update');
  return transact(services, async (unit) => {
    const inserted = await unit.trx
      .insertInto('consent_texts')
      .values({
        organization_id: actor.organizationId,
        version: input.version,
        text: input.text,
        published_at: unit.now,
      })
      .onConflict((conflict) => conflict.columns(['organization_id', 'version']).doNothing())
      .returning('version')
      .executeTakeFirst();
    if (inserted === undefined)
      throw new AppError('already_exists', {
        message: 'This consent version exists already; give the new text a new version.',
      });
    await unit.trx
      .updateTable('organizations')
      .set({ consent_version: input.version })
      .where('id', '=', actor.organizationId)
      .execute();
    await unit.audit({
      ...auditOrigin(context),
      eventType: 'org.settings_updated',
      entityType: 'Organization',
      entityId: actor.organizationId,
      details: { consentVersionPublished: input.version },
    });
    return loadConsent(unit.trx, actor.organizationId);
  });
}
