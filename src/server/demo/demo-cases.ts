/**
 * Demo cases in every state of the lifecycle (issue 3), so a newcomer signing in as any demo member
 * sees a living system: drafts, a queue with overdue stages, offers, reviews, signed and delivered
 * reports with follow-ups, closed, withdrawn and cancelled cases.
 *
 * The cases are made through the same use cases the API calls, acting as the demo members, on a
 * clock that starts two weeks ago and moves on between steps: the timelines, audit trail, seals and
 * deadlines are exactly what real use would leave.
 */
import type { Role } from '../../core/roles.ts';
import type { CaseState } from '../../core/case-lifecycle.ts';
import type { OpinionContent } from '../../core/opinion.ts';
import type { Services } from '../app/services.ts';
import type { Clock } from '../platform/clock.ts';
import type { RequestContext } from '../http/request-context.ts';
import { createCase } from '../cases/create-case.ts';
import { updateCaseDraft } from '../cases/update-case-draft.ts';
import { transitionCase, type CaseTransitionRequest } from '../cases/transition-case.ts';
import { saveDraft } from '../cases/opinion-draft.ts';
import { answerFollowUp, askFollowUp } from '../cases/signed-opinion.ts';
import { updateOwnProfile } from '../specialists/specialists.ts';
import type { CaseDraftChange } from '../../core/case-intake.ts';

export interface DemoPerson {
  userId: string;
  membershipId: string;
  organizationId: string;
  patientId: string | null;
  role: Role;
  name: string;
  email: string;
}

/**
 * A clock the seed moves by hand: the demo's history happened over the last two weeks. It never
 * passes the real present, whatever the steps add up to.
 */
