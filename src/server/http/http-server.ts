/**
 * The HTTP edge: Fastify with zod validation and serialisation, security headers, the session
 * and CSRF hooks, the route tables, OpenAPI 3.1 at /api/openapi.json (docs at /api/docs), and
 * the built web app with client-side routing.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canEver } from '../../core/access.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { resolveSession } from '../auth/resolve-session.ts';
import {
  clearSessionCookie,
  csrfCookieName,
  csrfHeaderName,
  sessionCookieName,
  setCsrfCookie,
} from '../auth/session-cookie.ts';
import { createToken, safeEqual } from '../platform/secrets.ts';
import { maskUrl } from '../platform/logger.ts';
import { handleError } from './error-handler.ts';
import { createAuthThrottle, throttledPaths } from './rate-limit.ts';
import type { RequestContext } from './request-context.ts';
import type { RouteDefinition } from './route.ts';

declare module 'fastify' {
  interface FastifyRequest {
    context: RequestContext;
    sessionEnded: boolean;
  }
  interface FastifyContextConfig {
    /** The route reads its body as a raw stream (see `RouteDefinition.rawBody`). */
    rawBody?: boolean;
  }
}

/** The DICOM viewer's decoder workers, as the viewer package ships them. */
const dicomDecoderDirectory = path.resolve(
  import.meta.dirname,
  '../../../node_modules/dwv/dist/assets/workers',
);
const dicomDecoderWorker =
  /\/assets\/workers\/(jpegbaseline|jpegloss|jpeg2000|rle|labeling|resampling)\.worker\.min\.js$/;

/**
 * The zod serializer, remembering what it wrote for a shared result: a page read once for many
 * identical requests (platform/batching.ts) is frozen, and is then serialised once for all of them.
 * Nothing else is frozen, so every other answer is serialised as before.
 */
const sharingSerializerCompiler: typeof serializerCompiler = (route) => {
  const serialize = serializerCompiler(route);
  const written = new WeakMap<object, string>();
  return (data: unknown) => {
    if (typeof data !== 'object' || data === null || !Object.isFrozen(data)) return serialize(data);
    let text = written.get(data);
    if (text === undefined) {
      text = serialize(data);
      written.set(data, text);
    }
    return text;
  };
};

