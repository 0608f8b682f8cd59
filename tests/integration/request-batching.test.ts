/**
 * Doing less work per request under load without changing what any request gets
 * (docs/performance.md): sessions looked up together, the audit events of reads written together,
 * identical queue pages read once for the requests that overlap, the statements prepared, and the
 * audit chain's trigger planned so that it stays fast as the trail grows. Each is checked for
 * what a caller sees: the right answer, its own audit event, no session taken for open after it
 * ended, no page read before the request asked for it.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditEvents } from '../../src/server/audit/audit-repository.ts';
import { verifyAuditChain } from '../../src/server/audit/verify-audit-chain.ts';
import { prepareFrequentStatements } from '../../src/server/db/statement-cache.ts';
import { createMember, createOrganization, type TestMember } from '../support/accounts.ts';
import { submitCase } from '../support/cases.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface ListBody {
  cases: Array<{ id: string; state: string }>;
  counts: Record<string, number> | null;
}

let testApp: TestApp;
let organizationId: string;
let patient: TestMember;
let coordinators: TestMember[];

const db = () => testApp.app.services.db;

const intake = {
  conditionDescription: 'Headaches every morning for three months.',
  diagnosisCode: 'G44.209',
  diagnosisText: 'Tension-type headache, unspecified, not intractable',
  proposedTreatment: 'Amitriptyline at night',
  history: 'None.',
  goals: {
    whatMatters: 'Working without pain',
    opinionScope: 'national',
    preferredLanguage: 'en',
    writtenOnly: true,
  },
  questions: ['Is the medicine right for me?'],
  medications: [],
  allergies: [],
  devices: [],
  consentAccepted: true,
};

async function listedEvents(actorUserId: string): Promise<number> {
  const row = await db()
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('event_type', '=', 'case.listed')
    .where('actor_user_id', '=', actorUserId)
    .executeTakeFirstOrThrow();
  return row.count;
}

beforeAll(async () => {
  testApp = await startTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
  const organization = await createOrganization(testApp, 'Busy Desk Clinic');
  organizationId = organization.id;
  await db()
    .updateTable('organizations')
    .set({ consent_version: '2026-03' })
    .where('id', '=', organizationId)
    .execute();
  patient = await createMember(testApp, organizationId, 'patient');
  coordinators = [
    await createMember(testApp, organizationId, 'coordinator'),
    await createMember(testApp, organizationId, 'coordinator'),
    await createMember(testApp, organizationId, 'coordinator'),
  ];
  for (let index = 0; index < 3; index += 1)
    await submitCase(patient.client, patient.patientId!, intake);
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('many identical queue requests at once', () => {
  it('answers each with the same page and audits each on its own, with the cases it showed', async () => {
    const before = await Promise.all(coordinators.map((member) => listedEvents(member.userId)));
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        coordinators[index % 3]!.client.get<ListBody>('/api/v1/cases'),
      ),
    );
    for (const response of responses) expect(response.status, response.text).toBe(200);
    const pages = new Set(responses.map((response) => JSON.stringify(response.body)));
    expect(pages.size).toBe(1);
    const shown = responses[0]!.body.cases.map((entry) => entry.id);
    expect(shown).toHaveLength(3);

    const after = await Promise.all(coordinators.map((member) => listedEvents(member.userId)));
    expect(after.map((count, index) => count - before[index]!)).toEqual([20, 20, 20]);
    const recent = await db()
      .selectFrom('audit_events')
      .select(['details', 'organization_id'])
      .where('event_type', '=', 'case.listed')
      .orderBy('seq', 'desc')
      .limit(60)
      .execute();
    for (const event of recent) {
      expect(event.organization_id).toBe(organizationId);
      expect(event.details).toEqual({ count: 3, caseIds: shown });
    }
    expect((await verifyAuditChain(db())).ok).toBe(true);
  });

  it('never answers with a page read before the request: a case submitted a moment ago is on it', async () => {
    // Keep the queue busy with identical requests, so that a shared read is always running.
    let hammering = true;
    const hammer = (async () => {
      while (hammering) {
        await Promise.all(
          Array.from({ length: 8 }, () => coordinators[0]!.client.get('/api/v1/cases')),
        );
      }
    })();
    try {
      for (let round = 0; round < 4; round += 1) {
        const caseId = await submitCase(patient.client, patient.patientId!, intake);
        const page = await coordinators[1]!.client.get<ListBody>('/api/v1/cases?limit=100');
        expect(page.status, page.text).toBe(200);
        expect(page.body.cases.map((entry) => entry.id)).toContain(caseId);
        expect(page.body.counts?.['submitted']).toBe(page.body.cases.length);
      }
    } finally {
      hammering = false;
      await hammer;
    }
  });

  it('keeps what one caller may see from another: a patient asking alongside staff gets only their own cases', async () => {
    const other = await createMember(testApp, organizationId, 'patient');
    const [staffPage, ownPage, otherPage] = await Promise.all([
      coordinators[0]!.client.get<ListBody>('/api/v1/cases?limit=100'),
      patient.client.get<ListBody>('/api/v1/cases?limit=100'),
      other.client.get<ListBody>('/api/v1/cases?limit=100'),
    ]);
    expect(staffPage.body.counts).not.toBeNull();
    expect(ownPage.body.counts).toBeNull();
    expect(ownPage.body.cases.length).toBe(staffPage.body.cases.length);
    expect(otherPage.status).toBe(200);
    expect(otherPage.body.cases).toEqual([]);
  });
});

describe('sessions looked up together', () => {
  it('refuses every request of a session that ended, however many arrive with it', async () => {
    const leaving = await createMember(testApp, organizationId, 'coordinator');
    const staying = await createMember(testApp, organizationId, 'coordinator');
    // A copy of the browser's cookies from before signing out, as a second tab would hold them.
    const stale = testApp.client();
    for (const [name, value] of leaving.client.cookies) stale.cookies.set(name, value);
    expect((await leaving.client.post('/api/v1/auth/sign-out')).status).toBe(204);
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        (index % 2 === 0 ? stale : staying.client).get('/api/v1/cases'),
      ),
    );
    responses.forEach((response, index) => {
      expect(response.status, `request ${index}`).toBe(index % 2 === 0 ? 401 : 200);
    });
  });
});

describe('prepared statements', () => {
  it('prepares a statement on its second use, never BEGIN or SET, and no more than the limit', async () => {
    const client = new pg.Client({ connectionString: testApp.databaseUrl });
    await client.connect();
    try {
      prepareFrequentStatements(client, { minUses: 2, maxPrepared: 2 });
      const prepared = async () =>
        (
          await client.query<{ statement: string }>(
            'SELECT statement FROM pg_prepared_statements ORDER BY prepare_time',
          )
        ).rows.map((row) => row.statement);
      await client.query('SELECT $1::int AS one', [1]);
      expect(await prepared()).toEqual([]);
      const second = await client.query<{ one: number }>('SELECT $1::int AS one', [2]);
      expect(second.rows).toEqual([{ one: 2 }]);
      expect(await prepared()).toEqual(['SELECT $1::int AS one']);
      for (let index = 0; index < 3; index += 1) await client.query('BEGIN', []);
      await client.query('ROLLBACK', []);
      for (let index = 0; index < 3; index += 1) {
        await client.query("SELECT set_config('application_name', $1, false)", ['x']);
        await client.query('SELECT $1::text AS two', ['b']);
      }
      expect(await prepared()).toEqual([
        'SELECT $1::int AS one',
        "SELECT set_config('application_name', $1, false)",
      ]);
      // The limit is reached: further texts still run, unprepared.
      expect((await client.query('SELECT $1::text AS two', ['c'])).rows).toEqual([{ two: 'c' }]);
      expect(await prepared()).toHaveLength(2);
    } finally {
      await client.end();
    }
  });

  it("is on for the application's pools: a statement run twice on a connection is prepared there", async () => {
    await testApp.app.services.readDb.connection().execute(async (connection) => {
      const page = () =>
        connection
          .selectFrom('cases')
          .select('id')
          .where('organization_id', '=', organizationId)
          .limit(5)
          .execute();
      await page();
      await page();
      const { rows } = await sql<{ statement: string }>`
        SELECT statement FROM pg_prepared_statements`.execute(connection);
      expect(rows.map((row) => row.statement)).toContain(
        'select "id" from "cases" where "organization_id" = $1 limit $2',
      );
    });
  });
});

describe("the audit chain's trigger as the trail grows", () => {
  it('plans its lookups without a sequential scan, so a plan kept from a small trail stays fast', async () => {
    const { rows } = await sql<{ config: string[] }>`
      SELECT proconfig AS config FROM pg_proc WHERE proname = 'audit_chain_queued_event'`.execute(
      db(),
    );
    expect(rows[0]!.config).toContain('enable_seqscan=off');
  });

  it('chains events on a long-lived connection without scanning the trail as it grows', async () => {
    const event = (index: number) => ({
      occurredAt: testApp.clock.now(),
      event: {
        eventType: 'case.listed' as const,
        organizationId,
        actorUserId: coordinators[0]!.userId,
        entityType: 'Case',
        details: { count: index },
      },
    });
    /** Sequential scans of the trail so far, with this connection's own counted in. */
    const seqScans = async (connection: Parameters<typeof appendAuditEvents>[0]) => {
      await sql`SELECT pg_stat_force_next_flush()`.execute(connection);
      const { rows } = await sql<{ count: number }>`
        SELECT seq_scan::int AS count FROM pg_stat_user_tables
          WHERE relname = 'audit_events'`.execute(connection);
      return rows[0]!.count;
    };
    await db()
      .connection()
      .execute(async (connection) => {
        // This connection plans the trigger's statements now; then the trail grows.
        await appendAuditEvents(connection, [event(0)]);
        const batch = Array.from({ length: 3000 }, (_, index) => event(index + 1));
        for (let start = 0; start < batch.length; start += 500)
          await appendAuditEvents(testApp.app.services.readDb, batch.slice(start, start + 500));
        const before = await seqScans(connection);
        for (let index = 0; index < 5; index += 1)
          await appendAuditEvents(connection, [event(3001 + index)]);
        expect(await seqScans(connection)).toBe(before);
      });
    expect((await verifyAuditChain(db(), 5)).ok).toBe(true);
  });
});
