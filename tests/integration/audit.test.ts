/**
 * The audit trail: patient reads are audited in the read's own transaction, the application's
 * database role cannot rewrite history, the hash chain detects tampering by a superuser, and the
 * organization admin's report filters, sorts, paginates and exports only its own tenant.
 */
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField } from '../../src/server/audit/audit-report.ts';
import { auditedRead, transact } from '../../src/server/app/unit-of-work.ts';
import { verifyAuditChain } from '../../src/server/audit/verify-audit-chain.ts';
import { createMember, createOrganization, type TestMember } from '../support/accounts.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let testApp: TestApp;
let superuser: pg.Client;
let adminA: TestMember;
let coordinatorA: TestMember;
let patientA: TestMember;
let adminB: TestMember;
let patientB: TestMember;
let coordinatorB: TestMember;
let readsFrom: string;
let readsTo: string;

interface ReportEvent {
  seq: number;
  occurredAt: string;
  actor: { id: string; name: string; email: string } | null;
  patientId: string | null;
  eventType: string;
}

const db = () => testApp.app.services.db;

async function lastEvent() {
  return db()
    .selectFrom('audit_events')
    .selectAll()
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
}

beforeAll(async () => {
  testApp = await startTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
  superuser = new pg.Client({ connectionString: testApp.databaseUrl });
  await superuser.connect();
  const a = await createOrganization(testApp, 'Audit A');
  const b = await createOrganization(testApp, 'Audit B');
  adminA = await createMember(testApp, a.id, 'org_admin');
  coordinatorA = await createMember(testApp, a.id, 'coordinator');
  patientA = await createMember(testApp, a.id, 'patient');
  adminB = await createMember(testApp, b.id, 'org_admin');
  coordinatorB = await createMember(testApp, b.id, 'coordinator');
  patientB = await createMember(testApp, b.id, 'patient');
  // A name built to run as a spreadsheet formula, for the CSV test.
  await db()
    .updateTable('users')
    .set({ name: '=HYPERLINK("http://evil.example","x")' })
    .where('id', '=', coordinatorA.userId)
    .execute();
  testApp.clock.advance(60_000);
  readsFrom = testApp.clock.now().toISOString();
  for (let index = 0; index < 3; index += 1) {
    expect((await coordinatorA.client.get(`/api/v1/patients/${patientA.patientId!}`)).status).toBe(
      200,
    );
    testApp.clock.advance(1_000);
  }
  expect((await coordinatorB.client.get(`/api/v1/patients/${patientB.patientId!}`)).status).toBe(
    200,
  );
  testApp.clock.advance(60_000);
  readsTo = testApp.clock.now().toISOString();
  testApp.clock.advance(60_000);
}, 60_000);

afterAll(async () => {
  await superuser?.end();
  await testApp?.close();
});

describe('patient reads', () => {
  it('write a patient.read event naming the patient and the actor', async () => {
    const before = await lastEvent();
    const response = await patientA.client.get(`/api/v1/patients/${patientA.patientId!}`);
    expect(response.status).toBe(200);
    const event = await lastEvent();
    expect(event.seq).toBe(before.seq + 1);
    expect(event).toMatchObject({
      event_type: 'patient.read',
      action: 'R',
      outcome: '0',
      patient_id: patientA.patientId,
      actor_user_id: patientA.userId,
      organization_id: patientA.organizationId,
      entity_type: 'Patient',
      entity_id: patientA.patientId,
    });
  });

  it('write nothing when the read is refused (other tenant: 404)', async () => {
    const before = await lastEvent();
    expect((await coordinatorA.client.get(`/api/v1/patients/${patientB.patientId!}`)).status).toBe(
      404,
    );
    expect((await lastEvent()).seq).toBe(before.seq);
  });

  it('fail as a whole when the audit event cannot be written (same transaction)', async () => {
    // Refuse every audit insert for a moment (a superuser's trigger): the read must fail with it.
    await superuser.query(
      `CREATE FUNCTION refuse_audit_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`,
    );
    await superuser.query(
      `CREATE TRIGGER refuse_audit_insert BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit_insert()`,
    );
    try {
      const response = await coordinatorA.client.get(`/api/v1/patients/${patientA.patientId!}`);
      expect(response.status).toBe(500);
      expect(response.body).toEqual({
        error: {
          code: 'internal_error',
          message: 'Something went wrong on our side. Try again later.',
        },
      });
      expect(response.text).not.toContain(patientA.patientId!);
    } finally {
      await superuser.query(
        'DROP TRIGGER refuse_audit_insert ON audit_events; DROP FUNCTION refuse_audit_insert()',
      );
    }
  });
});

