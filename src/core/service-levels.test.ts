/**
 * Service-level clocks: business days in the organization's time zone, correct across
 * daylight-saving changes, and defaults where urgent is never slower than routine.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeDeadline,
  defaultStageServiceLevels,
  fromWallTime,
  isOverdue,
  isUrgentNoSlowerThanRoutine,
  serviceLevelSettingsSchema,
  stageDeadline,
  timedStages,
  toWallTime,
  type BusinessCalendar,
  type ServiceLevelRule,
  type ServiceLevelSettings,
  type WallTime,
} from './service-levels.ts';

const hour = 3_600_000;
const day = 24 * hour;

const madrid: BusinessCalendar = { timeZone: 'Europe/Madrid', businessDays: true };
const newYork: BusinessCalendar = { timeZone: 'America/New_York', businessDays: true };

/** Zones whose clocks change on Sundays (so a business-day deadline never lands in a gap). */
const sundaySwitchZones = [
  'Europe/Madrid',
  'America/New_York',
  'Europe/London',
  'America/Los_Angeles',
  'Australia/Sydney',
  'Asia/Tokyo',
  'Asia/Kolkata',
  'UTC',
];

/** DST changes of 2026 in those zones, so the generated starts straddle them often. */
const dstChanges = [
  '2026-03-08T07:00:00Z',
  '2026-03-29T01:00:00Z',
  '2026-04-04T16:00:00Z',
  '2026-10-03T16:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-11-01T06:00:00Z',
].map((iso) => new Date(iso).getTime());

const startArbitrary = fc.oneof(
  fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 11, 31) }).map((ms) => new Date(ms)),
  fc
    .tuple(fc.constantFrom(...dstChanges), fc.integer({ min: -10 * day, max: 2 * day }))
    .map(([change, offset]) => new Date(change + offset)),
);

const holidaysArbitrary = fc.array(
  fc.integer({ min: 0, max: 60 }).map((n) => new Date(Date.UTC(2026, 2, 1) + n * day)),
  { maxLength: 6 },
);

function localDate(instant: Date, timeZone: string): string {
  const wall = toWallTime(instant, timeZone);
  return new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).toISOString().slice(0, 10);
}

function weekday(isoDate: string): number {
  return new Date(`${isoDate}T00:00:00Z`).getUTCDay();
}

