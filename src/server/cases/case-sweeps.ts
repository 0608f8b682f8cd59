/**
 * The scheduler's part in the lifecycle (issue 3): offers not accepted in time expire (and the
 * coordinator is alerted to re-offer), cases whose follow-up window has closed with nothing open
 * are closed, and referring physicians who have not confirmed receipt of a report are reminded
 * once. Each case is handled in a transaction of its own, claimed with SKIP LOCKED, so two server
 * instances sweeping at once never act twice, and one failing case does not stop the rest.
 */
import { sql } from 'kysely';
import type { CaseTransitionName } from '../../core/case-lifecycle.ts';
import type { Actor } from '../../core/access.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { notify } from '../notifications/notify.ts';
import { applyTransition } from './apply-transition.ts';
import { caseFactsOf } from './case-facts.ts';
import { findCaseQuestionIds, findVisibleCase } from './case-repository.ts';

export const caseSweepJob = 'case-sweep';

/** How long a referring physician has to confirm receipt before one reminder. */
const receiptReminderAfterMs = 3 * 86_400_000;

/** The scheduler reads cases as an organization-wide actor of their own organization. */
function schedulerActor(organizationId: string): Actor {
  return {
    userId: '00000000-0000-0000-0000-000000000000',
    organizationId,
    membershipId: '00000000-0000-0000-0000-000000000000',
    role: 'coordinator',
  };
}

async function sweepTransition(
  services: Services,
  caseId: string,
  organizationId: string,
  name: CaseTransitionName,
  claim: string,
): Promise<boolean> {
  try {
    return await transact(services, async (unit) => {
      // Claim the case: a concurrent sweep skips it instead of waiting to repeat the work.
      const locked = await sql<{
        id: string;
      }>`SELECT id FROM cases WHERE id = ${caseId} AND state = ${claim} FOR UPDATE SKIP LOCKED`.execute(
        unit.trx,
      );
      if (locked.rows.length === 0) return false;
      const row = await findVisibleCase(
        unit.trx,
        schedulerActor(organizationId),
        'case.read',
        caseId,
      );
      if (row === undefined) return false;
      const facts = caseFactsOf(row, unit.now, await findCaseQuestionIds(unit.trx, caseId));
      await applyTransition(services, unit, {
        row,
        facts,
        version: row.version,
        actor: {
          caseActor: { role: 'system', organizationId, relations: [] },
          userId: null,
          origin: { organizationId, actorUserId: null },
        },
        name,
      });
      return true;
    });
  } catch (error) {
    // A guard that no longer holds (answered in between) is not a failure of the sweep.
    services.logger.debug({ err: error, caseId, transition: name }, 'sweep step skipped');
    return false;
  }
}

export interface CaseSweepResult {
  offersExpired: number;
  casesClosed: number;
  receiptsReminded: number;
}

export async function sweepCases(services: Services, now: Date): Promise<CaseSweepResult> {
  const expired = await services.db
    .selectFrom('case_offers as o')
    .innerJoin('cases as c', 'c.id', 'o.case_id')
    .select(['c.id', 'c.organization_id'])
    .where('o.status', '=', 'pending')
    .where('o.expires_at', '<=', now)
    .where('c.state', '=', 'offered')
    .limit(500)
    .execute();
  let offersExpired = 0;
  for (const row of expired)
    if (await sweepTransition(services, row.id, row.organization_id, 'offer_expired', 'offered'))
      offersExpired += 1;

  const closable = await services.db
    .selectFrom('cases as c')
    .select(['c.id', 'c.organization_id', 'c.state'])
    .where('c.state', 'in', ['delivered', 'follow_up'])
    .where('c.follow_up_window_ends_at', '<=', now)
    .where(
      sql<boolean>`NOT EXISTS (SELECT 1 FROM follow_up_questions f WHERE f.case_id = c.id AND f.answered_at IS NULL)`,
    )
    .limit(500)
    .execute();
  let casesClosed = 0;
  for (const row of closable)
    if (await sweepTransition(services, row.id, row.organization_id, 'close', row.state))
      casesClosed += 1;

  const unconfirmed = await services.db
    .updateTable('report_receipts as r')
    .set({ reminded_at: now })
    .from('cases as c')
    .whereRef('c.id', '=', 'r.case_id')
    .where('r.confirmed_at', 'is', null)
    .where('r.reminded_at', 'is', null)
    .where('r.sent_at', '<=', new Date(now.getTime() - receiptReminderAfterMs))
    .returning(['r.id', 'r.case_id', 'r.recipient_user_id', 'c.organization_id'])
    .execute();
  for (const receipt of unconfirmed) {
    await transact(services, async (unit) => {
      await notify(unit, {
        organizationId: receipt.organization_id,
        recipientUserIds: [receipt.recipient_user_id],
        kind: 'report_receipt_reminder',
        caseId: receipt.case_id,
        data: { receiptId: receipt.id },
        actorUserId: null,
        appUrl: services.config.http.publicUrl,
      });
    });
  }
  return { offersExpired, casesClosed, receiptsReminded: unconfirmed.length };
}

export async function startCaseSweep(jobs: JobQueue, services: Services): Promise<void> {
  await jobs.work(caseSweepJob, async () => {
    await sweepCases(services, services.clock.now());
  });
  await jobs.schedule(caseSweepJob, '* * * * *');
}