describe('the append-only table', () => {
  it.each([
    ['UPDATE', sql`UPDATE audit_events SET outcome = '4' WHERE seq = 1`],
    ['DELETE', sql`DELETE FROM audit_events WHERE seq = 1`],
    ['TRUNCATE', sql`TRUNCATE audit_events`],
  ])('refuses %s to the application role', async (_name, statement) => {
    await expect(statement.execute(db())).rejects.toThrow(/permission denied/);
    expect((await verifyAuditChain(db())).ok).toBe(true);
  });

  it('refuses UPDATE even to the owner while the triggers are on', async () => {
    await expect(
      superuser.query(`UPDATE audit_events SET outcome = '4' WHERE seq = 1`),
    ).rejects.toThrow(/append-only/);
  });
});

describe('the hash chain', () => {
  /** Run `change` with triggers off, verify, then undo it and check the chain is whole again. */
  async function tamper(change: string, undo: string) {
    await superuser.query(`SET session_replication_role = replica`);
    await superuser.query(change);
    try {
      return await verifyAuditChain(db());
    } finally {
      await superuser.query(undo);
      await superuser.query(`SET session_replication_role = DEFAULT`);
      expect(await verifyAuditChain(db())).toMatchObject({ ok: true, problems: [] });
    }
  }

  it('chains the events of concurrent changes and reads once each, and none of rolled-back ones', async () => {
    const before = await lastEvent();
    const services = testApp.app.services;
    const marker = `concurrency-${Date.now()}`;
    const event = (details: Record<string, unknown>) => ({
      eventType: 'patient.read' as const,
      organizationId: null,
      actorUserId: null,
      details: { marker, ...details },
    });
    const changes = Array.from({ length: 30 }, (_, index) =>
      transact(services, async (unit) => {
        await unit.audit(event({ kind: 'change', index, step: 1 }));
        await unit.audit(event({ kind: 'change', index, step: 2 }));
        if (index % 3 === 0) throw new Error('rolled back on purpose');
      }),
    );
    const reads = Array.from({ length: 20 }, (_, index) =>
      auditedRead(services, async (unit) => {
        await unit.audit(event({ kind: 'read', index }));
        return index;
      }),
    );
    const outcomes = await Promise.allSettled([...changes, ...reads]);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(10);

    const rows = await db()
      .selectFrom('audit_events')
      .select(['seq', 'details'])
      .where('seq', '>', before.seq)
      .where(sql<boolean>`details->>'marker' = ${marker}`)
      .orderBy('seq')
      .execute();
    const details = rows.map(
      (row) => row.details as { kind: string; index: number; step?: number },
    );
    expect(
      details
        .filter((d) => d.kind === 'read')
        .map((d) => d.index)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 20 }, (_, index) => index));
    const changeRows = rows.filter((_, at) => details[at]!.kind === 'change');
    expect(changeRows).toHaveLength(40);
    expect(details.filter((d) => d.kind === 'change' && d.index % 3 === 0)).toEqual([]);
    // The two events of one transaction are adjacent in the chain, in the order written.
    for (const [at, row] of rows.entries()) {
      const d = details[at]!;
      if (d.kind !== 'change' || d.step !== 1) continue;
      expect(rows[at + 1]!.seq).toBe(row.seq + 1);
      expect(details[at + 1]).toMatchObject({ kind: 'change', index: d.index, step: 2 });
    }
    const queued = await db()
      .selectFrom('audit_event_queue')
      .select(db().fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(queued.n)).toBe(0);
    expect(await verifyAuditChain(db())).toMatchObject({ ok: true, problems: [] });
  });

  it('refuses to return an audited read that wrote no audit event', async () => {
    await expect(auditedRead(testApp.app.services, async () => 'patient data')).rejects.toThrow(
      /without writing its audit event/,
    );
  });

  it('verifies an intact chain', async () => {
    const result = await verifyAuditChain(db());
    const count = await db()
      .selectFrom('audit_events')
      .select(db().fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(result).toEqual({ ok: true, checked: Number(count.n), problems: [] });
  });

  it('names the row whose details changed by one byte', async () => {
    const { rows } = await superuser.query<{ seq: number; role: string }>(
      `SELECT seq::int, details->>'role' AS role FROM audit_events WHERE details ? 'role' ORDER BY seq LIMIT 1`,
    );
    const { seq, role } = rows[0]!;
    const changed = `${role.slice(0, -1)}${role.endsWith('n') ? 'm' : 'n'}`;
    const result = await tamper(
      `UPDATE audit_events SET details = jsonb_set(details, '{role}', to_jsonb('${changed}'::text)) WHERE seq = ${seq}`,
      `UPDATE audit_events SET details = jsonb_set(details, '{role}', to_jsonb('${role}'::text)) WHERE seq = ${seq}`,
    );
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      { seq, kind: 'content_changed', message: `row ${seq} was changed after it was written` },
    ]);
  });

  it('names the row after a deleted one', async () => {
    const result = await tamper(
      `CREATE TEMP TABLE saved AS SELECT * FROM audit_events WHERE seq = 4; DELETE FROM audit_events WHERE seq = 4`,
      `INSERT INTO audit_events SELECT * FROM saved; DROP TABLE saved`,
    );
    expect(result.ok).toBe(false);
    expect(result.problems.map(({ seq, kind }) => ({ seq, kind }))).toEqual([
      { seq: 5, kind: 'sequence_gap' },
      { seq: 5, kind: 'chain_broken' },
    ]);
  });

  it('names the rows whose sequence numbers were swapped', async () => {
    const swap = `UPDATE audit_events SET seq = -1 WHERE seq = 5; UPDATE audit_events SET seq = 5 WHERE seq = 6; UPDATE audit_events SET seq = 6 WHERE seq = -1`;
    const result = await tamper(swap, swap);
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ seq: 5, kind: 'chain_broken' });
    expect(result.problems.map(({ seq, kind }) => `${seq} ${kind}`)).toEqual(
      expect.arrayContaining(['5 content_changed', '6 chain_broken', '6 content_changed']),
    );
    expect(
      result.problems.every(
        (problem) => problem.seq === 5 || problem.seq === 6 || problem.seq === 7,
      ),
    ).toBe(true);
  });
});

