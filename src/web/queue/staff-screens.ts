/**
 * Which roles see the staff case screens, read from core's policy tables so navigation, route
 * guards and the home page agree with what the server allows.
 */
import { accessPolicy } from '../../core/access.ts';
import { caseTransitions } from '../../core/case-lifecycle.ts';
import type { Role } from '../../core/roles.ts';

/** The organization-wide queue: roles that read every case of the organization and move them. */
export function mayWorkCaseQueue(role: Role): boolean {
  const policy = accessPolicy[role];
  return (
    (policy['case.read'] ?? []).includes('organization') &&
    (policy['case.transition'] ?? []).includes('organization')
  );
}

/** Offers and assigned cases: roles that can be offered a case (core's `accept_offer` permits). */
export function mayReceiveOffers(role: Role): boolean {
  return caseTransitions.accept_offer.by.some((permit) => permit.role === role);
}
