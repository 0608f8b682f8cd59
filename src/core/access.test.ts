/**
 * The access policy: nothing crosses organizations, `can` grants exactly the relations the
 * policy table declares, and the table itself matches the roles of the product brief.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accessPolicy,
  accessScope,
  actions,
  can,
  canEver,
  proxyScopeCovers,
  proxyScopeFor,
  relations,
  type Actor,
  type Relation,
} from './access.ts';
import { roles } from './roles.ts';

const nonOrganizationRelations = relations.filter(
  (relation): relation is Exclude<Relation, 'organization'> => relation !== 'organization',
);

const actorArbitrary = fc.record({
  userId: fc.uuid(),
  organizationId: fc.uuid(),
  membershipId: fc.uuid(),
  role: fc.constantFrom(...roles),
});
const relationsArbitrary = fc.subarray(nonOrganizationRelations);

describe('can', () => {
  it('never grants anything on a resource of another organization, whatever the relations claim', () => {
    fc.assert(
      fc.property(
        actorArbitrary,
        fc.uuid(),
        fc.constantFrom(...actions),
        relationsArbitrary,
        (actor: Actor, otherOrganization, action, claimed) => {
          fc.pre(otherOrganization !== actor.organizationId);
          expect(
            can(actor, action, { organizationId: otherOrganization, relations: claimed }),
          ).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('grants within the organization exactly when a declared relation holds', () => {
    fc.assert(
      fc.property(
        actorArbitrary,
        fc.constantFrom(...actions),
        relationsArbitrary,
        (actor: Actor, action, held) => {
          const declared = accessPolicy[actor.role][action] ?? [];
          const expected =
            declared.includes('organization') ||
            declared.some((relation) => (held as Relation[]).includes(relation));
          expect(
            can(actor, action, { organizationId: actor.organizationId, relations: held }),
          ).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is denied without any relation unless the role holds the action organization-wide', () => {
    for (const role of roles) {
      for (const action of actions) {
        const actor: Actor = { userId: 'u', organizationId: 'o', membershipId: 'm', role };
        expect(can(actor, action, { organizationId: 'o', relations: [] })).toBe(
          accessScope(actor, action).includes('organization'),
        );
      }
    }
  });
});

describe('the policy table', () => {
  // The product's intent, written out independently of the table: which role may ever do what.
  const intended: Record<
    (typeof roles)[number],
    Partial<Record<(typeof actions)[number], Relation[]>>
  > = {
    patient: {
      'patient.read': ['self'],
      'patient.update': ['self'],
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
    referring_physician: {
      'patient.read': ['referrer'],
      'patient.create': ['organization'],
      'patient.invite': ['referrer'],
      'case.create': ['referrer'],
      'case.read': ['referrer'],
      'case.update': ['referrer'],
      'case.transition': ['referrer'],
    },
    coordinator: {
      'patient.read': ['organization'],
      'patient.update': ['organization'],
      'member.read': ['organization'],
      'case.read': ['organization'],
      'case.transition': ['organization'],
      'specialist.read': ['organization'],
    },
    specialist: {
      'patient.read': ['assigned'],
      'case.read': ['assigned'],
      'case.transition': ['assigned'],
      'specialist.read': ['organization'],
    },
    care_team: { 'patient.read': ['assigned'], 'case.read': ['assigned'] },
    org_admin: {
      'member.read': ['organization'],
      'member.invite': ['organization'],
      'member.deactivate': ['organization'],
      'audit.read': ['organization'],
      'settings.read': ['organization'],
      'settings.update': ['organization'],
    },
  };

  it.each(roles)('declares exactly the intended grants for %s', (role) => {
    for (const action of actions) {
      expect([...(accessPolicy[role][action] ?? [])].sort(), `${role} ${action}`).toEqual(
        [...(intended[role][action] ?? [])].sort(),
      );
    }
  });

  it('canEver agrees with the declared relations', () => {
    for (const role of roles) {
      for (const action of actions) {
        expect(canEver(role, action)).toBe((accessPolicy[role][action] ?? []).length > 0);
      }
    }
  });

  it('gives no clinical role audit, settings or member administration', () => {
    for (const role of roles.filter((candidate) => candidate !== 'org_admin')) {
      for (const action of [
        'audit.read',
        'settings.update',
        'member.invite',
        'member.deactivate',
      ] as const) {
        expect(canEver(role, action), `${role} ${action}`).toBe(false);
      }
    }
  });

  it('gives the org admin no access to patient records', () => {
    expect(canEver('org_admin', 'patient.read')).toBe(false);
    expect(canEver('org_admin', 'patient.update')).toBe(false);
  });
});

describe('proxy scopes', () => {
  it('lets a view grant read and nothing else; an act grant covers every action', () => {
    for (const action of actions) {
      const read = action === 'patient.read' || action === 'case.read';
      expect(proxyScopeFor(action), action).toBe(read ? 'view' : 'act');
      expect(proxyScopeCovers('view', action), action).toBe(read);
      expect(proxyScopeCovers('act', action), action).toBe(true);
    }
  });

  it('keeps proxy management with the patient: no proxy may delegate further', () => {
    expect(canEver('patient', 'patient.proxy.manage')).toBe(true);
    for (const role of roles.filter((candidate) => candidate !== 'patient'))
      expect(canEver(role, 'patient.proxy.manage'), role).toBe(false);
  });
});
