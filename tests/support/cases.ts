/**
 * Cases for tests: started and submitted over HTTP like the patient side does, or put straight
 * into a state (and assigned) in the database when the test is about what happens afterwards.
 */
import { expect } from 'vitest';
import { stageOwnerOf, type CaseState } from '../../src/core/case-lifecycle.ts';
import type { TestApp, TestClient } from './test-app.ts';

/** Starts a draft case for `patientId` as `client`; returns its id. */
export async function startCase(client: TestClient, patientId: string): Promise<string> {
  const response = await client.post<{ id: string }>('/api/v1/cases', { patientId });
  expect(response.status, response.text).toBe(201);
  return response.body.id;
}

/** Starts a case, saves `intake` on it and submits it; returns its id. */
export async function submitCase(
  client: TestClient,
  patientId: string,
  intake: Record<string, unknown>,
): Promise<string> {
  const caseId = await startCase(client, patientId);
  const patched = await client.request('PATCH', `/api/v1/cases/${caseId}`, intake);
  expect(patched.status, patched.text).toBe(200);
  const submitted = await client.post(`/api/v1/cases/${caseId}/transitions`, {
    transition: 'submit',
  });
  expect(submitted.status, submitted.text).toBe(200);
  return caseId;
}

/** Puts the case straight into `state` (with that state's stage owner), bypassing transitions. */
export async function setCaseState(
  testApp: TestApp,
  caseId: string,
  state: CaseState,
): Promise<void> {
  await testApp.app.services.db
    .updateTable('cases')
    .set({ state, stage_owner: stageOwnerOf[state] })
    .where('id', '=', caseId)
    .execute();
}

/** Makes `userId` the case's assigned specialist, straight in the database. */
export async function assignSpecialist(
  testApp: TestApp,
  caseId: string,
  userId: string,
): Promise<void> {
  await testApp.app.services.db
    .updateTable('cases')
    .set({ assigned_specialist_user_id: userId })
    .where('id', '=', caseId)
    .execute();
}
