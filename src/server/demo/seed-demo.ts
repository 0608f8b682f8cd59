/**
 * The demo organization a newcomer finds after `npm start` on an empty database: one member per
 * role, a patient with a proxy (caregiver) and a referring physician. Never runs in production
 * unless asked (CONSILIUM_SEED_DEMO=true).
 */
import type { Role } from '../../core/roles.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { hashPassword } from '../auth/password-hashing.ts';
import { provisionMember, provisionOrganization } from '../orgs/provision.ts';
import { seedDemoCases, type DemoPerson } from './demo-cases.ts';

export const demoPassword = 'consilium-demo-2026';

export const demoMembers: ReadonlyArray<{ role: Role; email: string; name: string }> = [
  { role: 'patient', email: 'patient@demo.consilium.test', name: 'Maria Lopez' },
  { role: 'proxy', email: 'proxy@demo.consilium.test', name: 'Daniel Lopez' },
  { role: 'referring_physician', email: 'physician@demo.consilium.test', name: 'Dr. Aisha Khan' },
  { role: 'coordinator', email: 'coordinator@demo.consilium.test', name: 'Nurse Priya Raman' },
  { role: 'specialist', email: 'specialist@demo.consilium.test', name: 'Dr. Jonas Weber' },
  { role: 'care_team', email: 'careteam@demo.consilium.test', name: 'Sam Okafor' },
  { role: 'org_admin', email: 'admin@demo.consilium.test', name: 'Grace Hopper' },
];

/** More people of the demo clinic: a second specialist and patients whose cases fill the queue. */
export const demoExtraMembers: ReadonlyArray<{
  key: string;
  role: Role;
  email: string;
  name: string;
}> = [
  {
    key: 'secondSpecialist',
    role: 'specialist',
    email: 'specialist2@demo.consilium.test',
    name: 'Dr. Elena Rossi',
  },
  { key: 'tomas', role: 'patient', email: 'tomas@demo.consilium.test', name: 'Tomás García' },
  { key: 'aiko', role: 'patient', email: 'aiko@demo.consilium.test', name: 'Aiko Tanaka' },
  { key: 'samuel', role: 'patient', email: 'samuel@demo.consilium.test', name: 'Samuel Okoye' },
  { key: 'fatima', role: 'patient', email: 'fatima@demo.consilium.test', name: 'Fatima Haddad' },
  { key: 'liam', role: 'patient', email: 'liam@demo.consilium.test', name: "Liam O'Brien" },
  { key: 'chen', role: 'patient', email: 'chen@demo.consilium.test', name: 'Chen Wei' },
];

/** Seed the demo when the database has no organization; returns the logins printed, or null. */
export async function seedDemoIfEmpty(services: Services): Promise<string[] | null> {
  const any = await services.db
    .selectFrom('organizations')
    .select('id')
    .limit(1)
    .executeTakeFirst();
  if (any !== undefined) return null;
  const passwordHash = await hashPassword(demoPassword);
  const people = await transact(services, async (unit) => {
    const organization = await provisionOrganization(unit, {
      slug: 'demo',
      name: 'Consilium Demo Clinic',
      timeZone: 'Europe/Madrid',
    });
    const created = new Map<Role, { userId: string; patientId: string | null }>();
    const byKey = new Map<string, DemoPerson>();
    for (const member of [
      ...demoMembers.map((m) => ({ ...m, key: m.role })),
      ...demoExtraMembers,
    ]) {
      const provisioned = await provisionMember(unit, {
        organizationId: organization.id,
        passwordHash,
        role: member.role,
        email: member.email,
        name: member.name,
        ...(member.role === 'patient' ? { birthDate: '1968-04-12' } : {}),
      });
      if (member.key === member.role) created.set(member.role, provisioned);
      byKey.set(member.key, { ...provisioned, organizationId: organization.id, ...member });
    }
    const patientId = created.get('patient')?.patientId;
    const proxy = created.get('proxy');
    const physician = created.get('referring_physician');
    if (patientId != null && proxy !== undefined && physician !== undefined) {
      await unit.trx
        .insertInto('patient_proxies')
        .values({
          organization_id: organization.id,
          patient_id: patientId,
          proxy_user_id: proxy.userId,
          granted_at: unit.now,
        })
        .execute();
      await unit.trx
        .insertInto('patient_referrers')
        .values({
          organization_id: organization.id,
          patient_id: patientId,
          physician_user_id: physician.userId,
          created_at: unit.now,
        })
        .execute();
    }
    return byKey;
  });
  const person = (key: string): DemoPerson => {
    const found = people.get(key);
    if (found === undefined) throw new Error(`demo member ${key} missing`);
    return found;
  };
  await seedDemoCases(services, {
    coordinator: person('coordinator'),
    specialist: person('specialist'),
    secondSpecialist: person('secondSpecialist'),
    patients: {
      maria: person('patient'),
      ...Object.fromEntries(
        ['tomas', 'aiko', 'samuel', 'fatima', 'liam', 'chen'].map((key) => [key, person(key)]),
      ),
    },
  });
  return [
    'Demo organization "Consilium Demo Clinic" created. Sign in at ' +
      services.config.http.publicUrl +
      ' with:',
    ...demoMembers.map(
      (member) => `  ${member.role.padEnd(20)} ${member.email.padEnd(34)} ${demoPassword}`,
    ),
    `  More demo members (same password): ${demoExtraMembers.map((member) => member.email).join(', ')}`,
    'Staff (coordinator, specialist, care team, admin) set up two-step verification at first sign-in.',
  ];
}
