/**
 * Request and response schemas of the case routes. The intake change itself is core's
 * (`case-intake.ts`), shared with the browser wizard.
 */
import { z } from 'zod';
import { allergySeverities, caseDraftChangeSchema } from '../../core/case-intake.ts';
import {
  caseStates,
  caseTransitionNames,
  stageOwners,
  urgencies,
} from '../../core/case-lifecycle.ts';
import { servedCaseTransitions } from './transition-case.ts';

export const createCaseBody = z.strictObject({ patientId: z.uuid() });

export const updateCaseBody = caseDraftChangeSchema.extend({
  expectedVersion: z.number().int().positive().optional(),
});

export const transitionCaseBody = z.strictObject({
  transition: z.enum(servedCaseTransitions),
  expectedVersion: z.number().int().positive().optional(),
  note: z.string().trim().min(1).max(2000).optional(),
  recordRequest: z
    .strictObject({
      what: z.string().trim().min(1).max(500),
      why: z.string().trim().min(1).max(2000),
      dueAt: z.iso.datetime({ offset: true }),
    })
    .optional(),
  /** Required with `offer`: whom to offer the case to, and how long they have to accept. */
  offer: z
    .strictObject({
      specialistUserId: z.uuid(),
      acceptWithinHours: z.number().int().min(1).max(168).optional(),
      note: z.string().trim().min(1).max(2000).optional(),
    })
    .optional(),
  /** Required with `decline_offer`: why the specialist declines (shown to the coordinator). */
  declineReason: z.string().trim().min(1).max(2000).optional(),
  /** Required with `ask_patient`: the question put to the patient. */
  patientQuestion: z.strictObject({ text: z.string().trim().min(1).max(4000) }).optional(),
  /**
   * With `mark_ready` only: let the case proceed although the records check holds open blockers
   * (each is resolved as overridden with this reason; audited). Without it such a case answers 409.
   */
  blockerOverrideReason: z.string().trim().min(3).max(2000).optional(),
});

