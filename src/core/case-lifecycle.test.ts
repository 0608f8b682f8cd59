/**
 * The case state machine (PRODUCT.md, "The case, from start to finish"; issue 3): its invariants as
 * properties, its guards and who may take what as examples.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import {
  availableTransitions,
  caseStates,
  caseTransitionNames,
  caseTransitionNameSchema,
  caseTransitions,
  decideTransition,
  requireTransition,
  requiredOpinionSections,
  stageOwnerOf,
  terminalCaseStates,
  type CaseActor,
  type CaseFacts,
  type CaseRelation,
  type CaseState,
  type CaseTransitionName,
  type TransitionPermit,
} from './case-lifecycle.ts';
import { roles } from './roles.ts';

const org = 'org-1';
const now = new Date('2026-05-04T10:00:00Z');
const hour = 3_600_000;
const day = 24 * hour;

/** A fully prepared case: every guard that depends on earlier work passes. */
function facts(state: CaseState, overrides: Partial<CaseFacts> = {}): CaseFacts {
  return {
    organizationId: org,
    state,
    urgency: 'routine',
    now,
    intake: {
      conditionDescribed: true,
      questionCount: 2,
      consentAccepted: true,
      urgencyReasonGiven: false,
    },
    openRecordRequests: 0,
    offer: null,
    openPatientQuestions: 0,
    opinion: null,
    followUp: { asked: 0, limit: 3, open: 0, windowEndsAt: null },
    ...overrides,
  };
}

const completeOpinion: NonNullable<CaseFacts['opinion']> = {
  sectionsPresent: requiredOpinionSections,
  answeredQuestionCount: 2,
  peerReview: 'approved',
};

/**
 * Facts under which `name` is meant to succeed from `state`: the world cooperates (offers still
 * open or timed out as the transition needs, the opinion complete, the follow-up window right).
 */
function cooperativeFacts(state: CaseState, name: CaseTransitionName): CaseFacts {
  switch (name) {
    case 'accept_offer':
    case 'decline_offer':
      return facts(state, { offer: { expiresAt: new Date(now.getTime() + hour) } });
    case 'offer_expired':
      return facts(state, { offer: { expiresAt: new Date(now.getTime() - hour) } });
    case 'sign_opinion':
      return facts(state, { opinion: completeOpinion });
    case 'start_follow_up':
      return facts(state, {
        followUp: { asked: 0, limit: 3, open: 0, windowEndsAt: new Date(now.getTime() + 30 * day) },
      });
    case 'close':
      return facts(state, {
        followUp: { asked: 1, limit: 3, open: 0, windowEndsAt: new Date(now.getTime() - day) },
      });
    case 'submit':
    case 'start_triage':
    case 'request_records':
    case 'records_provided':
    case 'mark_ready':
    case 'offer':
    case 'reassign':
    case 'start_review':
    case 'ask_patient':
    case 'patient_answered':
    case 'deliver':
    case 'withdraw':
    case 'cancel':
      return facts(state);
  }
}

/** The actor a permit describes, in the case's organization. */
function actorFor(permit: TransitionPermit, organizationId = org): CaseActor {
  return {
    role: permit.role,
    organizationId,
    relations: permit.relation === 'organization' ? [] : [permit.relation],
  };
}

const patient = actorFor({ role: 'patient', relation: 'self' });
const otherPatient: CaseActor = { role: 'patient', organizationId: org, relations: [] };
const proxy = actorFor({ role: 'proxy', relation: 'proxy' });
const referrer = actorFor({ role: 'referring_physician', relation: 'referrer' });
const coordinator = actorFor({ role: 'coordinator', relation: 'organization' });
const offeredSpecialist = actorFor({ role: 'specialist', relation: 'offered' });
const assignedSpecialist = actorFor({ role: 'specialist', relation: 'assigned' });
const unrelatedSpecialist: CaseActor = { role: 'specialist', organizationId: org, relations: [] };
const scheduler = actorFor({ role: 'system', relation: 'organization' });

/**
 * The graph of moves the machine really allows: from each state, every transition that
 * `decideTransition` accepts for one of its permitted actors under cooperative facts.
 */
function witnessedEdges(): { from: CaseState; name: CaseTransitionName; to: CaseState }[] {
  return caseStates.flatMap((from) =>
    caseTransitionNames.flatMap((name) =>
      caseTransitions[name].by.flatMap((permit) => {
        const decision = decideTransition(cooperativeFacts(from, name), actorFor(permit), name);
        return decision.ok ? [{ from, name, to: decision.to }] : [];
      }),
    ),
  );
}

