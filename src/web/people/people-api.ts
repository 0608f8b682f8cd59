/**
 * The people around a patient, as the browser sees them: the patient's proxies (caregivers) and
 * their invitations, and the patients a referring physician registered. Every call goes through
 * the typed client; the patients list shares its cache key with the case screens, so a patient
 * added here can be picked there at once.
 */
import { queryOptions } from '@tanstack/react-query';
import type { ProxyScope } from '../../core/access.ts';
import { isApiError } from '../api/api-error.ts';
import { client, unwrap } from '../api/client.ts';
import type { components } from '../api/schema.gen.ts';

export type PatientView = components['schemas']['Patient'];
export type ProxyGrant = components['schemas']['ProxyGrant'];
export type ProxyInvitation = components['schemas']['ProxyInvitation'];

/** The same key as the case screens' list of patients. */
export const patientsQueryKey = ['patients'] as const;
export const proxiesQueryKey = (patientId: string) => ['patients', patientId, 'proxies'] as const;

export function patientsQueryOptions() {
  return queryOptions({
    queryKey: patientsQueryKey,
    queryFn: () => unwrap(client.GET('/api/v1/patients')),
  });
}

export function proxiesQueryOptions(patientId: string) {
  return queryOptions({
    queryKey: proxiesQueryKey(patientId),
    queryFn: () =>
      unwrap(client.GET('/api/v1/patients/{id}/proxies', { params: { path: { id: patientId } } })),
  });
}

export function inviteProxy(patientId: string, email: string, scope: ProxyScope) {
  return unwrap(
    client.POST('/api/v1/patients/{id}/proxies', {
      params: { path: { id: patientId } },
      body: { email, scope },
    }),
  );
}

export function changeProxyScope(patientId: string, grantId: string, scope: ProxyScope) {
  return unwrap(
    client.PATCH('/api/v1/patients/{id}/proxies/{grantId}', {
      params: { path: { id: patientId, grantId } },
      body: { scope },
    }),
  );
}

export function revokeProxy(patientId: string, grantId: string) {
  return unwrap(
    client.POST('/api/v1/patients/{id}/proxies/{grantId}/revoke', {
      params: { path: { id: patientId, grantId } },
      body: {},
    }),
  );
}

export function withdrawProxyInvitation(patientId: string, invitationId: string) {
  return unwrap(
    client.POST('/api/v1/patients/{id}/proxy-invitations/{invitationId}/revoke', {
      params: { path: { id: patientId, invitationId } },
      body: {},
    }),
  );
}

export function referPatient(input: {
  givenName: string;
  familyName: string;
  birthDate: string | null;
  email: string;
}) {
  return unwrap(client.POST('/api/v1/patients', { body: input }));
}

export function resendPatientInvitation(patientId: string) {
  return unwrap(
    client.POST('/api/v1/patients/{id}/invitation', {
      params: { path: { id: patientId } },
      body: {},
    }),
  );
}

export function startCaseFor(patientId: string) {
  return unwrap(client.POST('/api/v1/cases', { body: { patientId } }));
}

/** Whether `error` is the API's answer with `code` (to word known refusals for people). */
export function hasErrorCode(error: unknown, code: string): boolean {
  return isApiError(error) && error.code === code;
}
