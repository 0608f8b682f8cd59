/**
 * Coordinator-queue benchmark: the queue's first page and filtered pages of `GET /api/v1/cases`
 * over real HTTP, 50 concurrent connections, against the real app on its own embedded PostgreSQL
 * holding 50,000 cases. Target from the queue issue: p95 under 50 ms for each page.
 *
 * The app runs in this process's main thread exactly as `consilium start` builds it
 * (`startConsilium`); the load comes from autocannon in a worker thread of this same module, so
 * that the load generator does not share the server's event loop. Latencies are recorded per response and the
 * percentiles computed here (nearest rank), because autocannon reports p97.5 and p99 but no p95.
 * Run with `npm run bench:queue` (not part of `npm test`); docs/performance.md has the figures.
 */
import autocannon from 'autocannon';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import pg from 'pg';
import { caseStates, stageOwnerOf, type CaseState } from '../src/core/case-lifecycle.ts';
import type { Consilium } from '../src/server/app/app.ts';
import { sessionCookieName } from '../src/server/auth/session-cookie.ts';
import { createMember, createOrganization } from '../tests/support/accounts.ts';
import { cookieHeader, percentile, startBenchServer } from './support.ts';

const seededCases = 50_000;
const seededPatients = 10_000;
const seededSpecialists = 40;
const connections = 50;
/** Coordinators signed in for the scenario that spreads requests over many sessions. */
const coordinatorSessions = 20;
const warmUpSeconds = 3;
const measureSeconds = 10;
const p95TargetMs = 50;

/**
 * Share of cases per state, in per mille (sums to 1,000): an organization some years in, most
 * cases finished, a few hundred in each working stage.
 */
const stateShares: Readonly<Record<CaseState, number>> = {
  draft: 40,
  submitted: 40,
  triage: 60,
  awaiting_records: 40,
  ready_for_matching: 30,
  offered: 30,
  accepted: 30,
  in_review: 60,
  awaiting_patient: 20,
  opinion_signed: 10,
  delivered: 40,
  follow_up: 50,
  closed: 450,
  withdrawn: 50,
  cancelled: 50,
};

interface Scenario {
  name: string;
  path: string;
  connections: number;
  /** Held to the p95 target; the single-connection run only shows the time one request takes. */
  target: boolean;
  /**
   * `coordinators`: each request from the next of the coordinators' sessions in turn, as a desk of
   * many people would send them. `distinct`: no two requests in flight ask for the same page
   * (`limit` varies from 26 to 75), so that none can share a read: the cost of a page on its own.
   */
  vary?: 'coordinators' | 'distinct';
}

const scenarios: readonly Scenario[] = [
  { name: 'first page, 1 connection', path: '/api/v1/cases', connections: 1, target: false },
  { name: 'first page (default sort)', path: '/api/v1/cases', connections, target: true },
  {
    name: 'triage + urgent',
    path: '/api/v1/cases?state=triage&urgency=urgent',
    connections,
    target: true,
  },
  { name: 'overdue', path: '/api/v1/cases?overdue=true', connections, target: true },
  {
    name: `first page, ${coordinatorSessions} coordinators`,
    path: '/api/v1/cases',
    connections,
    target: true,
    vary: 'coordinators',
  },
  {
    name: 'pages no two alike',
    path: '/api/v1/cases',
    connections,
    target: false,
    vary: 'distinct',
  },
];

// ---------------------------------------------------------------------------------------------
// The load generator, in a worker thread.

interface LoadJob {
  url: string;
  /** Cookie headers, used in turn, one per request. */
  cookies: string[];
  /** Query strings appended to the URL in turn, one per request (none: the URL as is). */
  queries: string[];
  connections: number;
  seconds: number;
}

interface LoadResult {
  /** Milliseconds per response, in completion order. */
  latencies: Float64Array;
  seconds: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
}

type LoadAnswer = { ok: true; result: LoadResult } | { ok: false; message: string };

/** The fields of autocannon's result before aggregation (`skipAggregateResult`). */
interface RawAutocannonResult {
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
}