const edges = witnessedEdges();

function reachableFrom(start: CaseState): Set<CaseState> {
  const seen = new Set<CaseState>([start]);
  const queue: CaseState[] = [start];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const edge of edges) {
      if (edge.from === state && !seen.has(edge.to)) {
        seen.add(edge.to);
        queue.push(edge.to);
      }
    }
  }
  return seen;
}

const terminals: readonly CaseState[] = terminalCaseStates;
const relationNames = ['self', 'proxy', 'referrer', 'assigned', 'offered'] as const;

const actorArbitrary: fc.Arbitrary<CaseActor> = fc.record({
  role: fc.constantFrom(...roles, 'system' as const),
  organizationId: fc.constantFrom(org, 'org-2'),
  relations: fc.subarray<Exclude<CaseRelation, 'organization'>>([...relationNames]),
});

const instantArbitrary = fc
  .integer({ min: -3 * 24, max: 60 * 24 })
  .map((hours) => new Date(now.getTime() + hours * hour));

const factsArbitrary: fc.Arbitrary<CaseFacts> = fc.record({
  organizationId: fc.constantFrom(org, 'org-2'),
  state: fc.constantFrom(...caseStates),
  urgency: fc.constantFrom('routine' as const, 'urgent' as const),
  now: fc.constant(now),
  intake: fc.record({
    conditionDescribed: fc.boolean(),
    questionCount: fc.integer({ min: 0, max: 12 }),
    consentAccepted: fc.boolean(),
    urgencyReasonGiven: fc.boolean(),
  }),
  openRecordRequests: fc.integer({ min: 0, max: 3 }),
  offer: fc.option(fc.record({ expiresAt: instantArbitrary }), { nil: null }),
  openPatientQuestions: fc.integer({ min: 0, max: 3 }),
  opinion: fc.option(
    fc.record({
      sectionsPresent: fc.subarray([...requiredOpinionSections]),
      answeredQuestionCount: fc.integer({ min: 0, max: 12 }),
      peerReview: fc.constantFrom(
        'not_required' as const,
        'pending' as const,
        'approved' as const,
        'returned' as const,
      ),
    }),
    { nil: null },
  ),
  followUp: fc.record({
    asked: fc.integer({ min: 0, max: 4 }),
    limit: fc.integer({ min: 0, max: 4 }),
    open: fc.integer({ min: 0, max: 2 }),
    windowEndsAt: fc.option(instantArbitrary, { nil: null }),
  }),
});

/** Transitions that leave the main line; a walk takes them now and then, not at every turn. */
const detours: readonly CaseTransitionName[] = ['withdraw', 'cancel', 'reassign'];

/**
 * One attempted step of a random walk. `forward` and `detour` pick, among the transitions leaving
 * the current state, one for a permitted actor under cooperative facts, so walks get deep (past
 * signing, to closing); `arbitrary` tries any transition by any actor under arbitrary facts.
 */
const stepArbitrary = fc.record({
  kind: fc.oneof(
    { arbitrary: fc.constant('forward' as const), weight: 8 },
    { arbitrary: fc.constant('detour' as const), weight: 1 },
    { arbitrary: fc.constant('arbitrary' as const), weight: 2 },
  ),
  choice: fc.nat(),
  permitIndex: fc.nat(),
  name: fc.constantFrom(...caseTransitionNames),
  actor: actorArbitrary,
  facts: factsArbitrary,
});

/** Walks long enough to pass signing and reach the end (the main line has 17 steps). */
const walkArbitrary = fc.array(stepArbitrary, { minLength: 10, maxLength: 80, size: 'max' });

type Step = typeof stepArbitrary extends fc.Arbitrary<infer T> ? T : never;

function attempt(state: CaseState, step: Step): [CaseTransitionName, CaseActor, CaseFacts] | null {
  if (step.kind === 'arbitrary') return [step.name, step.actor, { ...step.facts, state }];
  const candidates = caseTransitionNames.filter(
    (name) =>
      caseTransitions[name].from.includes(state) &&
      detours.includes(name) === (step.kind === 'detour'),
  );
  const name = candidates[step.choice % Math.max(candidates.length, 1)];
  if (name === undefined) return null;
  const permits = caseTransitions[name].by;
  const actor = actorFor(permits[step.permitIndex % permits.length]!);
  return [name, actor, cooperativeFacts(state, name)];
}