class SeedClock implements Clock {
  private current: number;
  private readonly latest: number;
  constructor(start: Date, latest: Date) {
    this.current = start.getTime();
    this.latest = latest.getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advanceHours(hours: number): void {
    this.current = Math.min(this.current + hours * 3_600_000, this.latest);
  }
}

function contextOf(person: DemoPerson, clock: Clock): RequestContext {
  const now = clock.now();
  return {
    requestId: 'demo-seed',
    ipAddress: '127.0.0.1',
    userAgent: 'consilium demo seed',
    session: {
      id: '00000000-0000-0000-0000-000000000000',
      stage: 'active',
      userId: person.userId,
      createdAt: now,
      lastSeenAt: now,
      // Signing is done by the specialist moments after confirming their password and code.
      reauthenticatedAt: now,
    },
    user: {
      id: person.userId,
      email: person.email,
      name: person.name,
      locale: 'en',
      hasTotp: true,
      passkeyCount: 0,
    },
    actor: {
      userId: person.userId,
      organizationId: person.organizationId,
      membershipId: person.membershipId,
      role: person.role,
    },
    enrolmentRequired: false,
  };
}

interface DemoStory {
  patient: DemoPerson;
  intake: CaseDraftChange;
  /** How far the case goes. */
  target: CaseState;
}

const stories = (patients: Record<string, DemoPerson>): DemoStory[] => [
  {
    patient: patients.maria!,
    target: 'delivered',
    intake: {
      conditionDescription:
        'My right knee hurts when I walk or climb stairs. It has been getting worse for a year.',
      diagnosisCode: 'M17.11',
      diagnosisText: 'Unilateral primary osteoarthritis, right knee',
      proposedTreatment: 'Total knee replacement',
      history: 'Arthroscopy of the right knee in 2015. Blood pressure treated since 2018.',
      questions: ['Do I need a new knee now?', 'What can I do instead of surgery?'],
      medications: [{ name: 'Paracetamol', dose: '1 g', frequency: 'up to three times a day' }],
      allergies: [{ substance: 'Penicillin', reaction: 'Rash', severity: 'moderate' }],
      goals: {
        whatMatters: 'Walking my dog every day',
        opinionScope: 'national',
        preferredLanguage: 'en',
        writtenOnly: true,
      },
    },
  },
  {
    patient: patients.maria!,
    target: 'awaiting_patient',
    intake: {
      conditionDescription: 'Chest tightness when I hurry, for three months.',
      diagnosisCode: 'I20.9',
      diagnosisText: 'Angina pectoris, unspecified',
      proposedTreatment: 'Coronary angiography with a stent if needed',
      questions: ['Is the angiography necessary?'],
      medications: [{ name: 'Aspirin', dose: '100 mg', frequency: 'once a day' }],
      goals: { whatMatters: 'Avoiding an operation if it is safe', writtenOnly: false },
    },
  },
  {
    patient: patients.tomas!,
    target: 'draft',
    intake: {
      conditionDescription: 'Headaches on one side with flashing lights before them.',
      diagnosisCode: 'G43.909',
      diagnosisText: 'Migraine, unspecified',
    },
  },
  {
    patient: patients.tomas!,
    target: 'withdrawn',
    intake: {
      conditionDescription: 'Heartburn after meals for many years.',
      diagnosisCode: 'K21.9',
      diagnosisText: 'Gastro-esophageal reflux disease without esophagitis',
      proposedTreatment: 'Fundoplication surgery',
      questions: ['Is surgery better than tablets?'],
    },
  },
  {
    patient: patients.aiko!,
    target: 'submitted',
    intake: {
      conditionDescription: 'A lump in my left breast found at screening.',
      diagnosisCode: 'C50.912',
      diagnosisText: 'Malignant neoplasm of unspecified site of left female breast',
      proposedTreatment: 'Mastectomy followed by chemotherapy',
      questions: ['Could I keep my breast?', 'Do I need chemotherapy before surgery?'],
      urgency: 'urgent',
      urgencyReason: 'Surgery is booked in three weeks.',
    },
  },
  {
    patient: patients.aiko!,
    target: 'closed',
    intake: {
      conditionDescription: 'Thyroid nodule seen on ultrasound.',
      diagnosisCode: 'E04.1',
      diagnosisText: 'Nontoxic single thyroid nodule',
      proposedTreatment: 'Removal of half of the thyroid',
      questions: ['Is the operation needed?'],
    },
  },
  {
    patient: patients.samuel!,
    target: 'triage',
    intake: {
      conditionDescription: 'Low back pain going down my left leg for four months.',
      diagnosisCode: 'M54.16',
      diagnosisText: 'Radiculopathy, lumbar region',
      proposedTreatment: 'Spinal fusion surgery',
      questions: ['Would physiotherapy help first?'],
    },
  },
  {
    patient: patients.samuel!,
    target: 'cancelled',
    intake: {
      conditionDescription: 'Snoring and tiredness during the day.',
      diagnosisCode: 'G47.33',
      diagnosisText: 'Obstructive sleep apnea',
      proposedTreatment: 'Throat surgery',
      questions: ['Is a CPAP machine an option?'],
    },
  },
  {
    patient: patients.fatima!,
    target: 'awaiting_records',
    intake: {
      conditionDescription: 'Blood in my stool and belly cramps for two months.',
      diagnosisCode: 'K51.90',
      diagnosisText: 'Ulcerative colitis, unspecified, without complications',
      proposedTreatment: 'Removal of the colon',
      questions: ['Are there medicines I have not tried?'],
    },
  },
  {
    patient: patients.fatima!,
    target: 'follow_up',
    intake: {
      conditionDescription: 'Type 2 diabetes; my doctor suggests stomach surgery for weight loss.',
      diagnosisCode: 'E11.9',
      diagnosisText: 'Type 2 diabetes mellitus without complications',
      proposedTreatment: 'Gastric bypass surgery',
      questions: ['Will surgery cure my diabetes?'],
    },
  },
  {
    patient: patients.liam!,
    target: 'ready_for_matching',
    intake: {
      conditionDescription: 'Irregular heartbeat and shortness of breath.',
      diagnosisCode: 'I48.91',
      diagnosisText: 'Unspecified atrial fibrillation',
      proposedTreatment: 'Catheter ablation',
      questions: ['Is ablation better than medicines for me?'],
    },
  },
  {
    patient: patients.liam!,
    target: 'opinion_signed',
    intake: {
      conditionDescription: 'Raised PSA on two blood tests.',
      diagnosisCode: 'C61',
      diagnosisText: 'Malignant neoplasm of prostate',
      proposedTreatment: 'Radical prostatectomy',
      questions: ['Is active surveillance safe for me?'],
    },
  },
  {
    patient: patients.chen!,
    target: 'offered',
    intake: {
      conditionDescription: 'Wheezing at night and when I exercise.',
      diagnosisCode: 'J45.909',
      diagnosisText: 'Unspecified asthma, uncomplicated',
      proposedTreatment: 'Biologic injections',
      questions: ['Do I need injections or are inhalers enough?'],
    },
  },
  {
    patient: patients.chen!,
    target: 'accepted',
    intake: {
      conditionDescription: 'Pain and stiffness in my hands in the morning.',
      diagnosisCode: 'M06.9',
      diagnosisText: 'Rheumatoid arthritis, unspecified',
      proposedTreatment: 'Methotrexate',
      questions: ['What side effects should I watch for?'],
    },
  },
  {
    patient: patients.chen!,
    target: 'in_review',
    intake: {
      conditionDescription: 'Kidney function getting worse on blood tests.',
      diagnosisCode: 'N18.30',
      diagnosisText: 'Chronic kidney disease, stage 3 unspecified',
      proposedTreatment: 'Start preparing for dialysis',
      questions: ['How long before I need dialysis?'],
    },
  },
];

/** Why the demo's cases went on to matching without the records their checklists ask for. */
const demoOverrideReason = 'Demo data: the records were reviewed outside Consilium.';

/** The order of the happy path; a story walks it up to its target. */
const path: CaseState[] = [
  'draft',
  'submitted',
  'triage',
  'ready_for_matching',
  'offered',
  'accepted',
  'in_review',
  'opinion_signed',
  'delivered',
  'follow_up',
  'closed',
];

function opinionFor(questionIds: string[], story: DemoStory): OpinionContent {
  const code = story.intake.diagnosisCode ?? 'R69';
  return {
    diagnosisAssessment: {
      outcome: 'confirmed',
      diagnosis: { code, text: story.intake.diagnosisText ?? 'As diagnosed' },
      confidence: 'high',
      rationale:
        'The history, the examination findings reported and the imaging provided agree with the working diagnosis.',
    },
    alternativeDiagnoses: [],
    recommendedTests: [
      { test: 'Repeat the key test in three months', reason: 'To see how fast things change.' },
    ],
    treatmentOptions: [
      {
        name: 'Non-surgical care first',
        expectedBenefit: 'Most people improve enough to keep their daily activities.',
        sideEffectsAndRisks: 'Few; symptoms may come back.',
        recoveryTime: 'None',
        relativeCost: 'lower',
        fitWithGoals: 'Fits the wish to avoid an operation for now.',
      },
      {
        name: story.intake.proposedTreatment ?? 'The proposed treatment',
        expectedBenefit: 'Good relief for most people.',
        sideEffectsAndRisks: 'Infection, bleeding and the risks of anaesthesia.',
        recoveryTime: 'Several weeks',
        relativeCost: 'higher',
        fitWithGoals: 'A good choice if non-surgical care does not help enough.',
      },
    ],
    recommendation: {
      text: 'Try non-surgical care for three months, then decide together with your doctor.',
      changesProposedTreatment: true,
    },
    riskOfWaiting: {
      riskOfWaiting: 'Low: waiting three months does not make the treatment harder.',
      riskOfActingNow: 'An operation now carries risks that may not be needed.',
      advisedTiming: 'Review in three months',
    },
    followUpWindows: [{ what: 'Visit your own doctor', when: 'In 3 months' }],
    warningSigns: [
      { sign: 'Sudden worse pain, fever or new weakness', action: 'Call your doctor the same day' },
    ],
    questionAnswers: questionIds.map((questionId) => ({
      questionId,
      answer: 'Not right now. Non-surgical care is a safe first step for you.',
    })),
    plainLanguageSummary:
      'Your diagnosis is right. You do not need an operation now. Try other care first. See your doctor again in three months.',
    references: [{ citation: 'National clinical guideline, current edition' }],
  };
}

/**
 * Seeds the demo cases for the demo organization. `people` holds the demo members by role plus the
 * extra demo patients and a second specialist.
 */
export async function seedDemoCases(
  services: Services,
  people: {
    coordinator: DemoPerson;
    specialist: DemoPerson;
    secondSpecialist: DemoPerson;
    patients: Record<string, DemoPerson>;
  },
): Promise<void> {
  const realNow = services.clock.now().getTime();
  const clock = new SeedClock(new Date(realNow - 14 * 86_400_000), new Date(realNow - 60_000));
  // The demo's history is not emailed: it happened "two weeks ago", and a hundred emails to demo
  // addresses at start-up would only queue in front of the first real one. In-app notifications
  // are kept, so the demo members find their inbox as use would have left it.
  const seeded: Services = {
    ...services,
    clock,
    mail: {
      enqueue: () => Promise.resolve(''),
      dispatch: () => Promise.resolve(),
      close: () => Promise.resolve(),
    },
  };
  const as = (person: DemoPerson) => contextOf(person, clock);
  const { coordinator, specialist, secondSpecialist } = people;

  for (const [person, profile] of [
    [
      specialist,
      {
        specialties: ['Orthopaedics', 'Cardiology'],
        languages: ['en', 'de', 'es'],
        credentials: 'MD, FRCS — Consultant orthopaedic surgeon',
      },
    ],
    [
      secondSpecialist,
      {
        specialties: ['Cardiology', 'Internal medicine'],
        languages: ['en', 'it'],
        credentials: 'MD, PhD — Consultant cardiologist',
      },
    ],
  ] as const) {
    await updateOwnProfile(seeded, as(person), {
      ...profile,
      specialties: [...profile.specialties],
      languages: [...profile.languages],
    });
  }

  for (const story of stories(people.patients)) {
    const patient = story.patient;
    const step = async (actor: DemoPerson, request: CaseTransitionRequest) => {
      clock.advanceHours(2);
      return transitionCase(seeded, as(actor), caseId, request);
    };
    clock.advanceHours(3);
    const created = await createCase(seeded, as(patient), { patientId: patient.patientId! });
    const caseId = created.id;
    const complete = story.target !== 'draft';
    const view = await updateCaseDraft(seeded, as(patient), caseId, {
      ...story.intake,
      ...(complete ? { consentAccepted: true } : {}),
    });
    if (!complete) continue;
    const questionIds = view.questions.map((question) => question.id);
    const level = path.indexOf(story.target === 'awaiting_patient' ? 'in_review' : story.target);
    const reach = (state: CaseState) => level >= path.indexOf(state);

    await step(patient, { transition: 'submit' });
    if (story.target === 'withdrawn') {
      await step(patient, {
        transition: 'withdraw',
        note: 'I decided to stay with my current treatment.',
      });
      continue;
    }
    if (story.target === 'submitted') continue;
    await step(coordinator, { transition: 'start_triage' });
    if (story.target === 'cancelled') {
      await step(coordinator, {
        transition: 'cancel',
        note: 'The patient chose a sleep clinic nearer home.',
      });
      continue;
    }
    if (story.target === 'awaiting_records') {
      await step(coordinator, {
        transition: 'request_records',
        recordRequest: {
          what: 'Colonoscopy report and biopsy results',
          why: 'The specialist needs them to judge how active the colitis is.',
          dueAt: new Date(clock.now().getTime() + 10 * 86_400_000).toISOString(),
        },
      });
      continue;
    }
    if (story.target === 'triage') continue;
    // The demo cases come without records, so their checklists' missing documents block
    // matching; the coordinator overrides them with a reason, as real use would record it.
    await step(coordinator, {
      transition: 'mark_ready',
      blockerOverrideReason: demoOverrideReason,
    });
    if (story.target === 'ready_for_matching') {
      // Offered once already: the second specialist declined, so it waits to be offered again.
      await step(coordinator, {
        transition: 'offer',
        offer: { specialistUserId: secondSpecialist.userId },
      });
      await step(secondSpecialist, {
        transition: 'decline_offer',
        declineReason: 'Away at a conference this week.',
      });
      continue;
    }
    await step(coordinator, {
      transition: 'offer',
      offer: { specialistUserId: specialist.userId, acceptWithinHours: 168 },
    });
    if (!reach('accepted')) continue;
    await step(specialist, { transition: 'accept_offer' });
    if (!reach('in_review')) continue;
    await step(specialist, { transition: 'start_review' });
    if (story.target === 'in_review') {
      clock.advanceHours(2);
      const partial = opinionFor(questionIds, story);
      await saveDraft(seeded, as(specialist), caseId, {
        content: { diagnosisAssessment: partial.diagnosisAssessment, alternativeDiagnoses: [] },
      });
      continue;
    }
    if (story.target === 'awaiting_patient') {
      await step(specialist, {
        transition: 'ask_patient',
        patientQuestion: {
          text: 'Do you get the chest tightness at rest, or only when you hurry?',
        },
      });
      continue;
    }
    clock.advanceHours(6);
    await saveDraft(seeded, as(specialist), caseId, { content: opinionFor(questionIds, story) });
    if (story.target === 'opinion_signed') {
      // This clinic released reports by hand at the time: the report waits for the coordinator.
      await seeded.db
        .updateTable('organizations')
        .set({ release_by_coordinator: true })
        .where('id', '=', patient.organizationId)
        .execute();
      await step(specialist, { transition: 'sign_opinion' });
      await seeded.db
        .updateTable('organizations')
        .set({ release_by_coordinator: false })
        .where('id', '=', patient.organizationId)
        .execute();
      continue;
    }
    await step(specialist, { transition: 'sign_opinion' });
    if (story.target === 'delivered') continue;
    const followUps = story.target === 'closed' ? 3 : 1;
    for (let index = 0; index < followUps; index += 1) {
      clock.advanceHours(8);
      const asked = await askFollowUp(seeded, as(patient), caseId, {
        text: [
          'Can I keep working while I wait?',
          'Which exercises are safe?',
          'Should I change my diet?',
        ][index]!,
      });
      if (story.target === 'follow_up') break;
      clock.advanceHours(6);
      const open = asked.followUps.find((question) => question.answeredAt === null)!;
      await answerFollowUp(seeded, as(specialist), caseId, open.id, {
        text: 'Yes. Keep active, and stop if the pain gets worse.',
      });
    }
    if (story.target === 'closed')
      await step(coordinator, { transition: 'close', note: 'All questions answered.' });
  }
}
