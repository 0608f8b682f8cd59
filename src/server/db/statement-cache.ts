/**
 * Automatic prepared statements for the application's pools.
 *
 * Each statement the application sends is parsed, analysed and planned by PostgreSQL every time,
 * unless it is sent as a named (prepared) statement, which the server keeps per connection and
 * only binds and executes afterwards. For the short statements that make up most requests
 * (the session check, a page of the queue, an audit insert) that preparation is most of the
 * server's work. Like the auto-prepare of other PostgreSQL drivers, a connection here prepares a
 * statement text once it has been used `minUses` times, up to `maxPrepared` statements per
 * connection; texts used only once (ad-hoc statements) never take a slot, and once the slots are
 * full further texts run unprepared as before. A connection's prepared statements live as long as
 * the connection (the pool closes idle connections), so the memory is bounded by
 * `maxPrepared` × connections.
 *
 * The statements run exactly as before: same text, same parameters, same results. PostgreSQL
 * chooses between a generic and a per-call plan for a prepared statement by itself
 * (`plan_cache_mode = auto`). Migrations run on their own connection, before the pools open, so a
 * prepared statement never outlives the schema it was planned for.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

export interface StatementCacheOptions {
  /** Uses of a statement text on a connection before it is prepared (default 2). */
  minUses?: number;
  /** Prepared statements per connection at most (default 200). */
  maxPrepared?: number;
}

/** How many distinct unprepared texts a connection counts before it forgets the counts. */
const maxCountedTexts = 2_000;

/** Only plannable statements are prepared; BEGIN, SET and the like pass through. */
const plannable = /^\s*(?:select|insert|update|delete|with)\b/i;

type Query = (...args: unknown[]) => unknown;

/**
 * Make `client` prepare the statements it runs often. Only calls of the shape Kysely makes,
 * `query(text, values)`, are affected; any other call passes through untouched.
 */
export function prepareFrequentStatements(
  client: pg.ClientBase,
  options: StatementCacheOptions = {},
): void {
  const minUses = options.minUses ?? 2;
  const maxPrepared = options.maxPrepared ?? 200;
  const uses = new Map<string, number>();
  const names = new Map<string, string>();
  const query = client.query.bind(client) as Query;

  const nameFor = (text: string): string | undefined => {
    const known = names.get(text);
    if (known !== undefined || names.size >= maxPrepared) return known;
    const count = (uses.get(text) ?? 0) + 1;
    if (count < minUses) {
      if (uses.size >= maxCountedTexts) uses.clear();
      uses.set(text, count);
      return undefined;
    }
    uses.delete(text);
    const name = `c_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    names.set(text, name);
    return name;
  };

  (client as { query: Query }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (
      args.length === 2 &&
      typeof text === 'string' &&
      Array.isArray(values) &&
      plannable.test(text)
    ) {
      const name = nameFor(text);
      if (name !== undefined) return query({ name, text, values });
    }
    return query(...args);
  };
}