/** Walks from draft, returning every state entered, in order. */
function walk(steps: readonly Step[]): CaseState[] {
  let state: CaseState = 'draft';
  const visited: CaseState[] = [state];
  for (const step of steps) {
    const attempted = attempt(state, step);
    if (attempted === null) continue;
    const [name, actor, stepFacts] = attempted;
    const decision = decideTransition(stepFacts, actor, name);
    if (decision.ok) {
      expect(decision.owner).toBe(stageOwnerOf[decision.to]);
      state = decision.to;
      visited.push(state);
    }
  }
  return visited;
}

describe('case lifecycle invariants', () => {
  it('never reaches an undeclared state, whatever the sequence of attempts', () => {
    fc.assert(
      fc.property(walkArbitrary, (steps) => {
        for (const state of walk(steps)) expect(caseStates).toContain(state);
      }),
    );
  });

  it('can always still end: from every reachable state a terminal state is reachable', () => {
    const reachable = reachableFrom('draft');
    expect([...reachable].sort()).toEqual([...caseStates].sort());
    for (const state of reachable) {
      expect(
        [...reachableFrom(state)].some((s) => terminals.includes(s)),
        state,
      ).toBe(true);
    }
  });

  it('lets the patient withdraw or the coordinator cancel before signing, whatever the facts', () => {
    const beforeSigning = caseStates.slice(0, caseStates.indexOf('opinion_signed'));
    fc.assert(
      fc.property(factsArbitrary, fc.constantFrom(...beforeSigning), (random, state) => {
        const caseFacts = { ...random, organizationId: org, state };
        const exits = [
          decideTransition(caseFacts, patient, 'withdraw'),
          decideTransition(caseFacts, coordinator, 'cancel'),
        ];
        expect(exits.some((decision) => decision.ok)).toBe(true);
      }),
    );
  });

  it('declares no way out of a terminal state', () => {
    for (const name of caseTransitionNames) {
      for (const terminal of terminals) {
        expect(caseTransitions[name].from).not.toContain(terminal);
      }
    }
    fc.assert(
      fc.property(
        factsArbitrary,
        fc.constantFrom(...terminals),
        actorArbitrary,
        fc.constantFrom(...caseTransitionNames),
        (random, state, actor, name) => {
          const caseFacts = { ...random, state };
          expect(decideTransition(caseFacts, actor, name).ok).toBe(false);
          expect(availableTransitions(caseFacts, actor)).toEqual([]);
        },
      ),
    );
  });

  it('can take every transition of the table on some path from draft', () => {
    const reachable = reachableFrom('draft');
    const taken = new Set(edges.filter((edge) => reachable.has(edge.from)).map((e) => e.name));
    expect([...taken].sort()).toEqual([...caseTransitionNames].sort());
  });

  it('never returns a signed opinion to review: nothing after signing leads back', () => {
    const afterSigning = reachableFrom('opinion_signed');
    expect([...afterSigning].sort()).toEqual(
      ['opinion_signed', 'delivered', 'follow_up', 'closed'].sort(),
    );
    fc.assert(
      fc.property(walkArbitrary, (steps) => {
        const visited = walk(steps);
        const signedAt = visited.indexOf('opinion_signed');
        if (signedAt >= 0) {
          const later = visited.slice(signedAt);
          expect(later).not.toContain('in_review');
          expect(later).not.toContain('awaiting_patient');
          expect(later).not.toContain('ready_for_matching');
        }
      }),
    );
  });

  it('lets nobody from another organization take any transition', () => {
    fc.assert(
      fc.property(
        factsArbitrary,
        actorArbitrary,
        fc.constantFrom(...caseTransitionNames),
        (random, actor, name) => {
          const decision = decideTransition(
            { ...random, organizationId: org },
            { ...actor, organizationId: 'org-2' },
            name,
          );
          expect(decision).toEqual({ ok: false, reason: 'not_permitted', failures: [] });
        },
      ),
    );
  });

  it('lists exactly the transitions decideTransition accepts or blocks only by a guard', () => {
    fc.assert(
      fc.property(factsArbitrary, actorArbitrary, (caseFacts, actor) => {
        const available = availableTransitions(caseFacts, actor);
        for (const name of caseTransitionNames) {
          const decision = decideTransition(caseFacts, actor, name);
          const listed = available.find((option) => option.name === name);
          if (decision.ok) {
            expect(listed).toEqual({ name, to: decision.to, failures: [] });
          } else if (decision.reason === 'guard_failed') {
            expect(listed?.failures).toEqual(decision.failures);
          } else {
            expect(listed).toBeUndefined();
          }
        }
      }),
    );
  });
});

