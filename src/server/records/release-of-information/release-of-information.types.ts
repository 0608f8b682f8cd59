/**
 * The request body of a release-of-information authorization: the facility that holds the
 * records, what is wanted from it, the dates of service it covers and, optionally, why. Dates are
 * calendar dates (YYYY-MM-DD); that the range does not end in the future is checked against the
 * organization's today by the use case, since it depends on the clock.
 */
import { z } from 'zod';

const line = (max: number) => z.string().trim().min(1).max(max);

/** The most kinds of record one authorization lists, so the form stays one readable page. */
export const releaseRecordsWantedMax = 10;

export const releaseFacilityBody = z.strictObject({
  name: line(200),
  address: line(500).optional(),
  phone: line(50).optional(),
  fax: line(50).optional(),
});

export const releaseAuthorizationBody = z
  .strictObject({
    facility: releaseFacilityBody,
    /** What the facility is asked for, e.g. "Pathology reports", "CT images on disc". */
    recordsWanted: z.array(line(200)).min(1).max(releaseRecordsWantedMax),
    /** The first and last dates of service covered, inclusive. */
    from: z.iso.date(),
    to: z.iso.date(),
    /** Why the records are wanted; printed as "a second medical opinion" when left out. */
    purpose: line(500).optional(),
  })
  .refine((body) => body.from <= body.to, {
    path: ['to'],
    message: 'The end of the date range must not be before its start.',
  });

export type ReleaseAuthorizationInput = z.infer<typeof releaseAuthorizationBody>;