const loadWorkerMarker = 'coordinator-queue-load';

async function driveLoad(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const raw = await new Promise<RawAutocannonResult>((resolve, reject) => {
    let sent = 0;
    const url = new URL(job.url);
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: job.seconds,
        headers: { cookie: job.cookies[0]!, accept: 'application/json' },
        requests: [
          {
            setupRequest: (request) => {
              const index = sent;
              sent += 1;
              const query =
                job.queries.length === 0 ? '' : job.queries[index % job.queries.length]!;
              return {
                ...request,
                path: `${url.pathname}${url.search}${query}`,
                headers: {
                  ...request.headers,
                  cookie: job.cookies[index % job.cookies.length]!,
                },
              };
            },
          },
        ],
        // A cheap check that each answer is a page with at least one case; the full shape is
        // checked once per scenario before the load.
        verifyBody: (body) => typeof body === 'string' && body.includes('"cases":[{"id":"'),
        skipAggregateResult: true,
      },
      (error: unknown, result) => {
        // With skipAggregateResult the result holds the raw counters (RawAutocannonResult).
        if (error === null || error === undefined) resolve(result);
        else reject(new Error('autocannon failed', { cause: error }));
      },
    );
    instance.on('response', (_client, _statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
  return {
    latencies: Float64Array.from(latencies),
    seconds: (performance.now() - started) / 1000,
    non2xx: raw.non2xx,
    errors: raw.errors,
    timeouts: raw.timeouts,
    mismatches: raw.mismatches,
  };
}

if (!isMainThread && workerData === loadWorkerMarker) {
  parentPort?.on('message', (job: LoadJob) => {
    driveLoad(job).then(
      (result) => parentPort?.postMessage({ ok: true, result } satisfies LoadAnswer),
      (error: unknown) =>
        parentPort?.postMessage({ ok: false, message: String(error) } satisfies LoadAnswer),
    );
  });
}

/** One worker thread for the whole run; it drives one load job at a time. */
function startLoadWorker() {
  const worker = new Worker(new URL(import.meta.url), { workerData: loadWorkerMarker });
  return {
    run(job: LoadJob): Promise<LoadResult> {
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        worker.once('error', onError);
        worker.once('message', (answer: LoadAnswer) => {
          worker.off('error', onError);
          if (answer.ok) resolve(answer.result);
          else reject(new Error(`load worker: ${answer.message}`));
        });
        worker.postMessage(job);
      });
    },
    close: () => worker.terminate(),
  };
}

// ---------------------------------------------------------------------------------------------
// Seeding.

/**
 * 10,000 patients, 40 specialists and 50,000 cases in one organization, set-based. Deterministic:
 * the state, urgency, deadline, patient and specialist of case g are arithmetic on g. Each working
 * stage has a deadline between 3 days ago and 17 days ahead (about 15 % of them overdue), drafts
 * and finished cases none, as the lifecycle sets them; cases from acceptance on have their
 * specialist, offered ones a pending offer; each case has one to three questions and its creation
 * entry.
 */
