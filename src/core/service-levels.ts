/**
 * Service-level clocks: how long each stage of a case may take, per organization and urgency, and
 * the date maths that turns "5 business days" into an instant (PRODUCT.md: every stage has an owner
 * and a deadline; overdue stages escalate).
 *
 * Business days are counted in the organization's IANA time zone, Monday to Friday minus the
 * organization's holidays, and a deadline in days keeps the local wall time of its start, so a case
 * started at 10:00 in Madrid is due at 10:00 Madrid time even when summer time began in between.
 * Local wall time comes from `Intl.DateTimeFormat` (the platform's tz database); no date library.
 */
import { z } from 'zod';
import type { CaseState, Urgency } from './case-lifecycle.ts';

/** A stage's allowance: elapsed hours, or days (business days where the organization counts them). */
export interface ServiceLevelRule {
  unit: 'hours' | 'days';
  amount: number;
}

/** The allowance of one stage for each urgency. */
export type StageServiceLevels = Readonly<Record<Urgency, ServiceLevelRule>>;

/** The organization's calendar: where its days begin and end, and which days count. */
export interface BusinessCalendar {
  /** IANA time zone, e.g. `Europe/Madrid`. */
  timeZone: string;
  /** Whether days are business days (Mon–Fri minus holidays) rather than calendar days. */
  businessDays: boolean;
  /** Local dates (`YYYY-MM-DD`) that are not business days. */
  holidays?: readonly string[];
}

/** The stages that run a clock: every owned stage except the patient's own draft. */
export const timedStages = [
  'submitted',
  'triage',
  'awaiting_records',
  'ready_for_matching',
  'offered',
  'accepted',
  'in_review',
  'awaiting_patient',
  'opinion_signed',
  'delivered',
  'follow_up',
] as const satisfies readonly CaseState[];

export type TimedStage = (typeof timedStages)[number];

const hours = (amount: number): ServiceLevelRule => ({ unit: 'hours', amount });
const days = (amount: number): ServiceLevelRule => ({ unit: 'days', amount });

/**
 * Defaults, from the figures in PRODUCT.md: commercial services deliver a written opinion 3–7
 * working days after records are complete (5 routine, 2 urgent here); one network gives
 * specialists 12 h to accept. Triage takes one business day. `delivered` measures how soon the
 * referring physician confirms receipt before a reminder; `follow_up` how soon a follow-up
 * question is answered.
 */
export const defaultStageServiceLevels: Readonly<Record<TimedStage, StageServiceLevels>> = {
  submitted: { routine: days(1), urgent: hours(4) },
  triage: { routine: days(1), urgent: hours(4) },
  awaiting_records: { routine: days(10), urgent: days(3) },
  ready_for_matching: { routine: days(1), urgent: hours(4) },
  offered: { routine: hours(12), urgent: hours(4) },
  accepted: { routine: days(1), urgent: hours(4) },
  in_review: { routine: days(5), urgent: days(2) },
  awaiting_patient: { routine: days(3), urgent: days(1) },
  opinion_signed: { routine: days(1), urgent: hours(4) },
  delivered: { routine: days(5), urgent: days(2) },
  follow_up: { routine: days(3), urgent: days(1) },
};

/**
 * The shortest calendar day anywhere is 22 h (Antarctica/Troll moves from UTC+0 to UTC+2), so
 * `n` days never take less than `22 n` hours of elapsed time.
 */
const shortestDayHours = 22;

/**
 * Whether `urgent` can never end later than `routine`, whatever the start and calendar: same units
 * compare directly; hours against days use the shortest possible day; days are never provably
 * shorter than hours, because weekends and holidays stretch them without bound.
 */
export function isUrgentNoSlowerThanRoutine(
  urgent: ServiceLevelRule,
  routine: ServiceLevelRule,
): boolean {
  if (urgent.unit === routine.unit) return urgent.amount <= routine.amount;
  if (urgent.unit === 'hours') return urgent.amount <= routine.amount * shortestDayHours;
  return false;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const ruleSchema = z.discriminatedUnion('unit', [
  z.object({
    unit: z.literal('hours'),
    amount: z
      .number()
      .positive()
      .max(24 * 90),
  }),
  z.object({ unit: z.literal('days'), amount: z.number().int().positive().max(90) }),
]);

const stageSchema = z
  .object({ routine: ruleSchema, urgent: ruleSchema })
  .refine((stage) => isUrgentNoSlowerThanRoutine(stage.urgent, stage.routine), {
    message: 'An urgent case may not be given longer than a routine one.',
    path: ['urgent'],
  });

/**
 * An organization's service-level settings as stored and edited by the org admin. Stages left out
 * use the defaults; an urgent allowance may never exceed the routine one.
 */
export const serviceLevelSettingsSchema = z.object({
  timeZone: z.string().refine(isValidTimeZone, { message: 'Unknown time zone.' }),
  businessDays: z.boolean(),
  holidays: z.array(z.iso.date()).max(400),
  stages: z.partialRecord(z.enum(timedStages), stageSchema),
});

export type ServiceLevelSettings = z.infer<typeof serviceLevelSettingsSchema>;

/** A local date and time of day, as read on a clock on the wall of the organization. */
export interface WallTime {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    // h23 avoids the "24:00" some engines print for midnight with hour12: false.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall time in `timeZone` at `instant`. */
export function toWallTime(instant: Date, timeZone: string): WallTime {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const ms = instant.getTime();
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
    millisecond: ((ms % 1000) + 1000) % 1000,
  };
}

/** The wall time read as if it were UTC: a plain number to do calendar arithmetic on. */
function wallAsUtc(wall: WallTime): number {
  return Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
    wall.millisecond,
  );
}

