/**
 * The scheduler's part in the lifecycle (issue 3): offers not accepted in time expire (and the
 * coordinator is alerted to re-offer), cases whose follow-up window has closed with nothing open
 * are closed, and referring physicians who have not confirmed receipt of a report are reminded
 * once. Each case is handled in a transaction of its own, claimed with SKIP LOCKED, so two server
 * instances sweeping at once never act twice, and one failing case does not stop the rest.
 */
import type { CaseTransitionName } from '../../core/case-lifecycle.ts';
import type { Actor } from '../../core/access.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { notify } from '../notifications/notify.ts';
import { applyTransition } from './apply-transition.ts';
import { caseFactsOf } from './case-facts.ts';
import {
  claimCaseInState,
  claimReceiptReminders,
  findCaseQuestionIds,
  findClosableCases,
  findExpiredOffers,
  findVisibleCase,
} from './case-repository.ts';

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
      if (!(await claimCaseInState(unit.trx, caseId, claim))) return false;
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
  const expired = await findExpiredOffers(services.db, now);
  let offersExpired = 0;
  for (const row of expired)
    if (await sweepTransition(services, row.id, row.organization_id, 'offer_expired', 'offered'))
      offersExpired += 1;

  const closable = await findClosableCases(services.db, now);
  let casesClosed = 0;
  for (const row of closable)
    if (await sweepTransition(services, row.id, row.organization_id, 'close', row.state))
      casesClosed += 1;

  // Marking a receipt reminded and telling its physician happen in one transaction: a failure
  // leaves it to the next sweep instead of losing the reminder.
  const receiptsReminded = await transact(services, async (unit) => {
    const claimed = await claimReceiptReminders(
      unit.trx,
      now,
      new Date(now.getTime() - receiptReminderAfterMs),
    );
    for (const receipt of claimed)
      await notify(unit, {
        organizationId: receipt.organization_id,
        recipientUserIds: [receipt.recipient_user_id],
        kind: 'report_receipt_reminder',
        caseId: receipt.case_id,
        data: { receiptId: receipt.id },
        actorUserId: null,
        appUrl: services.config.http.publicUrl,
      });
    return claimed.length;
  });
  return { offersExpired, casesClosed, receiptsReminded };
}

export async function startCaseSweep(jobs: JobQueue, services: Services): Promise<void> {
  await jobs.work(caseSweepJob, async () => {
    await sweepCases(services, services.clock.now());
  });
  await jobs.schedule(caseSweepJob, '* * * * *');
}