async function seedCases(
  admin: pg.Client,
  organizationId: string,
  creatorUserId: string,
): Promise<void> {
  let lower = 0;
  const stateRows = caseStates.map((state) => {
    const row = { state, owner: stageOwnerOf[state], lower, upper: lower + stateShares[state] };
    lower = row.upper;
    return row;
  });
  if (lower !== 1000) throw new Error(`state shares sum to ${lower}, not 1000`);
  const statesJson = JSON.stringify(stateRows);
  await admin.query('BEGIN');
  await admin.query(
    `INSERT INTO patients (organization_id, given_name, family_name, birth_date, created_at, updated_at)
     SELECT $1,
            (ARRAY['Ada','Ben','Chloe','Dmitri','Elif','Farah','Goran','Hana','Ines','Jonas'])[1 + g % 10],
            (ARRAY['Okafor','Lindqvist','Moreau','Tanaka','Silva','Novak','Haddad','Kowalski','Byrne','Ivanova','Mensah','Rossi'])[1 + (g / 10) % 12] || '-' || g,
            date '1940-01-01' + (g * 7919) % 29000,
            now() - interval '2 years',
            now() - interval '2 years'
     FROM generate_series(1, $2::int) AS g`,
    [organizationId, seededPatients],
  );
  await admin.query(
    `WITH specialists AS (
       INSERT INTO users (email, name, email_verified_at)
       SELECT 'specialist-' || g || '@queue-bench.example', 'Dr Specialist ' || g, now()
       FROM generate_series(1, $2::int) AS g
       RETURNING id
     )
     INSERT INTO memberships (organization_id, user_id, role)
     SELECT $1, id, 'specialist' FROM specialists`,
    [organizationId, seededSpecialists],
  );
  await admin.query(
    `WITH states AS (
       SELECT * FROM jsonb_to_recordset($4::jsonb) AS s(state text, owner text, lower int, upper int)
     ),
     numbered AS (
       SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM patients WHERE organization_id = $1
     ),
     specialists AS (
       SELECT array_agg(user_id ORDER BY user_id) AS ids
       FROM memberships WHERE organization_id = $1 AND role = 'specialist'
     ),
     drawn AS (
       SELECT g::int AS g,
              ((g * 7919) % 1000)::int AS bucket,
              now() - ((g * 104729) % 730)::int * interval '1 day' AS created,
              now() + (((g * 15485863) % (20 * 24 * 60)) - 3 * 24 * 60)::int * interval '1 minute' AS deadline
       FROM generate_series(1::bigint, $3::bigint) AS g
     )
     INSERT INTO cases (organization_id, patient_id, created_by_user_id, state, urgency, urgency_reason,
                        condition_description, diagnosis_code, diagnosis_text, proposed_treatment, history,
                        consent_version, consent_accepted_at, stage_owner, stage_deadline_at, submitted_at,
                        assigned_specialist_user_id, delivered_at, follow_up_window_ends_at, closed_at,
                        created_at, updated_at, version)
     SELECT $1, numbered.id, $2, s.state,
            CASE WHEN d.g % 5 = 0 THEN 'urgent' ELSE 'routine' END,
            CASE WHEN d.g % 5 = 0 THEN 'Treatment decision due within two weeks' END,
            'Persistent symptoms since last year; the treating team proposes surgery.',
            (ARRAY['C50911','I4891','M5416','E1165','G35','K5090'])[1 + d.g % 6],
            'Working diagnosis from the referring clinic',
            'Surgical resection followed by adjuvant therapy',
            'Previous treatment with limited effect.',
            CASE WHEN s.state = 'draft' THEN NULL ELSE '1' END,
            CASE WHEN s.state = 'draft' THEN NULL ELSE d.created + interval '1 day' END,
            s.owner,
            CASE WHEN s.state IN ('draft', 'closed', 'withdrawn', 'cancelled') THEN NULL ELSE d.deadline END,
            CASE WHEN s.state = 'draft' THEN NULL ELSE d.created + interval '1 day' END,
            CASE WHEN s.state IN ('accepted', 'in_review', 'awaiting_patient', 'opinion_signed', 'delivered', 'follow_up', 'closed')
                 THEN specialists.ids[1 + d.g % cardinality(specialists.ids)] END,
            CASE WHEN s.state IN ('delivered', 'follow_up', 'closed') THEN d.created + interval '2 days' END,
            CASE WHEN s.state IN ('delivered', 'follow_up') THEN now() + (1 + d.g % 29) * interval '1 day' END,
            CASE WHEN s.state = 'closed' THEN d.created + interval '2 days' END,
            d.created,
            d.created + interval '2 days',
            1 + d.g % 7
     FROM drawn d
     JOIN states s ON d.bucket >= s.lower AND d.bucket < s.upper
     JOIN numbered ON numbered.n = d.g % $5::int
     CROSS JOIN specialists`,
    [organizationId, creatorUserId, seededCases, statesJson, seededPatients],
  );
  await admin.query(
    `INSERT INTO case_offers (case_id, specialist_user_id, offered_by_user_id, offered_at, expires_at)
     SELECT c.id, m.user_id, c.created_by_user_id, now() - interval '1 day', now() + interval '1 day' + c.version * interval '1 hour'
     FROM cases c
     JOIN LATERAL (
       SELECT user_id FROM memberships
       WHERE organization_id = c.organization_id AND role = 'specialist'
       ORDER BY user_id OFFSET c.version LIMIT 1
     ) m ON true
     WHERE c.organization_id = $1 AND c.state = 'offered'`,
    [organizationId],
  );
  await admin.query(
    `INSERT INTO case_questions (case_id, position, text)
     SELECT c.id, q, (ARRAY['Is the proposed surgery necessary?','Are there less invasive options?','What follow-up do you advise?'])[1 + q]
     FROM cases c, generate_series(0, 2) AS q
     WHERE c.organization_id = $1 AND q <= c.version % 3`,
    [organizationId],
  );
  await admin.query(
    `INSERT INTO case_timeline (case_id, occurred_at, actor_user_id, kind, to_state)
     SELECT id, created_at, created_by_user_id, 'created', 'draft' FROM cases WHERE organization_id = $1`,
    [organizationId],
  );
  // The state a live system is in once its deadline sweep has run: overdue stages already
  // escalated, deadlines of the next day already announced. Without it the first sweep during the
  // load would escalate thousands of stages at once, which is not what the queue meets day to day.
  await admin.query(
    `UPDATE cases SET escalated_deadline_at = stage_deadline_at
     WHERE organization_id = $1 AND stage_deadline_at <= now() + interval '10 minutes'`,
    [organizationId],
  );
  await admin.query(
    `INSERT INTO notifications (organization_id, user_id, case_id, kind, data, created_at)
     SELECT organization_id, $2, id, 'deadline_approaching',
            jsonb_build_object('deadline', stage_deadline_at), now()
     FROM cases
     WHERE organization_id = $1
       AND stage_deadline_at > now() + interval '10 minutes'
       AND stage_deadline_at <= now() + interval '25 hours'`,
    [organizationId, creatorUserId],
  );
  await admin.query('COMMIT');
  await admin.query('VACUUM ANALYZE');
}

