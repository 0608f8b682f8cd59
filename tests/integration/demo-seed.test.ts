/**
 * The demo a newcomer finds after `npm start`: one member per role and cases in every state of the
 * lifecycle, made through the real use cases (so the audit chain and the seals hold), and seeded
 * once only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseStates } from '../../src/core/case-lifecycle.ts';
import { seedDemoIfEmpty } from '../../src/server/demo/seed-demo.ts';
import { verifyAuditChain } from '../../src/server/audit/verify-audit-chain.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await startTestApp();
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('the demo seed', () => {
  it('creates cases in every state, with an intact audit chain, and only once', async () => {
    const services = testApp.app.services;
    const lines = await seedDemoIfEmpty(services);
    expect(lines?.join('\n')).toContain('patient@demo.consilium.test');
    const rows = await services.db
      .selectFrom('cases')
      .select(['state', services.db.fn.countAll<string>().as('count')])
      .groupBy('state')
      .execute();
    const seen = new Set(rows.map((row) => row.state));
    // The counters the queue shows, kept by trigger through every transition, match a recount.
    const kept = await services.db
      .selectFrom('case_state_counts')
      .select(['state', 'count'])
      .where('count', '>', 0)
      .execute();
    expect(Object.fromEntries(kept.map((row) => [row.state, row.count]))).toEqual(
      Object.fromEntries(rows.map((row) => [row.state, Number(row.count)])),
    );
    expect([...caseStates].filter((state) => !seen.has(state))).toEqual([]);
    // Nothing in the demo history lies in the future.
    const latest = await services.db
      .selectFrom('case_timeline')
      .select((eb) => eb.fn.max('occurred_at').as('latest'))
      .executeTakeFirstOrThrow();
    expect(new Date(latest.latest as unknown as string).getTime()).toBeLessThanOrEqual(
      testApp.clock.now().getTime(),
    );
    const signed = await services.db.selectFrom('opinion_versions').select('id').execute();
    expect(signed.length).toBeGreaterThanOrEqual(5);
    expect((await verifyAuditChain(services.db)).ok).toBe(true);
    // The demo's cases come without records: those their checklist holds back went on to
    // matching by the coordinator's override, on the record with its reason.
    const overrides = await services.db
      .selectFrom('audit_events')
      .select('details')
      .where('event_type', '=', 'record.blockers_overridden')
      .execute();
    expect(overrides.length).toBeGreaterThan(0);
    for (const { details } of overrides)
      expect(details).toMatchObject({ reason: expect.stringMatching(/^Demo data/) });
    // The seeded history leaves in-app notifications but sends no email.
    const inbox = await services.db.selectFrom('notifications').select('id').execute();
    expect(inbox.length).toBeGreaterThan(10);
    const outbox = await services.db.selectFrom('mail_outbox').select('id').execute();
    expect(outbox).toEqual([]);
    expect(await seedDemoIfEmpty(services)).toBeNull();
  }, 120_000);
});