describe('the journey of issue 3', () => {
  it('goes from draft to closed through records, a decline, a time-out and a question', () => {
    const journey: [CaseTransitionName, CaseActor, CaseState][] = [
      ['submit', patient, 'submitted'],
      ['start_triage', coordinator, 'triage'],
      ['request_records', coordinator, 'awaiting_records'],
      ['records_provided', patient, 'triage'],
      ['mark_ready', coordinator, 'ready_for_matching'],
      ['offer', coordinator, 'offered'],
      ['decline_offer', offeredSpecialist, 'ready_for_matching'],
      ['offer', coordinator, 'offered'],
      ['offer_expired', scheduler, 'ready_for_matching'],
      ['offer', coordinator, 'offered'],
      ['accept_offer', offeredSpecialist, 'accepted'],
      ['start_review', assignedSpecialist, 'in_review'],
      ['ask_patient', assignedSpecialist, 'awaiting_patient'],
      ['patient_answered', proxy, 'in_review'],
      ['sign_opinion', assignedSpecialist, 'opinion_signed'],
      ['deliver', scheduler, 'delivered'],
      ['start_follow_up', patient, 'follow_up'],
      ['close', scheduler, 'closed'],
    ];
    let state: CaseState = 'draft';
    for (const [name, actor, expected] of journey) {
      expect(requireTransition(cooperativeFacts(state, name), actor, name)).toEqual({
        to: expected,
        owner: stageOwnerOf[expected],
      });
      state = expected;
    }
  });

  it('hands each stage to its owner', () => {
    expect(decideTransition(facts('draft'), patient, 'submit')).toEqual({
      ok: true,
      to: 'submitted',
      owner: 'coordinator',
    });
    expect(decideTransition(facts('triage'), coordinator, 'request_records')).toMatchObject({
      owner: 'patient',
    });
    expect(decideTransition(facts('ready_for_matching'), coordinator, 'offer')).toMatchObject({
      owner: 'specialist',
    });
    expect(decideTransition(facts('in_review'), coordinator, 'cancel')).toMatchObject({
      to: 'cancelled',
      owner: null,
    });
  });
});

