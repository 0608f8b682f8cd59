/**
 * Reading and correcting patient demographics. Every read and write is access-checked (as a SQL
 * filter) and audited in the same transaction; what the actor may not see answers 404.
 */
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { findVisiblePatient, findVisiblePatients } from './patient-repository.ts';

type PatientRow = Awaited<ReturnType<typeof findVisiblePatients>>[number];

function toView(row: PatientRow) {
  return {
    id: row.id,
    givenName: row.given_name,
    familyName: row.family_name,
    birthDate: row.birth_date,
    hasAccount: row.user_id !== null,
    createdAt: row.created_at.toISOString(),
  };
}

function origin(context: RequestContext) {
  const actor = requireActor(context);
  return {
    organizationId: actor.organizationId,
    actorUserId: actor.userId,
    ipAddress: context.ipAddress,
    userAgent: context.userAgent,
  };
}

export async function listPatients(services: Services, context: RequestContext) {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const rows = await findVisiblePatients(unit.trx, actor, 200);
    await unit.audit({
      ...origin(context),
      eventType: 'patient.list',
      entityType: 'Patient',
      details: { count: rows.length, patientIds: rows.map((row) => row.id) },
    });
    return rows.map(toView);
  });
}

export async function getPatient(services: Services, context: RequestContext, patientId: string) {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const row = await findVisiblePatient(unit.trx, actor, 'patient.read', patientId);
    if (row === undefined) throw new AppError('not_found');
    await unit.audit({
      ...origin(context),
      eventType: 'patient.read',
      patientId: row.id,
      entityType: 'Patient',
      entityId: row.id,
    });
    return toView(row);
  });
}

export async function correctPatient(
  services: Services,
  context: RequestContext,
  patientId: string,
  changes: {
    givenName?: string | undefined;
    familyName?: string | undefined;
    birthDate?: string | null | undefined;
  },
) {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const row = await findVisiblePatient(unit.trx, actor, 'patient.update', patientId);
    if (row === undefined) throw new AppError('not_found');
    const updated = await unit.trx
      .updateTable('patients')
      .set({
        ...(changes.givenName === undefined ? {} : { given_name: changes.givenName }),
        ...(changes.familyName === undefined ? {} : { family_name: changes.familyName }),
        ...(changes.birthDate === undefined ? {} : { birth_date: changes.birthDate }),
        updated_at: unit.now,
      })
      .where('id', '=', row.id)
      .returning([
        'id',
        'organization_id',
        'user_id',
        'given_name',
        'family_name',
        'birth_date',
        'created_at',
      ])
      .executeTakeFirstOrThrow();
    await unit.audit({
      ...origin(context),
      eventType: 'patient.updated',
      patientId: row.id,
      entityType: 'Patient',
      entityId: row.id,
      details: {
        fields: Object.keys(changes).filter(
          (key) => changes[key as keyof typeof changes] !== undefined,
        ),
      },
    });
    return toView(updated);
  });
}
