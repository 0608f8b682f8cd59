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
  // Storage of records (docs/storage.md): the master key, the blob store and the malware scanner.
  CONSILIUM_MASTER_KEY: z
    .string()
    .refine(
      (value) => /^[A-Za-z0-9+/]{43}=$/.test(value) && Buffer.from(value, 'base64').length === 32,
      'must be 32 bytes in base64 (openssl rand -base64 32)',
    )
    .optional(),
  CONSILIUM_BLOB_STORE: z.enum(['local', 's3']).default('local'),
  CONSILIUM_BLOB_DIR: z.string().min(1).optional(),
  CONSILIUM_S3_ENDPOINT: z.url().optional(),
  CONSILIUM_S3_BUCKET: z.string().min(3).max(63).optional(),
  CONSILIUM_S3_REGION: z.string().min(1).default('us-east-1'),
  CONSILIUM_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  CONSILIUM_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  CONSILIUM_S3_FORCE_PATH_STYLE: booleanFromEnv.default(false),
  CONSILIUM_CLAMD: z
    .string()
    .regex(
      /^(tcp:\/\/[^\s:/]+:\d{1,5}|unix:\/\S+)$/,
      'must be tcp://host:port or unix:/path/to/clamd.sock',
    )
    .optional(),
  CONSILIUM_CLAMD_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
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
  /** The master key from the environment; null: `<data dir>/keys/master.key`. */
  masterKey: Buffer | null;
  blobStore: BlobStoreConfig;
  /** clamd's address; null: no malware scanner configured. */
  scanner: { clamd: ClamdAddress | null; timeoutMs: number };
}

export type BlobStoreConfig =
  | { kind: 'local'; directory: string }
  | {
      kind: 's3';
      bucket: string;
      region: string;
      endpoint: string | undefined;
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
      forcePathStyle: boolean;
    };

export type ClamdAddress =
  { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

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
  const storageProblems = [
    ...(env.CONSILIUM_BLOB_STORE === 's3' && env.CONSILIUM_S3_BUCKET === undefined
      ? ['CONSILIUM_S3_BUCKET: required when CONSILIUM_BLOB_STORE=s3']
      : []),
    ...((env.CONSILIUM_S3_ACCESS_KEY_ID === undefined) !==
    (env.CONSILIUM_S3_SECRET_ACCESS_KEY === undefined)
      ? ['CONSILIUM_S3_SECRET_ACCESS_KEY: set both CONSILIUM_S3_ACCESS_KEY_ID and it, or neither']
      : []),
  ];
  if (storageProblems.length > 0) throw new ConfigError(storageProblems);
  const clamd = env.CONSILIUM_CLAMD === undefined ? null : parseClamdAddress(env.CONSILIUM_CLAMD);
  if (clamd?.kind === 'tcp' && (clamd.port < 1 || clamd.port > 65535))
    throw new ConfigError(['CONSILIUM_CLAMD: the port must be between 1 and 65535']);
  const dataDir = path.resolve(env.CONSILIUM_DATA_DIR);
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
    dataDir,
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
    masterKey:
      env.CONSILIUM_MASTER_KEY === undefined
        ? null
        : Buffer.from(env.CONSILIUM_MASTER_KEY, 'base64'),
    blobStore:
      env.CONSILIUM_BLOB_STORE === 's3'
        ? {
            kind: 's3',
            bucket: env.CONSILIUM_S3_BUCKET!,
            region: env.CONSILIUM_S3_REGION,
            endpoint: env.CONSILIUM_S3_ENDPOINT,
            credentials:
              env.CONSILIUM_S3_ACCESS_KEY_ID === undefined ||
              env.CONSILIUM_S3_SECRET_ACCESS_KEY === undefined
                ? undefined
                : {
                    accessKeyId: env.CONSILIUM_S3_ACCESS_KEY_ID,
                    secretAccessKey: env.CONSILIUM_S3_SECRET_ACCESS_KEY,
                  },
            forcePathStyle: env.CONSILIUM_S3_FORCE_PATH_STYLE,
          }
        : {
            kind: 'local',
            directory: path.resolve(env.CONSILIUM_BLOB_DIR ?? path.join(dataDir, 'blobs')),
          },
    scanner: { clamd, timeoutMs: env.CONSILIUM_CLAMD_TIMEOUT_MS },
  };
}

/** `tcp://host:port` or `unix:/path` (already checked by the schema's pattern). */
function parseClamdAddress(value: string): ClamdAddress {
  if (value.startsWith('unix:')) return { kind: 'unix', path: value.slice('unix:'.length) };
  const [, host = '', port = ''] = /^tcp:\/\/(.+):(\d+)$/.exec(value) ?? [];
  return { kind: 'tcp', host, port: Number(port) };
}