export interface HttpServerOptions {
  routes: readonly RouteDefinition[];
  /** Directory of the built web app (index.html); omitted when the API runs alone. */
  webRoot?: string | undefined;
  /** Health checks supplied by the composition root. */
  readiness: () => Promise<{ ready: boolean; checks: Record<string, string> }>;
  /** Environment-specific extras (development mailbox, test clock), registered before the web app. */
  registerExtra?: (app: FastifyInstance) => void;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

function gate(route: RouteDefinition, request: FastifyRequest): void {
  const { context } = request;
  switch (route.access.kind) {
    case 'public':
      return;
    case 'second_factor':
      if (context.session?.stage !== 'awaiting_second_factor') {
        throw new AppError(request.sessionEnded ? 'session_expired' : 'unauthenticated');
      }
      return;
    case 'member': {
      if (context.actor === null) {
        throw new AppError(
          request.sessionEnded
            ? 'session_expired'
            : context.session !== null
              ? 'mfa_challenge_required'
              : 'unauthenticated',
        );
      }
      if (context.enrolmentRequired && route.access.duringEnrolment !== true) {
        throw new AppError('mfa_enrolment_required');
      }
      if (route.access.action !== undefined && !canEver(context.actor.role, route.access.action)) {
        throw new AppError('not_found');
      }
      return;
    }
    default: {
      const exhaustive: never = route.access;
      throw new Error(`unknown access ${String(exhaustive)}`);
    }
  }
}

export async function createHttpServer(
  services: Services,
  options: HttpServerOptions,
): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    loggerInstance: services.logger,
    bodyLimit: 1024 * 1024,
    trustProxy: config.http.trustProxy,
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(sharingSerializerCompiler);
  app.setErrorHandler(handleError);
  // The API speaks JSON only: without this, Fastify's built-in text/plain parser hands a string
  // to the body schema and the caller gets validation_failed instead of 415.
  app.removeContentTypeParser('text/plain');
  // File uploads: a route marked `rawBody` gets the unread stream as its body whatever the content
  // type (its use case checks type and size while streaming); every other route keeps answering
  // 415 to anything that is not JSON, as it would without this parser.
  app.addContentTypeParser('*', (request, payload, done) => {
    if (request.routeOptions.config.rawBody === true) done(null, payload);
    else done(new AppError('unsupported_media_type'), undefined);
  });

  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // WebAssembly only (no eval of scripts): the PDF viewer decodes JBIG2 and JPEG 2000
        // images of scanned reports with it.
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
    frameguard: { action: 'deny' },
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Consilium API',
        version: '1',
        description:
          'Medical second opinions: cases, records, opinions, audit. Cookie session; non-GET requests carry x-csrf-token.',
      },
      servers: [{ url: config.http.publicUrl }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  const throttle = createAuthThrottle(config.http.authRateLimitPerMinute, services.clock);
  const throttled = new Set(throttledPaths);

  app.decorateRequest('context', null as unknown as RequestContext);
  app.decorateRequest('sessionEnded', false);

  app.addHook('onRequest', async (request, reply) => {
    request.log = request.log.child({ url: maskUrl(request.url) });
    const base = {
      requestId: request.id,
      ipAddress: request.ip,
      userAgent: request.headers['user-agent']?.slice(0, 400) ?? null,
    };
    if (!request.url.startsWith('/api/')) {
      request.context = {
        ...base,
        session: null,
        user: null,
        actor: null,
        enrolmentRequired: false,
      };
      return;
    }
    reply.header('cache-control', 'no-store');
    if (request.method === 'POST' && throttled.has(request.url.split('?')[0] ?? ''))
      throttle.hit(request.ip);
    const csrfCookie = request.cookies[csrfCookieName];
    if (csrfCookie === undefined || csrfCookie.length < 20) setCsrfCookie(reply, createToken());
    if (!safeMethods.has(request.method)) {
      const header = request.headers[csrfHeaderName];
      if (
        csrfCookie === undefined ||
        typeof header !== 'string' ||
        !safeEqual(header, csrfCookie)
      ) {
        throw new AppError('csrf_failed');
      }
    }
    const resolved = await resolveSession(services, base, request.cookies[sessionCookieName]);
    request.context = resolved.context;
    request.sessionEnded = resolved.ended;
    if (resolved.ended) clearSessionCookie(reply);
  });

  app.get('/api/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/api/ready', { schema: { hide: true } }, async (_request, reply) => {
    const result = await options.readiness();
    return reply
      .code(result.ready ? 200 : 503)
      .send({ status: result.ready ? 'ready' : 'not_ready', checks: result.checks });
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const route of options.routes) {
    app.route({
      method: route.method,
      url: route.path,
      schema: {
        summary: route.summary,
        tags: route.tags,
        ...(route.body === undefined ? {} : { body: route.body }),
        ...(route.query === undefined ? {} : { querystring: route.query }),
        ...(route.params === undefined ? {} : { params: route.params }),
        ...(route.produces === undefined
          ? {
              response: Object.fromEntries(
                Object.entries(route.responses).filter(([, value]) => value !== null),
              ),
            }
          : { produces: [route.produces] }),
      },
      config: { rawBody: route.rawBody === true },
      // Before validation: a caller who may not use the route learns nothing about its inputs.
      preValidation: async (request) => gate(route, request),
      handler: async (request, reply) => {
        const result = await route.handler({
          body: request.body,
          query: request.query,
          params: request.params,
          context: request.context,
          request,
          reply,
        });
        if (reply.sent) return reply;
        if (result === undefined) {
          if (reply.statusCode === 200) reply.code(204);
          return reply.send();
        }
        if (reply.statusCode === 200) {
          const success = Object.keys(route.responses)
            .map(Number)
            .filter((status) => status < 300)
            .sort();
          if (success[0] !== undefined) reply.code(success[0]);
        }
        return reply.send(result);
      },
    });
  }

  options.registerExtra?.(app as unknown as FastifyInstance);

  const webRoot = options.webRoot;
  const hasWeb = webRoot !== undefined && fs.existsSync(`${webRoot}/index.html`);
  if (hasWeb) {
    await app.register(fastifyStatic, {
      root: webRoot,
      wildcard: false,
      index: false,
      serveDotFiles: false,
    });
  }
  app.setNotFoundHandler(async (request, reply) => {
    if (
      request.url.startsWith('/api/') ||
      request.url === '/api' ||
      !hasWeb ||
      (request.method !== 'GET' && request.method !== 'HEAD')
    ) {
      throw new AppError('not_found');
    }
    const pathOnly = request.url.split('?')[0] ?? '/';
    // The DICOM viewer loads its image decoders beside the page it runs on (any route).
    const decoder = dicomDecoderWorker.exec(pathOnly);
    if (decoder !== null) {
      reply.header('cache-control', 'public, max-age=86400');
      return reply.sendFile(`${decoder[1]}.worker.min.js`, dicomDecoderDirectory);
    }
    if (/\.[a-z0-9]+$/i.test(pathOnly)) throw new AppError('not_found');
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html');
  });
  return app as unknown as FastifyInstance;
}