/** The zone's offset from UTC at `instant`, in milliseconds. */
function offsetAt(instantMs: number, timeZone: string): number {
  return wallAsUtc(toWallTime(new Date(instantMs), timeZone)) - instantMs;
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/**
 * The instant at which clocks in `timeZone` show `wall`. Resolved as Temporal's "compatible"
 * disambiguation does: a wall time repeated when clocks go back means its first occurrence; a wall
 * time skipped when clocks go forward moves forward by the gap (02:30 becomes 03:30).
 */
export function fromWallTime(wall: WallTime, timeZone: string): Date {
  const naive = wallAsUtc(wall);
  // Offsets a day either side bracket any single transition near this wall time.
  const before = offsetAt(naive - dayMs, timeZone);
  const after = offsetAt(naive + dayMs, timeZone);
  const candidates = [naive - before, naive - after]
    .filter((instant) => wallAsUtc(toWallTime(new Date(instant), timeZone)) === naive)
    .sort((a, b) => a - b);
  const first = candidates[0];
  // No candidate shows this wall time: it fell in a gap; the offset before the gap moves it on.
  return new Date(first ?? naive - before);
}

/** A local calendar date, in whole days since 1970-01-01 (timeless, so DST cannot touch it). */
function dayNumber(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day) / dayMs;
}

function isoDate(day: number): string {
  return new Date(day * dayMs).toISOString().slice(0, 10);
}

function isBusinessDay(day: number, holidays: ReadonlySet<string>): boolean {
  const weekday = new Date(day * dayMs).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !holidays.has(isoDate(day));
}

/**
 * When a stage that starts at `start` is due under `rule`.
 *
 * - Hours are elapsed time, the same anywhere: 12 h is 12 h even across a DST change.
 * - Calendar days land on the same local wall time `amount` dates later.
 * - Business days do the same, counting only Monday–Friday that are not holidays. A start outside
 *   business days (a Saturday, a holiday) counts from the beginning of the next business day, so
 *   every business day granted is a whole one.
 */
export function computeDeadline(
  start: Date,
  rule: ServiceLevelRule,
  calendar: BusinessCalendar,
): Date {
  if (rule.unit === 'hours') return new Date(start.getTime() + rule.amount * hourMs);
  const wall = toWallTime(start, calendar.timeZone);
  let day = dayNumber(wall);
  let time = { hour: wall.hour, minute: wall.minute, second: wall.second, ms: wall.millisecond };
  if (!calendar.businessDays) {
    day += rule.amount;
  } else {
    const holidays = new Set(calendar.holidays ?? []);
    if (!isBusinessDay(day, holidays)) {
      do day += 1;
      while (!isBusinessDay(day, holidays));
      time = { hour: 0, minute: 0, second: 0, ms: 0 };
    }
    for (let counted = 0; counted < rule.amount;) {
      day += 1;
      if (isBusinessDay(day, holidays)) counted += 1;
    }
  }
  const date = new Date(day * dayMs);
  return fromWallTime(
    {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: time.hour,
      minute: time.minute,
      second: time.second,
      millisecond: time.ms,
    },
    calendar.timeZone,
  );
}

/** The allowance for `stage` at `urgency`: the organization's own, else the default. */
export function stageServiceLevel(
  stage: TimedStage,
  urgency: Urgency,
  overrides: ServiceLevelSettings['stages'] = {},
): ServiceLevelRule {
  return (overrides[stage] ?? defaultStageServiceLevels[stage])[urgency];
}

/** Whether a case state runs a service-level clock. */
export function isTimedStage(state: CaseState): state is TimedStage {
  return (timedStages as readonly CaseState[]).includes(state);
}

/**
 * The deadline of the stage a case enters at `enteredAt`, or null for stages without a clock (the
 * patient's draft, terminal states). The use case stores it with the transition it takes.
 */
export function stageDeadline(
  stage: CaseState,
  urgency: Urgency,
  enteredAt: Date,
  settings: ServiceLevelSettings,
): Date | null {
  if (!isTimedStage(stage)) return null;
  return computeDeadline(enteredAt, stageServiceLevel(stage, urgency, settings.stages), settings);
}

/** Whether a stage due at `deadline` is overdue at `now`: strictly after; no clock, never overdue. */
export function isOverdue(deadline: Date | null, now: Date): boolean {
  return deadline !== null && now.getTime() > deadline.getTime();
}