function clock(wall: WallTime): string {
  return [wall.hour, wall.minute, wall.second].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Business days after `from` up to and including `to` (local dates). */
function businessDaysBetween(from: string, to: string, holidays: readonly string[]): number {
  let count = 0;
  for (
    let t = Date.parse(`${from}T00:00:00Z`) + day;
    t <= Date.parse(`${to}T00:00:00Z`);
    t += day
  ) {
    const iso = new Date(t).toISOString().slice(0, 10);
    if (weekday(iso) !== 0 && weekday(iso) !== 6 && !holidays.includes(iso)) count += 1;
  }
  return count;
}

describe('computeDeadline across daylight-saving changes', () => {
  it('keeps 10:00 in Madrid when summer time begins (end of March)', () => {
    // Thursday 26 March 2026, 10:00 CET (UTC+1); clocks go forward on Sunday 29 March.
    const start = new Date('2026-03-26T09:00:00Z');
    const due = computeDeadline(start, { unit: 'days', amount: 2 }, madrid);
    expect(due.toISOString()).toBe('2026-03-30T08:00:00.000Z'); // Monday 10:00 CEST (UTC+2)
  });

  it('keeps 10:00 in Madrid when summer time ends (end of October)', () => {
    // Friday 23 October 2026, 10:00 CEST; clocks go back on Sunday 25 October.
    const start = new Date('2026-10-23T08:00:00Z');
    const due = computeDeadline(start, { unit: 'days', amount: 1 }, madrid);
    expect(due.toISOString()).toBe('2026-10-26T09:00:00.000Z'); // Monday 10:00 CET
  });

  it('keeps the wall time in New York in March and November', () => {
    // Friday 6 March 2026, 09:00 EST; DST starts Sunday 8 March.
    expect(
      computeDeadline(new Date('2026-03-06T14:00:00Z'), { unit: 'days', amount: 1 }, newYork),
    ).toEqual(new Date('2026-03-09T13:00:00Z'));
    // Friday 30 October 2026, 17:00 EDT; DST ends Sunday 1 November.
    expect(
      computeDeadline(new Date('2026-10-30T21:00:00Z'), { unit: 'days', amount: 1 }, newYork),
    ).toEqual(new Date('2026-11-02T22:00:00Z'));
  });

  it('counts hours as elapsed time, so the local clock shows the shift', () => {
    // Saturday 28 March 2026, 20:00 CET + 12 h = Sunday 09:00 CEST, 12 real hours later.
    const start = new Date('2026-03-28T19:00:00Z');
    const due = computeDeadline(start, { unit: 'hours', amount: 12 }, madrid);
    expect(due.getTime() - start.getTime()).toBe(12 * hour);
    expect(clock(toWallTime(due, 'Europe/Madrid'))).toBe('09:00:00');
  });

  it('moves a calendar-day deadline that falls in the spring gap forward by the gap', () => {
    const calendar = { ...madrid, businessDays: false };
    // Saturday 28 March 02:30 CET + 1 day: Sunday 02:30 does not exist in Madrid.
    const due = computeDeadline(
      new Date('2026-03-28T01:30:00Z'),
      { unit: 'days', amount: 1 },
      calendar,
    );
    expect(due.toISOString()).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
  });

  it('takes the first of two repeated wall times in the autumn overlap', () => {
    const calendar = { ...madrid, businessDays: false };
    // Saturday 24 October 02:30 CEST + 1 day: Sunday 02:30 happens twice; the first is CEST.
    const due = computeDeadline(
      new Date('2026-10-24T00:30:00Z'),
      { unit: 'days', amount: 1 },
      calendar,
    );
    expect(due.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });
});

describe('computeDeadline on business days', () => {
  it('skips the weekend', () => {
    // Friday 8 May 2026, 15:00 Madrid + 1 business day = Monday 11 May, 15:00.
    const due = computeDeadline(
      new Date('2026-05-08T13:00:00Z'),
      { unit: 'days', amount: 1 },
      madrid,
    );
    expect(due).toEqual(new Date('2026-05-11T13:00:00Z'));
  });

  it('skips holidays of the organization', () => {
    // Wednesday 23 December 2026 10:00 + 2 business days, with 24 and 25 December off: Tuesday 29.
    const due = computeDeadline(
      new Date('2026-12-23T09:00:00Z'),
      { unit: 'days', amount: 2 },
      { ...madrid, holidays: ['2026-12-24', '2026-12-25'] },
    );
    expect(due).toEqual(new Date('2026-12-29T09:00:00Z'));
  });

  it('grants whole business days to a case that arrives at the weekend', () => {
    // Saturday 9 May 2026, 11:00: the clock starts Monday 00:00, one business day ends Tuesday 00:00.
    const due = computeDeadline(
      new Date('2026-05-09T09:00:00Z'),
      { unit: 'days', amount: 1 },
      madrid,
    );
    expect(due).toEqual(new Date('2026-05-11T22:00:00Z'));
  });

  it('lands on a business day, the same local wall time, exactly the days granted later', () => {
    fc.assert(
      fc.property(
        startArbitrary,
        fc.integer({ min: 1, max: 15 }),
        fc.constantFrom(...sundaySwitchZones),
        holidaysArbitrary,
        (start, amount, timeZone, holidayDates) => {
          const holidays = holidayDates.map((date) => date.toISOString().slice(0, 10));
          const due = computeDeadline(
            start,
            { unit: 'days', amount },
            { timeZone, businessDays: true, holidays },
          );
          const startDate = localDate(start, timeZone);
          const dueDate = localDate(due, timeZone);
          expect([0, 6]).not.toContain(weekday(dueDate));
          expect(holidays).not.toContain(dueDate);
          expect(due.getTime()).toBeGreaterThan(start.getTime());
          const startsOnBusinessDay =
            ![0, 6].includes(weekday(startDate)) && !holidays.includes(startDate);
          const startClock = clock(toWallTime(start, timeZone));
          expect(clock(toWallTime(due, timeZone))).toBe(
            startsOnBusinessDay ? startClock : '00:00:00',
          );
          // Counted from the start date, or from the day before the first business day after it.
          const countedDays = businessDaysBetween(startDate, dueDate, holidays);
          expect(countedDays).toBe(startsOnBusinessDay ? amount : amount + 1);
        },
      ),
    );
  });

  it('never moves a deadline earlier when the stage starts later', () => {
    fc.assert(
      fc.property(
        startArbitrary,
        fc.integer({ min: 0, max: 5 * day }),
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom(...sundaySwitchZones),
        fc.boolean(),
        (start, later, amount, timeZone, businessDays) => {
          const calendar = { timeZone, businessDays };
          const rule: ServiceLevelRule = { unit: 'days', amount };
          const first = computeDeadline(start, rule, calendar);
          const second = computeDeadline(new Date(start.getTime() + later), rule, calendar);
          expect(second.getTime()).toBeGreaterThanOrEqual(first.getTime());
        },
      ),
    );
  });
});

describe('urgent is never slower than routine', () => {
  it('holds for every default stage', () => {
    for (const stage of timedStages) {
      const { routine, urgent } = defaultStageServiceLevels[stage];
      expect(isUrgentNoSlowerThanRoutine(urgent, routine), stage).toBe(true);
    }
  });

  it('holds for any start, zone and calendar once the pair passes the check', () => {
    const ruleArbitrary: fc.Arbitrary<ServiceLevelRule> = fc.oneof(
      fc.record({ unit: fc.constant('hours' as const), amount: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ unit: fc.constant('days' as const), amount: fc.integer({ min: 1, max: 10 }) }),
    );
    fc.assert(
      fc.property(
        ruleArbitrary,
        ruleArbitrary,
        startArbitrary,
        // Antarctica/Troll has the shortest day anywhere (22 h), the bound the check relies on.
        fc.constantFrom(...sundaySwitchZones, 'Antarctica/Troll'),
        fc.boolean(),
        holidaysArbitrary,
        (urgent, routine, start, timeZone, businessDays, holidayDates) => {
          fc.pre(isUrgentNoSlowerThanRoutine(urgent, routine));
          const calendar = {
            timeZone,
            businessDays,
            holidays: holidayDates.map((date) => date.toISOString().slice(0, 10)),
          };
          expect(computeDeadline(start, urgent, calendar).getTime()).toBeLessThanOrEqual(
            computeDeadline(start, routine, calendar).getTime(),
          );
        },
      ),
    );
  });

  it('holds for the default stage deadlines at any start', () => {
    fc.assert(
      fc.property(
        startArbitrary,
        fc.constantFrom(...timedStages),
        fc.constantFrom(...sundaySwitchZones),
        (start, stage, timeZone) => {
          const settings: ServiceLevelSettings = {
            timeZone,
            businessDays: true,
            holidays: [],
            stages: {},
          };
          const urgent = stageDeadline(stage, 'urgent', start, settings);
          const routine = stageDeadline(stage, 'routine', start, settings);
          expect(urgent!.getTime()).toBeLessThanOrEqual(routine!.getTime());
        },
      ),
    );
  });

  it('rests on the shortest day: 22 h in Antarctica/Troll when it moves from UTC+0 to UTC+2', () => {
    const calendar = { timeZone: 'Antarctica/Troll', businessDays: false };
    const saturdayNoon = new Date('2026-03-28T12:00:00Z');
    const oneDay = computeDeadline(saturdayNoon, { unit: 'days', amount: 1 }, calendar);
    expect(oneDay.getTime() - saturdayNoon.getTime()).toBe(22 * hour);
    expect(
      isUrgentNoSlowerThanRoutine({ unit: 'hours', amount: 22 }, { unit: 'days', amount: 1 }),
    ).toBe(true);
    expect(
      isUrgentNoSlowerThanRoutine({ unit: 'hours', amount: 23 }, { unit: 'days', amount: 1 }),
    ).toBe(false);
  });

  it('is refused in settings where urgent could end after routine', () => {
    const settings = {
      timeZone: 'Europe/Madrid',
      businessDays: true,
      holidays: [],
      stages: {
        in_review: { routine: { unit: 'hours', amount: 48 }, urgent: { unit: 'days', amount: 1 } },
      },
    };
    const result = serviceLevelSettingsSchema.safeParse(settings);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['stages', 'in_review', 'urgent']);
  });
});

describe('zoned wall time', () => {
  it('reads back the wall time of any instant', () => {
    fc.assert(
      fc.property(startArbitrary, fc.constantFrom(...sundaySwitchZones), (instant, timeZone) => {
        const wall = toWallTime(instant, timeZone);
        const back = fromWallTime(wall, timeZone);
        expect(toWallTime(back, timeZone)).toEqual(wall);
        // Only the second pass through a repeated hour maps to an earlier instant.
        expect(back.getTime()).toBeLessThanOrEqual(instant.getTime());
        expect(instant.getTime() - back.getTime()).toBeLessThanOrEqual(hour);
      }),
    );
  });
});

describe('stage deadlines and overdue', () => {
  const settings: ServiceLevelSettings = {
    timeZone: 'Europe/Madrid',
    businessDays: true,
    holidays: [],
    stages: {
      offered: { routine: { unit: 'hours', amount: 24 }, urgent: { unit: 'hours', amount: 6 } },
    },
  };
  // Monday 4 May 2026, 10:00 Madrid.
  const monday = new Date('2026-05-04T08:00:00Z');

  it('uses the defaults: 5 business days routine and 2 urgent for the written opinion', () => {
    expect(stageDeadline('in_review', 'routine', monday, settings)).toEqual(
      new Date('2026-05-11T08:00:00Z'),
    );
    expect(stageDeadline('in_review', 'urgent', monday, settings)).toEqual(
      new Date('2026-05-06T08:00:00Z'),
    );
    expect(stageDeadline('triage', 'routine', monday, settings)).toEqual(
      new Date('2026-05-05T08:00:00Z'),
    );
  });

  it('uses the organization’s own allowance where it sets one', () => {
    expect(stageDeadline('offered', 'urgent', monday, settings)).toEqual(
      new Date(monday.getTime() + 6 * hour),
    );
    const defaults = { ...settings, stages: {} };
    expect(stageDeadline('offered', 'routine', monday, defaults)).toEqual(
      new Date(monday.getTime() + 12 * hour),
    );
  });

  it('runs no clock on a draft or a finished case', () => {
    expect(stageDeadline('draft', 'urgent', monday, settings)).toBeNull();
    expect(stageDeadline('closed', 'routine', monday, settings)).toBeNull();
    expect(stageDeadline('withdrawn', 'routine', monday, settings)).toBeNull();
  });

  it('is overdue only after the deadline', () => {
    expect(isOverdue(monday, monday)).toBe(false);
    expect(isOverdue(monday, new Date(monday.getTime() + 1))).toBe(true);
    expect(isOverdue(null, new Date(monday.getTime() + 365 * day))).toBe(false);
  });

  it('validates settings: known time zone, ISO holidays, whole days', () => {
    expect(serviceLevelSettingsSchema.safeParse(settings).success).toBe(true);
    expect(
      serviceLevelSettingsSchema.safeParse({ ...settings, timeZone: 'Europe/Atlantis' }).success,
    ).toBe(false);
    expect(
      serviceLevelSettingsSchema.safeParse({ ...settings, holidays: ['24/12/2026'] }).success,
    ).toBe(false);
    expect(
      serviceLevelSettingsSchema.safeParse({
        ...settings,
        stages: {
          triage: { routine: { unit: 'days', amount: 1.5 }, urgent: { unit: 'hours', amount: 4 } },
        },
      }).success,
    ).toBe(false);
  });
});
