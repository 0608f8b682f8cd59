/**
 * The one validated configuration object, read from environment variables at start-up.
 * A bad value stops the process with a message naming the variable; defaults are documented in
 * the README's configuration table.
 */
import path from 'node:path';
import { z } from 'zod';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const portNumber = z.coerce.number().int().min(1).max(65535);

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: portNumber.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url().optional(),
  CONSILIUM_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  CONSILIUM_DB_PORT: portNumber.default(54329),
  CONSILIUM_SEED_DEMO: z.enum(['auto', 'true', 'false']).default('auto'),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: portNumber.default(587),
  SMTP_SECURE: booleanFromEnv.default(false),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  MAIL_FROM: z.string().min(3).default('Consilium <no-reply@consilium.localhost>'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: booleanFromEnv.default(false),
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
  CONSILIUM_TEST_CLOCK: booleanFromEnv.default(false),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface Config {
  env: Environment['NODE_ENV'];
  http: {
    host: string;
    port: number;
    publicUrl: string;
    trustProxy: boolean;
    authRateLimitPerMinute: number;
  };
  dataDir: string;
  database: { url: string | undefined; embeddedPort: number };
  seedDemo: 'auto' | 'always' | 'never';
  mail: {
    smtp: { host: string; port: number; secure: boolean; user?: string; password?: string } | null;
    from: string;
  };
  logLevel: Environment['LOG_LEVEL'];
  /** A controllable clock for browser tests; refused outside NODE_ENV=test. */
  testClock: boolean;
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Read and validate the configuration; throws ConfigError listing every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = environmentSchema.safeParse(defined);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  if (env.CONSILIUM_TEST_CLOCK && env.NODE_ENV !== 'test') {
    throw new ConfigError(['CONSILIUM_TEST_CLOCK: only allowed when NODE_ENV=test']);
  }
  if (env.SMTP_USER !== undefined && env.SMTP_PASSWORD === undefined) {
    throw new ConfigError(['SMTP_PASSWORD: required when SMTP_USER is set']);
  }
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  return {
    env: env.NODE_ENV,
    http: {
      host: env.HOST,
      port: env.PORT,
      publicUrl,
      trustProxy: env.TRUST_PROXY,
      authRateLimitPerMinute: env.AUTH_RATE_LIMIT_PER_MINUTE,
    },
    dataDir: path.resolve(env.CONSILIUM_DATA_DIR),
    database: { url: env.DATABASE_URL, embeddedPort: env.CONSILIUM_DB_PORT },
    seedDemo:
      env.CONSILIUM_SEED_DEMO === 'auto'
        ? env.NODE_ENV === 'production'
          ? 'never'
          : 'always'
        : env.CONSILIUM_SEED_DEMO === 'true'
          ? 'always'
          : 'never',
    mail: {
      smtp:
        env.SMTP_HOST === undefined
          ? null
          : {
              host: env.SMTP_HOST,
              port: env.SMTP_PORT,
              secure: env.SMTP_SECURE,
              ...(env.SMTP_USER === undefined ? {} : { user: env.SMTP_USER }),
              ...(env.SMTP_PASSWORD === undefined ? {} : { password: env.SMTP_PASSWORD }),
            },
      from: env.MAIL_FROM,
    },
    logLevel: env.LOG_LEVEL,
    testClock: env.CONSILIUM_TEST_CLOCK,
  };
}
