/**
 * The signed-in session as the browser knows it: one TanStack Query entry, `null` when signed out.
 * Route guards read it with `ensureQueryData`; components with `useSession`.
 */
import { queryOptions, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { client, unwrap } from '../api/client.ts';
import { isApiError } from '../api/api-error.ts';
import type { components } from '../api/schema.gen.ts';

export type Session = components['schemas']['Session'];

export const sessionQueryKey = ['session'] as const;

/** Called when a session that the app held is found to be gone (set by the router module). */
let onSessionLost: () => void = () => undefined;
export function setSessionLostHandler(handler: () => void): void {
  onSessionLost = handler;
}

export function sessionQueryOptions(queryClient: QueryClient) {
  return queryOptions({
    queryKey: sessionQueryKey,
    queryFn: async (): Promise<Session | null> => {
      try {
        return await unwrap(client.GET('/api/v1/auth/session'));
      } catch (error) {
        if (isApiError(error) && error.status === 401) {
          const hadSession = queryClient.getQueryData<Session | null>(sessionQueryKey);
          if (hadSession) onSessionLost();
          return null;
        }
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

/** Loads the session for a route guard (from cache when fresh). */
export function ensureSession(queryClient: QueryClient): Promise<Session | null> {
  return queryClient.query(sessionQueryOptions(queryClient));
}

/** The current session: undefined while loading, null when signed out. */
export function useSession(): Session | null | undefined {
  const queryClient = useQueryClient();
  return useQuery(sessionQueryOptions(queryClient)).data;
}

/** The current session inside routes whose guard already required one. */
export function useSignedInSession(): Session {
  const session = useSession();
  if (!session) throw new Error('useSignedInSession used outside a signed-in route');
  return session;
}

/** Reloads the session after sign-in, sign-out or a change to second factors. */
export async function refreshSession(queryClient: QueryClient): Promise<Session | null> {
  return queryClient.query({ ...sessionQueryOptions(queryClient), staleTime: 0 });
}