// ---------------------------------------------------------------------------------------------
// The benchmark.

interface PageBody {
  cases: Array<{ id: string; state: string; urgency: string; overdue: boolean }>;
  counts: Record<string, number> | null;
}

/** One request per scenario, checked whole, before any load. */
async function checkScenario(baseUrl: string, cookie: string, scenario: Scenario): Promise<void> {
  const response = await fetch(`${baseUrl}${scenario.path}`, { headers: { cookie } });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`${scenario.name}: status ${response.status}: ${text}`);
  const body = JSON.parse(text) as PageBody;
  if (body.cases.length === 0) throw new Error(`${scenario.name}: the page is empty`);
  const total = Object.values(body.counts ?? {}).reduce((sum, count) => sum + count, 0);
  if (total !== seededCases) throw new Error(`${scenario.name}: counts sum to ${total}`);
  const url = new URL(scenario.path, baseUrl);
  for (const item of body.cases) {
    const state = url.searchParams.get('state');
    const urgency = url.searchParams.get('urgency');
    if (
      (state !== null && item.state !== state) ||
      (urgency !== null && item.urgency !== urgency) ||
      (url.searchParams.get('overdue') === 'true' && !item.overdue) ||
      item.state === 'draft'
    )
      throw new Error(`${scenario.name}: case ${item.id} does not match the filter`);
  }
}

export interface SeededQueue {
  app: Consilium;
  baseUrl: string;
  /** The coordinator's cookies (session and CSRF), as a `Cookie` header. */
  cookie: string;
  /** The same for each of `coordinatorSessions` coordinators (the first is `cookie`). */
  coordinatorCookies: string[];
  organizationId: string;
  bootMs: number;
  seedMs: number;
  close(): Promise<void>;
}