describe('guards', () => {
  it('refuses submission without consent, a described condition or 1–10 questions', () => {
    const incomplete = facts('draft', {
      urgency: 'urgent',
      intake: {
        conditionDescribed: false,
        questionCount: 0,
        consentAccepted: false,
        urgencyReasonGiven: false,
      },
    });
    expect(decideTransition(incomplete, patient, 'submit')).toEqual({
      ok: false,
      reason: 'guard_failed',
      failures: [
        'condition_missing',
        'consent_missing',
        'too_few_questions',
        'urgency_reason_missing',
      ],
    });
    const tooMany = facts('draft', {
      intake: { ...facts('draft').intake, questionCount: 11 },
    });
    expect(decideTransition(tooMany, patient, 'submit')).toMatchObject({
      failures: ['too_many_questions'],
    });
    for (const questionCount of [1, 10]) {
      const bounds = facts('draft', { intake: { ...facts('draft').intake, questionCount } });
      expect(decideTransition(bounds, patient, 'submit').ok).toBe(true);
    }
  });

  it('keeps a case in triage while requested records are outstanding', () => {
    const waiting = facts('awaiting_records', { openRecordRequests: 1 });
    expect(decideTransition(waiting, patient, 'records_provided')).toMatchObject({
      reason: 'guard_failed',
      failures: ['records_outstanding'],
    });
    expect(
      decideTransition({ ...waiting, state: 'triage' }, coordinator, 'mark_ready'),
    ).toMatchObject({ failures: ['records_outstanding'] });
  });

  it('accepts an offer only before it expires, and times it out only after', () => {
    const offered = (expiresInHours: number) =>
      facts('offered', { offer: { expiresAt: new Date(now.getTime() + expiresInHours * hour) } });
    expect(decideTransition(offered(1), offeredSpecialist, 'accept_offer').ok).toBe(true);
    expect(decideTransition(offered(0), offeredSpecialist, 'accept_offer')).toMatchObject({
      failures: ['offer_expired'],
    });
    expect(decideTransition(offered(1), scheduler, 'offer_expired')).toMatchObject({
      failures: ['offer_not_expired'],
    });
    expect(decideTransition(offered(0), scheduler, 'offer_expired').ok).toBe(true);
    expect(decideTransition(facts('offered'), offeredSpecialist, 'accept_offer')).toMatchObject({
      failures: ['offer_missing'],
    });
  });

  it('does not resume review while the patient still owes an answer', () => {
    const waiting = facts('awaiting_patient', { openPatientQuestions: 1 });
    expect(decideTransition(waiting, patient, 'patient_answered')).toMatchObject({
      failures: ['patient_questions_open'],
    });
  });

  it('signs only an opinion with every required section, every question answered, peer review passed', () => {
    expect(decideTransition(facts('in_review'), assignedSpecialist, 'sign_opinion')).toMatchObject({
      failures: ['opinion_missing'],
    });
    const partial = facts('in_review', {
      opinion: {
        sectionsPresent: requiredOpinionSections.filter(
          (section) => section !== 'warning_signs' && section !== 'plain_language_summary',
        ),
        answeredQuestionCount: 1,
        peerReview: 'returned',
      },
    });
    expect(decideTransition(partial, assignedSpecialist, 'sign_opinion')).toEqual({
      ok: false,
      reason: 'guard_failed',
      failures: [
        'opinion_section_missing:warning_signs',
        'opinion_section_missing:plain_language_summary',
        'patient_question_unanswered',
        'peer_review_not_approved',
      ],
    });
    const withoutPeerReview = facts('in_review', {
      opinion: { ...completeOpinion, peerReview: 'not_required' },
    });
    expect(decideTransition(withoutPeerReview, assignedSpecialist, 'sign_opinion').ok).toBe(true);
  });

  it('allows follow-up questions within the window and limit, and closes only when they are spent', () => {
    const delivered = (followUp: CaseFacts['followUp']) => facts('delivered', { followUp });
    const openWindow = new Date(now.getTime() + day);
    const closedWindow = new Date(now.getTime() - day);
    expect(
      decideTransition(
        delivered({ asked: 3, limit: 3, open: 0, windowEndsAt: closedWindow }),
        patient,
        'start_follow_up',
      ),
    ).toMatchObject({ failures: ['follow_up_window_closed', 'follow_up_limit_reached'] });
    expect(
      decideTransition(
        delivered({ asked: 0, limit: 3, open: 0, windowEndsAt: openWindow }),
        coordinator,
        'close',
      ),
    ).toMatchObject({ failures: ['follow_up_window_open'] });
    expect(
      decideTransition(
        delivered({ asked: 3, limit: 3, open: 0, windowEndsAt: openWindow }),
        coordinator,
        'close',
      ).ok,
    ).toBe(true);
    expect(
      decideTransition(
        facts('follow_up', {
          followUp: { asked: 1, limit: 3, open: 1, windowEndsAt: closedWindow },
        }),
        scheduler,
        'close',
      ),
    ).toMatchObject({ failures: ['follow_up_question_open'] });
  });
});