export const listCasesQuery = z.strictObject({
  state: z.enum(caseStates).optional(),
  urgency: z.enum(urgencies).optional(),
  overdue: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  /** A specialist's user id (assigned or holding the offer), or `unassigned`. */
  assignee: z.union([z.uuid(), z.literal('unassigned')]).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const isoOrNull = z.string().nullable();

export const caseView = z
  .object({
    id: z.uuid(),
    patientId: z.uuid(),
    state: z.enum(caseStates),
    urgency: z.enum(urgencies),
    urgencyReason: z.string().nullable(),
    conditionDescription: z.string().nullable(),
    diagnosis: z.object({ code: z.string().nullable(), text: z.string().nullable() }),
    proposedTreatment: z.string().nullable(),
    history: z.string().nullable(),
    goals: z.unknown(),
    patientName: z.string(),
    questions: z.array(z.object({ id: z.uuid(), text: z.string() })),
    medications: z.array(
      z.object({ name: z.string(), dose: z.string().nullable(), frequency: z.string().nullable() }),
    ),
    allergies: z.array(
      z.object({
        substance: z.string(),
        reaction: z.string().nullable(),
        severity: z.enum(allergySeverities).nullable(),
      }),
    ),
    devices: z.array(z.string()),
    consent: z.object({
      accepted: z.boolean(),
      version: z.string().nullable(),
      acceptedAt: isoOrNull,
      currentVersion: z.string(),
      currentText: z.string().nullable(),
    }),
    stageOwner: z.enum(stageOwners).nullable(),
    stageDeadlineAt: isoOrNull,
    submittedAt: isoOrNull,
    deliveredAt: isoOrNull,
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
    recordRequests: z.array(
      z.object({
        id: z.uuid(),
        what: z.string(),
        why: z.string(),
        dueAt: z.string(),
        status: z.enum(['open', 'fulfilled']),
        createdAt: z.string(),
        fulfilledAt: isoOrNull,
      }),
    ),
    offer: z
      .object({
        id: z.uuid(),
        specialistUserId: z.uuid(),
        specialistName: z.string(),
        offeredAt: z.string(),
        expiresAt: z.string(),
        note: z.string().nullable(),
        status: z.string(),
      })
      .nullable(),
    offers: z.array(
      z.object({
        id: z.uuid(),
        specialistUserId: z.uuid(),
        specialistName: z.string(),
        offeredAt: z.string(),
        expiresAt: z.string(),
        status: z.enum(['pending', 'accepted', 'declined', 'expired', 'withdrawn', 'ended']),
        respondedAt: isoOrNull,
        declineReason: z.string().nullable(),
        note: z.string().nullable(),
      }),
    ),
    assignedSpecialist: z
      .object({ userId: z.uuid(), name: z.string(), credentials: z.string() })
      .nullable(),
    referringPhysician: z.object({ userId: z.uuid(), name: z.string() }).nullable(),
    patientQuestions: z.array(
      z.object({
        id: z.uuid(),
        text: z.string(),
        askedAt: z.string(),
        answer: z.string().nullable(),
        answeredAt: isoOrNull,
        retractedAt: isoOrNull,
      }),
    ),
    peerReview: z
      .object({
        state: z.enum(['not_required', 'pending', 'approved', 'returned']),
        required: z.boolean(),
        reviews: z.array(
          z.object({
            id: z.uuid(),
            reviewerUserId: z.uuid(),
            reviewerName: z.string(),
            requestedAt: z.string(),
            status: z.enum(['pending', 'approved', 'returned', 'withdrawn']),
            comment: z.string().nullable(),
            decidedAt: isoOrNull,
          }),
        ),
      })
      .nullable(),
    opinion: z.object({
      versions: z.array(
        z.object({
          id: z.uuid(),
          sequence: z.number().int(),
          kind: z.enum(['opinion', 'addendum']),
          signedAt: z.string(),
          signerName: z.string(),
          verificationCode: z.string(),
          current: z.boolean(),
        }),
      ),
      draftVersion: z.number().int().nullable(),
    }),
    followUps: z.array(
      z.object({
        id: z.uuid(),
        text: z.string(),
        askedAt: z.string(),
        answeredAt: isoOrNull,
        answeredVersionId: z.uuid().nullable(),
      }),
    ),
    followUpAllowance: z.object({
      limit: z.number().int(),
      asked: z.number().int(),
      windowEndsAt: isoOrNull,
    }),
    receipts: z.array(
      z.object({
        id: z.uuid(),
        versionId: z.uuid(),
        sequence: z.number().int(),
        recipientUserId: z.uuid(),
        recipientName: z.string(),
        sentAt: z.string(),
        remindedAt: isoOrNull,
        confirmedAt: isoOrNull,
      }),
    ),
    timeline: z.array(
      z.object({
        id: z.uuid(),
        occurredAt: z.string(),
        actorUserId: z.uuid().nullable(),
        kind: z.enum(['created', 'transition', 'event']),
        transition: z.enum(caseTransitionNames).nullable(),
        event: z.string().nullable(),
        fromState: z.enum(caseStates).nullable(),
        toState: z.enum(caseStates).nullable(),
        note: z.string().nullable(),
      }),
    ),
    availableTransitions: z.array(
      z.object({
        name: z.enum(caseTransitionNames),
        to: z.enum(caseStates),
        failures: z.array(z.string()),
      }),
    ),
  })
  .meta({ id: 'Case' });

export const caseListView = z.object({
  cases: z.array(
    z.object({
      id: z.uuid(),
      patientId: z.uuid(),
      patientName: z.string(),
      state: z.enum(caseStates),
      urgency: z.enum(urgencies),
      stageOwner: z.enum(stageOwners).nullable(),
      assignedSpecialistUserId: z.uuid().nullable(),
      assignedSpecialistName: z.string().nullable(),
      stageDeadlineAt: isoOrNull,
      overdue: z.boolean(),
      submittedAt: isoOrNull,
      createdAt: z.string(),
      updatedAt: z.string(),
      version: z.number().int(),
    }),
  ),
  nextCursor: z.string().nullable(),
  /** Cases per state across the organization, for staff who see the whole queue; else null. */
  counts: z.record(z.enum(caseStates), z.number().int()).nullable(),
});

/** The answer to a step that ended the caller's access (a declined offer). */
export const caseAccessEnded = z
  .object({ id: z.uuid(), state: z.enum(caseStates), accessEnded: z.literal(true) })
  .meta({ id: 'CaseAccessEnded' });
