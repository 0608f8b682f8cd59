/**
 * Who may do what, declared as data, and the one pure function that evaluates it.
 *
 * A grant names the relations between the actor and the resource under which an action is
 * allowed. The same table drives `can()` (used on a loaded resource and in the browser to hide
 * controls) and `accessScope()` (used by repositories to turn the rule into a SQL filter), so the
 * two can never disagree. Anything not granted is denied; a denied read answers 404.
 */
import type { Role } from './roles.ts';

/** Actions on resources of an organization. */
export const actions = [
  'patient.read',
  'patient.update',
  'patient.create',
  'patient.invite',
  'patient.proxy.manage',
  'member.read',
  'member.invite',
  'member.deactivate',
  'audit.read',
  'settings.read',
  'settings.update',
  'case.create',
  'case.read',
  'case.update',
  'case.transition',
  'specialist.read',
] as const;

export type Action = (typeof actions)[number];

/**
 * How an actor relates to a resource.
 * - `organization`: any resource of the actor's own organization.
 * - `self`: the patient record of the actor's own account (or the actor's own membership).
 * - `proxy`: a patient who delegated access to the actor (active, not revoked).
 * - `referrer`: a patient the actor referred as their physician.
 * - `assigned`: a patient whose case is assigned to the actor (specialists, care team).
 *
 * For a case, the relations are those of its patient (`self`, `proxy`, `referrer`) or of its
 * assignment (`assigned`). Which transitions each role may take is declared per transition in
 * `case-lifecycle.ts`; `case.transition` only says whether the role may attempt any on the case.
 */
export const relations = ['organization', 'self', 'proxy', 'referrer', 'assigned'] as const;

export type Relation = (typeof relations)[number];

/** The access policy: for each role, each action, the relations that grant it. */
export const accessPolicy: Readonly<Record<Role, Partial<Record<Action, readonly Relation[]>>>> = {
  patient: {
    'patient.read': ['self'],
    'patient.update': ['self'],
    // Only the patient decides who may act for them (never a proxy on their behalf).
    'patient.proxy.manage': ['self'],
    'case.create': ['self'],
    'case.read': ['self'],
    'case.update': ['self'],
    'case.transition': ['self'],
  },
  proxy: {
    'patient.read': ['proxy'],
    'patient.update': ['proxy'],
    'case.create': ['proxy'],
    'case.read': ['proxy'],
    'case.update': ['proxy'],
    'case.transition': ['proxy'],
  },
  // Issue 3: a referring physician may start and complete the intake on the patient's behalf.
  referring_physician: {
    'patient.read': ['referrer'],
    // A physician registers the patient they refer, and may send the patient's invitation again.
    'patient.create': ['organization'],
    'patient.invite': ['referrer'],
    'case.create': ['referrer'],
    'case.read': ['referrer'],
    'case.update': ['referrer'],
    'case.transition': ['referrer'],
  },
  // The intake is the patient side's to write; the coordinator moves the case through triage.
  coordinator: {
    'patient.read': ['organization'],
    'patient.update': ['organization'],
    'member.read': ['organization'],
    'case.read': ['organization'],
    'case.transition': ['organization'],
    // The specialist list, to offer a case (issue 3).
    'specialist.read': ['organization'],
  },
  specialist: {
    'patient.read': ['assigned'],
    'case.read': ['assigned'],
    'case.transition': ['assigned'],
    // Colleagues, to ask one for peer review.
    'specialist.read': ['organization'],
  },
  care_team: {
    'patient.read': ['assigned'],
    'case.read': ['assigned'],
  },
  org_admin: {
    'member.read': ['organization'],
    'member.invite': ['organization'],
    'member.deactivate': ['organization'],
    'audit.read': ['organization'],
    'settings.read': ['organization'],
    'settings.update': ['organization'],
  },
};

/** What a proxy grant allows: reading only, or also acting (editing, submitting, answering). */
export const proxyScopes = ['view', 'act'] as const;

export type ProxyScope = (typeof proxyScopes)[number];

/** Actions a `view` proxy may take; every other action needs `act` (so a new action fails closed). */
const viewScopeActions: readonly Action[] = ['patient.read', 'case.read'];

/**
 * The proxy scope that `action` needs under the `proxy` relation: reads need `view` (which `act`
 * includes), anything that writes needs `act`.
 */
export function proxyScopeFor(action: Action): ProxyScope {
  return viewScopeActions.includes(action) ? 'view' : 'act';
}

/** Whether a grant of scope `granted` covers what `action` needs. */
export function proxyScopeCovers(granted: ProxyScope, action: Action): boolean {
  return granted === 'act' || proxyScopeFor(action) === 'view';
}

/** The authenticated person acting, as far as access decisions need to know. */
export interface Actor {
  userId: string;
  organizationId: string;
  membershipId: string;
  role: Role;
}

/** A resource as far as access decisions need to know: its tenant and the actor's relations to it. */
export interface ResourceAccessFacts {
  organizationId: string;
  /** Relations other than `organization` that hold between the actor and this resource. */
  relations: readonly Exclude<Relation, 'organization'>[];
}

/** The relations under which `actor` may take `action`; empty when never. */
export function accessScope(actor: Actor, action: Action): readonly Relation[] {
  return accessPolicy[actor.role][action] ?? [];
}

/**
 * Whether `actor` may take `action` on a resource. Nothing crosses organizations: a resource of
 * another organization is never accessible, whatever the relations claim.
 */
export function can(actor: Actor, action: Action, resource: ResourceAccessFacts): boolean {
  if (resource.organizationId !== actor.organizationId) return false;
  const granted = accessScope(actor, action);
  return granted.some(
    (relation) =>
      relation === 'organization' || (resource.relations as readonly Relation[]).includes(relation),
  );
}

/** Whether the role may take `action` on anything at all (used to hide whole screens). */
export function canEver(role: Role, action: Action): boolean {
  return (accessPolicy[role][action] ?? []).length > 0;
}
