/**
 * The deadline sweep (PRODUCT.md: every stage has an owner and a deadline; overdue stages escalate
 * to coordinators). Run every minute by the job queue, it
 * - escalates each overdue stage once: the organization's coordinators get `stage_overdue`, and
 *   `cases.escalated_deadline_at` records the deadline that was escalated, so a new stage (a new
 *   deadline) escalates again but the same one never twice;
 * - announces once per stage deadline that it draws near (`deadline_approaching`) to the people who
 *   own the stage: within 24 hours for a routine case, 4 hours for an urgent one.
 * One transaction per batch; batches lock the case rows they take and skip locked ones, so two
 * instances sweeping at once neither wait on each other nor notify twice. The sweep reads the
 * state and deadlines of cases, no patient data, and writes no audit event (docs/notifications.md).
 */
import type { StageOwner } from '../../core/case-lifecycle.ts';
import { stageOwners } from '../../core/case-lifecycle.ts';
import type { Services } from '../app/services.ts';
import { transact, type UnitOfWork } from '../app/unit-of-work.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import {
  claimOverdueStages,
  findUnannouncedStages,
  lockApproachingStages,
  type ApproachingCursor,
} from './deadline-repository.ts';
import { coordinatorsOf, notify, patientSideOf } from './notify.ts';

export const deadlineSweepJob = 'cases.deadline-sweep';

/** How long before a stage deadline its owner hears that it draws near. */
export const approachingWindowHours = { routine: 24, urgent: 4 } as const;

const batchSize = 50;
const hourMs = 3_600_000;

export interface SweepResult {
  /** Overdue stages escalated to coordinators by this run. */
  escalated: number;
  /** Stage deadlines announced as approaching by this run. */
  announced: number;
}

function isStageOwner(value: string | null): value is StageOwner {
  return value !== null && (stageOwners as readonly string[]).includes(value);
}

/** Runs `work` in one transaction whose `now` is the sweep's, not a fresh clock reading. */
function transactAt<T>(services: Services, now: Date, work: (unit: UnitOfWork) => Promise<T>) {
  return transact({ db: services.db, mail: services.mail, clock: { now: () => now } }, work);
}

async function escalateOverdueStages(services: Services, now: Date): Promise<number> {
  const appUrl = services.config.http.publicUrl;
  let escalated = 0;
  for (;;) {
    const claimed = await transactAt(services, now, async (unit) => {
      const stages = await claimOverdueStages(unit.trx, now, batchSize);
      for (const stage of stages) {
        if (stage.stage_deadline_at === null) continue;
        await notify(unit, {
          organizationId: stage.organization_id,
          recipientUserIds: await coordinatorsOf(unit.trx, stage.organization_id),
          kind: 'stage_overdue',
          caseId: stage.id,
          data: { state: stage.state, deadline: stage.stage_deadline_at.toISOString() },
          actorUserId: null,
          appUrl,
        });
      }
      return stages.length;
    });
    escalated += claimed;
    if (claimed < batchSize) return escalated;
  }
}

interface OwnedStage {
  id: string;
  organization_id: string;
  stage_owner: string | null;
  assigned_specialist_user_id: string | null;
  referring_physician_user_id: string | null;
  offered_specialist_user_id: string | null;
}

/**
 * The people who must act on the stage. The patient side includes the referring physician of a
 * referred case (core's `stageOwners`); a specialist stage belongs to whoever holds the pending
 * offer, otherwise to the assigned specialist.
 */
async function ownersOf(unit: UnitOfWork, stage: OwnedStage): Promise<string[]> {
  if (!isStageOwner(stage.stage_owner)) return [];
  switch (stage.stage_owner) {
    case 'patient': {
      const people = await patientSideOf(unit.trx, stage.id);
      return stage.referring_physician_user_id === null
        ? people
        : [...people, stage.referring_physician_user_id];
    }
    case 'specialist': {
      const specialist = stage.offered_specialist_user_id ?? stage.assigned_specialist_user_id;
      return specialist === null ? [] : [specialist];
    }
    case 'coordinator':
      return coordinatorsOf(unit.trx, stage.organization_id);
    default: {
      const exhaustive: never = stage.stage_owner;
      throw new Error(`unknown stage owner ${String(exhaustive)}`);
    }
  }
}

async function announceApproachingDeadlines(services: Services, now: Date): Promise<number> {
  const appUrl = services.config.http.publicUrl;
  const windows = {
    routine: new Date(now.getTime() + approachingWindowHours.routine * hourMs),
    urgent: new Date(now.getTime() + approachingWindowHours.urgent * hourMs),
  };
  let announced = 0;
  // A keyset cursor, so a stage nobody can be told about (no owner reachable) is passed once per
  // run instead of being taken again and again.
  let cursor: ApproachingCursor | null = null;
  for (;;) {
    const batch: { locked: number; announced: number; last: ApproachingCursor | null } =
      await transactAt(services, now, async (unit) => {
        const locked = await lockApproachingStages(unit.trx, now, windows, cursor, batchSize);
        const lastLocked = locked.at(-1);
        if (lastLocked === undefined || lastLocked.stage_deadline_at === null)
          return { locked: locked.length, announced: 0, last: null };
        const stages = await findUnannouncedStages(
          unit.trx,
          locked.map((row) => row.id),
        );
        for (const stage of stages) {
          if (stage.stage_deadline_at === null) continue;
          await notify(unit, {
            organizationId: stage.organization_id,
            recipientUserIds: await ownersOf(unit, stage),
            kind: 'deadline_approaching',
            caseId: stage.id,
            data: {
              state: stage.state,
              deadline: stage.stage_deadline_at.toISOString(),
              urgency: stage.urgency,
            },
            actorUserId: null,
            appUrl,
          });
        }
        return {
          locked: locked.length,
          announced: stages.length,
          last: { deadline: lastLocked.stage_deadline_at, id: lastLocked.id },
        };
      });
    announced += batch.announced;
    if (batch.locked < batchSize || batch.last === null) return announced;
    cursor = batch.last;
  }
}

/** One run of the sweep at instant `now`: escalate overdue stages, then announce near deadlines. */
export async function sweepDeadlines(services: Services, now: Date): Promise<SweepResult> {
  const escalated = await escalateOverdueStages(services, now);
  const announced = await announceApproachingDeadlines(services, now);
  if (escalated > 0 || announced > 0)
    services.logger.info({ escalated, announced }, 'deadline sweep notified');
  return { escalated, announced };
}

/** Registers the sweep's worker and its once-a-minute schedule (pg-boss's finest cron step). */
export async function startDeadlineSweep(jobs: JobQueue, services: Services): Promise<void> {
  await jobs.work(deadlineSweepJob, async () => {
    await sweepDeadlines(services, services.clock.now());
  });
  await jobs.schedule(deadlineSweepJob, '* * * * *');
}
