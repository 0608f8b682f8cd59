/**
 * The hand-over from the upload transport to the processing step (check, scan, encrypt, read):
 * once an upload is complete its row is `processing` and a pg-boss job `records.process` names
 * it. The row is the durable record of the work; the job only says "look at it now" (as for
 * email, see jobs/job-queue.ts). The processing step registers its handler here and must be
 * idempotent: it reads the row and does nothing unless it is still `processing`.
 */
import { z } from 'zod';
import type { DatabaseTransaction } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';

/** The pg-boss queue of complete uploads. */
export const recordProcessJobName = 'records.process';

export const recordProcessJobSchema = z.strictObject({ uploadId: z.uuid() });

/** The payload of a `records.process` job: the complete upload's `record_uploads.id`. */
export type RecordProcessJob = z.infer<typeof recordProcessJobSchema>;

/**
 * Asks the processing step to take up upload `uploadId`; with `transaction`, the job exists only
 * if that transaction (the one marking the row `processing`) commits.
 */
export async function enqueueRecordProcessing(
  jobs: Pick<JobQueue, 'send'>,
  uploadId: string,
  transaction?: DatabaseTransaction,
): Promise<void> {
  const job: RecordProcessJob = { uploadId };
  await jobs.send(recordProcessJobName, job, transaction === undefined ? {} : { transaction });
}

/**
 * Registers the processing step's handler of `records.process`. A payload that is not a
 * `RecordProcessJob` fails the job (pg-boss keeps it, failed, for an operator to see).
 */
export async function registerRecordProcessing(
  jobs: Pick<JobQueue, 'work'>,
  handler: (job: RecordProcessJob) => Promise<void>,
): Promise<void> {
  await jobs.work(recordProcessJobName, async (data) => {
    await handler(recordProcessJobSchema.parse(data));
  });
}