/**
 * The real app on its own embedded PostgreSQL in a temporary directory, listening on loopback,
 * with one organization, its coordinator (TOTP enrolled, signed in over HTTP) and 50,000 cases.
 */
export async function startSeededQueue(): Promise<SeededQueue> {
  const server = await startBenchServer('queue');
  try {
    const organization = await createOrganization(server.testApp, 'Queue Benchmark Clinic');
    // Every cookie a browser would send back: the session and the CSRF cookie (without the latter
    // each answer would set a new one).
    const coordinatorCookies: string[] = [];
    let coordinatorUserId = '';
    for (let index = 0; index < coordinatorSessions; index += 1) {
      const coordinator = await createMember(server.testApp, organization.id, 'coordinator');
      if (!coordinator.client.cookies.has(sessionCookieName))
        throw new Error('the coordinator has no session cookie');
      coordinatorCookies.push(cookieHeader(coordinator.client));
      if (index === 0) coordinatorUserId = coordinator.userId;
    }

    const seedStarted = performance.now();
    const admin = new pg.Client({ connectionString: server.app.databaseUrl });
    await admin.connect();
    try {
      await seedCases(admin, organization.id, coordinatorUserId);
    } finally {
      await admin.end();
    }
    return {
      app: server.app,
      baseUrl: server.app.address!,
      cookie: coordinatorCookies[0]!,
      coordinatorCookies,
      organizationId: organization.id,
      bootMs: server.bootMs,
      seedMs: performance.now() - seedStarted,
      close: () => server.close(),
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/**
 * CPU time (ms) used so far by the PostgreSQL server: the postmaster and every process it started
 * (the backends serving the pools among them), from /proc. On a shared machine latency depends on
 * what else runs; the work done per request does not, so the table shows both.
 */
async function postgresCpuMs(postmasterPid: number): Promise<number> {
  const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
  let ticks = 0;
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => null);
    if (stat === null) continue;
    // Fields after the command name (which may hold spaces) in parentheses: state, ppid, ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    if (pid !== postmasterPid && Number(fields[1]) !== postmasterPid) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / ticksPerMs;
}

/**
 * CPU time (ms) used so far by this process's main thread, the server's (from /proc: the load
 * generator's worker thread is another task). Unlike event-loop busy time it excludes the time
 * the thread waits for a core, which on a busy 2-core machine is most of a socket write.
 */
async function serverThreadCpuMs(): Promise<number> {
  const stat = await fs.readFile(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The postmaster's pid: the parent of a backend. */
async function findPostmasterPid(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const stat = await fs.readFile(`/proc/${rows[0]!.pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } finally {
    await client.end();
  }
}

/**
 * With `BENCH_CPU_PROFILE=<dir>`, the server's CPU profile of each measured scenario with 50
 * connections is written there (`<scenario>.cpuprofile`, for Chrome DevTools or speedscope).
 */
async function startProfile(scenario: Scenario): Promise<{ stop(): Promise<void> } | null> {
  const dir = process.env['BENCH_CPU_PROFILE'];
  if (dir === undefined || dir === '' || !scenario.target) return null;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      await fs.mkdir(dir, { recursive: true });
      const name = scenario.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');
      await fs.writeFile(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** Runs the benchmark and prints its table; answers whether every scenario met the target. */
export async function benchCoordinatorQueue(): Promise<boolean> {
  let queue: SeededQueue | null = null;
  const loadWorker = startLoadWorker();
  // Bounded: whatever happens, stop after five minutes.
  const watchdog = setTimeout(() => {
    console.error('coordinator queue benchmark: over five minutes, stopping');
    void Promise.allSettled([loadWorker.close(), queue?.close()]).finally(() => process.exit(2));
  }, 300_000);
  watchdog.unref();
  try {
    queue = await startSeededQueue();
    const { baseUrl, cookie, coordinatorCookies, bootMs, seedMs } = queue;
    console.log('Coordinator queue');
    console.table({
      'start app + embedded PostgreSQL (ms)': bootMs.toFixed(0),
      'seed 50,000 cases + VACUUM ANALYZE (ms)': seedMs.toFixed(0),
      'warm-up / measured per scenario (s)': `${warmUpSeconds} / ${measureSeconds}`,
    });

    const rows: Record<string, Record<string, string | number>> = {};
    const postmasterPid = await findPostmasterPid(queue.app.databaseUrl);
    let passed = true;
    for (const scenario of scenarios) {
      await checkScenario(baseUrl, cookie, scenario);
      const url = `${baseUrl}${scenario.path}`;
      const load = {
        url,
        cookies: scenario.vary === 'coordinators' ? coordinatorCookies : [cookie],
        queries:
          scenario.vary === 'distinct'
            ? Array.from({ length: connections }, (_, index) => `?limit=${26 + index}`)
            : [],
        connections: scenario.connections,
      };
      await loadWorker.run({ ...load, seconds: warmUpSeconds });
      const eluBefore = performance.eventLoopUtilization();
      const dbCpuBefore = await postgresCpuMs(postmasterPid);
      const appCpuBefore = await serverThreadCpuMs();
      const processCpuBefore = process.cpuUsage();
      const profiling = await startProfile(scenario);
      const result = await loadWorker.run({ ...load, seconds: measureSeconds });
      await profiling?.stop();
      const appBusyMs = performance.eventLoopUtilization(eluBefore).active;
      const dbCpuMs = (await postgresCpuMs(postmasterPid)) - dbCpuBefore;
      const appCpuMs = (await serverThreadCpuMs()) - appCpuBefore;
      const processCpu = process.cpuUsage(processCpuBefore);
      const loadCpuMs = (processCpu.user + processCpu.system) / 1000 - appCpuMs;
      const sorted = result.latencies.slice().sort();
      const p95 = percentile(sorted, 0.95);
      const failures = result.non2xx + result.errors + result.timeouts + result.mismatches;
      const pass = failures === 0 && sorted.length > 0 && (!scenario.target || p95 < p95TargetMs);
      passed &&= pass;
      rows[scenario.name] = {
        connections: scenario.connections,
        requests: sorted.length,
        'req/s': Math.round(sorted.length / result.seconds),
        'p50 ms': percentile(sorted, 0.5).toFixed(1),
        'p95 ms': p95.toFixed(1),
        'p99 ms': percentile(sorted, 0.99).toFixed(1),
        'max ms': (sorted.at(-1) ?? 0).toFixed(1),
        'non-2xx/errors': failures,
        // Work per request: the server's event loop busy time and its CPU time, PostgreSQL's CPU
        // time, and the load generator's (which shares the two cores).
        'app busy ms/req': (appBusyMs / Math.max(1, sorted.length)).toFixed(2),
        'app cpu ms/req': (appCpuMs / Math.max(1, sorted.length)).toFixed(2),
        'db cpu ms/req': (dbCpuMs / Math.max(1, sorted.length)).toFixed(2),
        'load cpu ms/req': (loadCpuMs / Math.max(1, sorted.length)).toFixed(2),
        // The 1-minute load average of the machine: on a shared machine it explains outliers.
        load: os.loadavg()[0]!.toFixed(1),
        [`p95 < ${p95TargetMs} ms`]: !pass ? 'FAIL' : scenario.target ? 'PASS' : '-',
      };
    }
    console.table(rows);
    console.log(
      passed
        ? `PASS: every scenario answered with p95 under ${p95TargetMs} ms and no failures.`
        : `FAIL: a scenario missed p95 < ${p95TargetMs} ms or had failed requests.`,
    );
    return passed;
  } finally {
    clearTimeout(watchdog);
    await loadWorker.close();
    await queue?.close();
  }
}

if (isMainThread && import.meta.main) {
  if (!(await benchCoordinatorQueue())) process.exitCode = 1;
}
