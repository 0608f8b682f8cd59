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
});

export const listCasesQuery = z.strictObject({
  state: z.enum(caseStates).optional(),
  urgency: z.enum(urgencies).optional(),
  overdue: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
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
    }),
    stageOwner: z.enum(stageOwners).nullable(),
    stageDeadlineAt: isoOrNull,
    submittedAt: isoOrNull,
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
    timeline: z.array(
      z.object({
        id: z.uuid(),
        occurredAt: z.string(),
        actorUserId: z.uuid().nullable(),
        kind: z.enum(['created', 'transition']),
        transition: z.enum(caseTransitionNames).nullable(),
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