describe('who may take what', () => {
  const cases: [string, CaseActor, CaseTransitionName, CaseState, boolean][] = [
    ['the patient submits their own case', patient, 'submit', 'draft', true],
    ['a proxy submits for the patient', proxy, 'submit', 'draft', true],
    ['the referring physician submits on the patient’s behalf', referrer, 'submit', 'draft', true],
    ['another patient cannot submit it', otherPatient, 'submit', 'draft', false],
    ['a coordinator cannot submit for the patient', coordinator, 'submit', 'draft', false],
    ['a coordinator triages', coordinator, 'start_triage', 'submitted', true],
    ['a specialist cannot triage', assignedSpecialist, 'start_triage', 'submitted', false],
    ['the referrer can provide records', referrer, 'records_provided', 'awaiting_records', true],
    ['only a coordinator offers', assignedSpecialist, 'offer', 'ready_for_matching', false],
    ['the offered specialist declines', offeredSpecialist, 'decline_offer', 'offered', true],
    [
      'a specialist without the offer cannot accept',
      unrelatedSpecialist,
      'accept_offer',
      'offered',
      false,
    ],
    [
      'a coordinator cannot accept for the specialist',
      coordinator,
      'accept_offer',
      'offered',
      false,
    ],
    ['a member cannot time out an offer', coordinator, 'offer_expired', 'offered', false],
    ['the assigned specialist starts review', assignedSpecialist, 'start_review', 'accepted', true],
    [
      'the offered specialist is not yet assigned',
      offeredSpecialist,
      'start_review',
      'accepted',
      false,
    ],
    ['a coordinator reassigns from review', coordinator, 'reassign', 'in_review', true],
    ['a specialist cannot reassign', assignedSpecialist, 'reassign', 'in_review', false],
    ['the assigned specialist signs', assignedSpecialist, 'sign_opinion', 'in_review', true],
    ['a coordinator cannot sign', coordinator, 'sign_opinion', 'in_review', false],
    ['the patient withdraws', patient, 'withdraw', 'in_review', true],
    ['a proxy withdraws for the patient', proxy, 'withdraw', 'awaiting_patient', true],
    ['the referrer cannot withdraw', referrer, 'withdraw', 'triage', false],
    ['a coordinator cannot withdraw for the patient', coordinator, 'withdraw', 'triage', false],
    ['a coordinator cancels', coordinator, 'cancel', 'triage', true],
    ['the patient cannot cancel', patient, 'cancel', 'triage', false],
    [
      'an org admin cannot cancel',
      { ...coordinator, role: 'org_admin' },
      'cancel',
      'triage',
      false,
    ],
    ['the patient asks a follow-up question', patient, 'start_follow_up', 'delivered', true],
    ['the scheduler closes', scheduler, 'close', 'follow_up', true],
  ];

  it.each(cases)('%s', (_label, actor, name, state, allowed) => {
    const decision = decideTransition(cooperativeFacts(state, name), actor, name);
    if (allowed) expect(decision.ok).toBe(true);
    else expect(decision).toEqual({ ok: false, reason: 'not_permitted', failures: [] });
  });

  it('refuses out-of-state transitions to those who could otherwise take them', () => {
    expect(decideTransition(facts('submitted'), patient, 'submit')).toEqual({
      ok: false,
      reason: 'not_allowed_in_state',
      failures: [],
    });
    expect(decideTransition(facts('opinion_signed'), patient, 'withdraw')).toMatchObject({
      reason: 'not_allowed_in_state',
    });
    expect(decideTransition(facts('draft'), coordinator, 'cancel')).toMatchObject({
      reason: 'not_allowed_in_state',
    });
    expect(decideTransition(facts('opinion_signed'), coordinator, 'reassign')).toMatchObject({
      reason: 'not_allowed_in_state',
    });
  });

  it('shows the patient of a draft what they can do and what is missing', () => {
    const draft = facts('draft', {
      intake: { ...facts('draft').intake, consentAccepted: false },
    });
    expect(availableTransitions(draft, patient)).toEqual([
      { name: 'submit', to: 'submitted', failures: ['consent_missing'] },
      { name: 'withdraw', to: 'withdrawn', failures: [] },
    ]);
    expect(availableTransitions(draft, otherPatient)).toEqual([]);
  });
});

describe('requireTransition', () => {
  function errorOf(run: () => unknown): AppError {
    try {
      run();
    } catch (error) {
      if (error instanceof AppError) return error;
      throw error;
    }
    throw new Error('expected an AppError');
  }

  it('answers an illegal transition with 409 and the current state', () => {
    const error = errorOf(() => requireTransition(facts('closed'), coordinator, 'cancel'));
    expect(error.status).toBe(409);
    expect(error.toBody()).toEqual({
      error: {
        code: 'conflict',
        message: 'This step is not possible at the current stage of the case.',
        details: { currentState: 'closed', transition: 'cancel' },
      },
    });
  });

  it('answers a blocked guard with 409, the current state and what is missing', () => {
    const draft = facts('draft', { intake: { ...facts('draft').intake, questionCount: 0 } });
    expect(errorOf(() => requireTransition(draft, patient, 'submit')).toBody()).toEqual({
      error: {
        code: 'conflict',
        message: 'This case is not ready for that step yet.',
        details: { currentState: 'draft', transition: 'submit', failures: ['too_few_questions'] },
      },
    });
  });

  it('answers someone without a permit with 404, revealing nothing about the state', () => {
    const error = errorOf(() =>
      requireTransition(facts('offered'), unrelatedSpecialist, 'accept_offer'),
    );
    expect(error.toBody()).toEqual({ error: { code: 'not_found', message: 'Not found.' } });
  });

  it('parses transition names from requests', () => {
    expect(caseTransitionNameSchema.parse('sign_opinion')).toBe('sign_opinion');
    expect(caseTransitionNameSchema.safeParse('unsign_opinion').success).toBe(false);
  });
});
