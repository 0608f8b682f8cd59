/**
 * The coordinator queue's filters as URL search params, so a filtered queue can be bookmarked,
 * shared and restored with the back button. Values come from people and links, so each is narrowed
 * from `unknown` and anything unexpected is dropped (as in app/search-params.ts).
 */
import { caseStates, urgencies, type CaseState, type Urgency } from '../../core/case-lifecycle.ts';

export interface QueueSearch {
  state?: CaseState;
  urgency?: Urgency;
  /** Set (as `?overdue=1`) to show only cases past their stage deadline. */
  overdue?: 1;
  /** A specialist's user id, or `unassigned` for cases nobody holds. */
  assignee?: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function validateQueueSearch(search: Record<string, unknown>): QueueSearch {
  const result: QueueSearch = {};
  const state = caseStates.find((candidate) => candidate === search.state);
  if (state !== undefined && state !== 'draft') result.state = state;
  const urgency = urgencies.find((candidate) => candidate === search.urgency);
  if (urgency !== undefined) result.urgency = urgency;
  if (
    search.overdue === 1 ||
    search.overdue === true ||
    search.overdue === '1' ||
    search.overdue === 'true'
  )
    result.overdue = 1;
  const assignee = search.assignee;
  if (typeof assignee === 'string' && (assignee === 'unassigned' || uuid.test(assignee)))
    result.assignee = assignee.toLowerCase();
  return result;
}
