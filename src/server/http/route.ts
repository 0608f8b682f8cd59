/**
 * Routes as data. Every feature exports a table of `RouteDefinition`s; one registrar turns them
 * into Fastify routes with validation, the access gate, OpenAPI metadata and the error handler.
 * The same tables drive the generated authorization tests.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Action } from '../../core/access.ts';
import type { RequestContext } from './request-context.ts';

/**
 * Who may call a route at all (finer, per-resource checks happen in the use case):
 * - `public`: anyone, signed in or not;
 * - `second_factor`: a session that passed the password and awaits its second factor;
 * - `member`: an active session; `action` (if set) must be granted to the member's role in
 *   some relation, otherwise the route answers 404; `duringEnrolment` keeps the route open to
 *   staff who have not yet enrolled the mandatory second factor.
 */
export type RouteAccess =
  | { kind: 'public' }
  | { kind: 'second_factor' }
  | { kind: 'member'; action?: Action; duringEnrolment?: boolean };

type SchemaOrNone = z.ZodType | undefined;
type Infer<TSchema extends SchemaOrNone> = TSchema extends z.ZodType
  ? z.output<TSchema>
  : undefined;

export interface RouteInput<
  TBody extends SchemaOrNone,
  TQuery extends SchemaOrNone,
  TParams extends SchemaOrNone,
> {
  body: Infer<TBody>;
  query: Infer<TQuery>;
  params: Infer<TParams>;
  context: RequestContext;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteDefinition<
  TBody extends SchemaOrNone = SchemaOrNone,
  TQuery extends SchemaOrNone = SchemaOrNone,
  TParams extends SchemaOrNone = SchemaOrNone,
> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  summary: string;
  tags: string[];
  access: RouteAccess;
  body?: TBody;
  query?: TQuery;
  params?: TParams;
  /** Response schemas by status; `null` for an empty body. */
  responses: Record<number, z.ZodType | null>;
  /** Responses that are not JSON (CSV, PDF) describe themselves here instead. */
  produces?: string;
  /**
   * The request body is a file, not JSON (an attachment upload): any content type reaches the
   * handler unparsed, which streams `request.raw` itself and enforces its own media types and size
   * limit; the 1 MiB JSON limit does not apply. Routes without it answer 415 to anything but JSON.
   */
  rawBody?: boolean;
  handler(input: RouteInput<TBody, TQuery, TParams>): Promise<unknown>;
}

/** Identity with inference, so each route's handler sees its own parsed body, query and params. */
export function defineRoute<
  TBody extends SchemaOrNone = undefined,
  TQuery extends SchemaOrNone = undefined,
  TParams extends SchemaOrNone = undefined,
>(definition: RouteDefinition<TBody, TQuery, TParams>): RouteDefinition {
  return definition;
}