describe('the audit report', () => {
  async function report(
    client = adminA.client,
    query = '',
  ): Promise<{ events: ReportEvent[]; nextCursor: string | null }> {
    const response = await client.get(`/api/v1/audit/events?${query}`);
    expect(response.status, response.text).toBe(200);
    return response.body;
  }

  it('filters by patient and event type', async () => {
    const { events } = await report(
      adminA.client,
      `patientId=${patientA.patientId!}&eventType=patient.read&to=${encodeURIComponent(readsTo)}`,
    );
    expect(events).toHaveLength(3);
    for (const event of events)
      expect(event).toMatchObject({
        eventType: 'patient.read',
        patientId: patientA.patientId,
        actor: { id: coordinatorA.userId, email: coordinatorA.email },
      });
  });

  it('filters by actor email (any case) and by actor id', async () => {
    const byEmail = await report(
      adminA.client,
      `actor=${encodeURIComponent(coordinatorA.email.toUpperCase())}&limit=500`,
    );
    const byId = await report(adminA.client, `actor=${coordinatorA.userId}&limit=500`);
    expect(byEmail.events.length).toBeGreaterThanOrEqual(3);
    expect(byEmail.events.every((event) => event.actor?.id === coordinatorA.userId)).toBe(true);
    expect(byId.events.map((event) => event.seq)).toEqual(byEmail.events.map((event) => event.seq));
  });

  it('filters by time: from inclusive, to exclusive', async () => {
    const { events } = await report(
      adminA.client,
      `from=${encodeURIComponent(readsFrom)}&to=${encodeURIComponent(readsTo)}&limit=500`,
    );
    expect(events.map((event) => event.eventType)).toEqual([
      'patient.read',
      'patient.read',
      'patient.read',
    ]);
    for (const event of events) {
      expect(event.occurredAt >= readsFrom && event.occurredAt < readsTo).toBe(true);
    }
  });

  it('sorts by time both ways and by event type', async () => {
    const bound = `to=${encodeURIComponent(readsTo)}&limit=500`;
    const ascending = (await report(adminA.client, `sort=occurredAt&${bound}`)).events;
    const descending = (await report(adminA.client, `sort=-occurredAt&${bound}`)).events;
    expect(ascending.length).toBeGreaterThan(5);
    expect(descending.map((event) => event.seq)).toEqual(
      [...ascending].reverse().map((event) => event.seq),
    );
    for (let index = 1; index < ascending.length; index += 1) {
      const [previous, current] = [ascending[index - 1]!, ascending[index]!];
      expect(
        previous.occurredAt < current.occurredAt ||
          (previous.occurredAt === current.occurredAt && previous.seq < current.seq),
      ).toBe(true);
    }
    const byType = (await report(adminA.client, `sort=eventType&${bound}`)).events.map(
      (event) => event.eventType,
    );
    expect(byType).toEqual([...byType].sort());
    const byTypeDescending = (await report(adminA.client, `sort=-eventType&${bound}`)).events.map(
      (event) => event.eventType,
    );
    expect(byTypeDescending).toEqual([...byType].reverse());
  });

  it.each(['occurredAt', '-occurredAt', 'eventType', '-eventType'])(
    'pages with a keyset cursor (sort %s) without duplicates or gaps',
    async (sort) => {
      const bound = `sort=${sort}&to=${encodeURIComponent(readsTo)}`;
      const all = (await report(adminA.client, `${bound}&limit=500`)).events.map(
        (event) => event.seq,
      );
      const paged: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await report(
          adminA.client,
          `${bound}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
        );
        expect(page.events.length).toBeLessThanOrEqual(2);
        paged.push(...page.events.map((event) => event.seq));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 100);
      expect(paged).toEqual(all);
      expect(new Set(paged).size).toBe(paged.length);
      expect(pages).toBe(Math.ceil(all.length / 2));
    },
  );

  it('refuses a forged cursor', async () => {
    const response = await adminA.client.get('/api/v1/audit/events?cursor=bm90LWEtY3Vyc29y');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
  });

  it("never shows another organization's events", async () => {
    const bUsers = [adminB.userId, coordinatorB.userId, patientB.userId];
    const aUsers = [adminA.userId, coordinatorA.userId, patientA.userId];
    const seenByA = (await report(adminA.client, 'limit=500')).events;
    const seenByB = (await report(adminB.client, 'limit=500')).events;
    expect(seenByA.length).toBeGreaterThan(0);
    expect(seenByB.length).toBeGreaterThan(0);
    for (const event of seenByA) {
      expect(bUsers).not.toContain(event.actor?.id);
      expect(event.patientId).not.toBe(patientB.patientId);
    }
    for (const event of seenByB) {
      expect(aUsers).not.toContain(event.actor?.id);
      expect(event.patientId).not.toBe(patientA.patientId);
    }
    const seqsOfB = new Set(seenByB.map((event) => event.seq));
    expect(seenByA.filter((event) => seqsOfB.has(event.seq))).toEqual([]);
    // Filtering on the other tenant's patient finds nothing.
    expect((await report(adminA.client, `patientId=${patientB.patientId!}`)).events).toEqual([]);
  });

  it('exports the same selection as CSV, neutralising spreadsheet formulas', async () => {
    const query = `to=${encodeURIComponent(readsTo)}&sort=occurredAt`;
    const json = (await report(adminA.client, `${query}&limit=500`)).events;
    const response = await adminA.client.get(`/api/v1/audit/events.csv?${query}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="consilium-audit.csv"',
    );
    const lines = response.text.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe(
      'seq,occurred_at,actor_id,actor_name,actor_email,on_behalf_of_id,patient_id,event_type,action,outcome,entity_type,entity_id,ip_address,details',
    );
    expect(lines.slice(1).map((line) => Number(line.split(',')[0]))).toEqual(
      json.map((event) => event.seq),
    );
    const formulaRows = lines.filter((line) => line.includes('HYPERLINK'));
    expect(formulaRows.length).toBeGreaterThanOrEqual(3);
    for (const line of formulaRows)
      expect(line).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    for (const line of lines)
      expect(line.split(',').some((field) => /^[=+\-@]/.test(field))).toBe(false);
  });

  it('quotes and neutralises CSV fields (RFC 4180, OWASP CSV injection)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('=1+2')).toBe("'=1+2");
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-1')).toBe("'-1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
  });

  it('is not available to a patient or a coordinator (404)', async () => {
    for (const client of [patientA.client, coordinatorA.client]) {
      for (const url of ['/api/v1/audit/events', '/api/v1/audit/events.csv']) {
        const response = await client.get(url);
        expect(response.status).toBe(404);
        expect(response.body).toEqual({ error: { code: 'not_found', message: 'Not found.' } });
      }
    }
  });

  it('audits viewing and exporting the report', async () => {
    const types = (
      await db()
        .selectFrom('audit_events')
        .select('event_type')
        .where('actor_user_id', '=', adminA.userId)
        .execute()
    ).map((row) => row.event_type);
    expect(types).toContain('audit.report_viewed');
    expect(types).toContain('audit.report_exported');
    expect((await verifyAuditChain(db())).ok).toBe(true);
  });
});
