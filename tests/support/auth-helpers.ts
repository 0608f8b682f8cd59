/**
 * Helpers for the authentication integration tests: whole-error-body assertions, audit-trail
 * queries, TOTP codes that are certainly wrong, requests that bypass the test client's CSRF
 * header, patient sign-up through the emailed link, and a software passkey authenticator
 * (WebAuthn Level 3, "none" attestation, ES256) so passkey flows run without a browser.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import { errorCatalog, type ErrorCode } from '../../src/core/errors.ts';
import { totpCodeAt } from '../../src/server/auth/totp.ts';
import type { TestApp, TestClient, TestResponse } from './test-app.ts';

/**
 * Assert an error answer: its status and its whole body. The message defaults to the
 * catalogue's message for the code; pass `message` when the use case words it itself.
 */
export function expectError(
  response: TestResponse,
  status: number,
  code: ErrorCode,
  options: { message?: string; details?: unknown } = {},
): void {
  const error: Record<string, unknown> = {
    code,
    message: options.message ?? errorCatalog[code].message,
  };
  if (options.details !== undefined) error.details = options.details;
  expect({ status: response.status, body: response.body }).toEqual({ status, body: { error } });
}

export interface AuditRow {
  seq: number;
  event_type: string;
  outcome: string;
  actor_user_id: string | null;
  organization_id: string | null;
  entity_type: string | null;
  entity_id: string | null;
  details: Record<string, unknown>;
}

/** Audit events of one type (optionally of one actor), oldest first. */
export async function auditEvents(
  testApp: TestApp,
  eventType: string,
  actorUserId?: string | null,
): Promise<AuditRow[]> {
  let query = testApp.app.services.db
    .selectFrom('audit_events')
    .select([
      'seq',
      'event_type',
      'outcome',
      'actor_user_id',
      'organization_id',
      'entity_type',
      'entity_id',
      'details',
    ])
    .where('event_type', '=', eventType as never);
  if (actorUserId === null) query = query.where('actor_user_id', 'is', null);
  else if (actorUserId !== undefined) query = query.where('actor_user_id', '=', actorUserId);
  const rows = await query.orderBy('seq', 'asc').execute();
  return rows as unknown as AuditRow[];
}

/** The current TOTP code of `secret` at the test clock's time. */
export function currentTotp(testApp: TestApp, secret: string): string {
  return totpCodeAt(secret, testApp.clock.now());
}

/**
 * A six-digit code that is valid in none of the steps the server accepts now (drift ±1), with
 * one step of margin either side in case a step boundary passes before the server checks it.
 */
export function wrongTotp(testApp: TestApp, secret: string): string {
  const now = testApp.clock.now().getTime();
  const valid = new Set(
    [-60_000, -30_000, 0, 30_000, 60_000].map((offset) =>
      totpCodeAt(secret, new Date(now + offset)),
    ),
  );
  for (let candidate = 0; ; candidate += 1) {
    const code = String(candidate).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

/**
 * Send a request with the client's cookies but exactly the headers given (no automatic CSRF
 * header), to prove what the server does when a browser page did not add it.
 */
export async function requestWithoutCsrfHeader(
  testApp: TestApp,
  client: TestClient,
  method: 'POST' | 'DELETE',
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  if (!client.cookies.has('consilium_csrf')) await client.get('/api/v1/auth/csrf');
  const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const response = await testApp.app.http.inject({
    method,
    url,
    headers: { ...headers, cookie, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  return {
    status: response.statusCode,
    body: response.body === '' ? undefined : (JSON.parse(response.body) as unknown),
    text: response.body,
    headers: response.headers as TestResponse['headers'],
  };
}

/** Replay a session cookie value on a fresh client (as an attacker holding a copied cookie would). */
export function clientWithSessionCookie(testApp: TestApp, sessionToken: string): TestClient {
  const client = testApp.client();
  client.cookies.set('consilium_session', sessionToken);
  return client;
}

/** The token query parameter of an emailed link. */
export function tokenOf(link: string): string {
  const token = new URL(link).searchParams.get('token');
  if (token === null) throw new Error(`No token in ${link}`);
  return token;
}

let emailCounter = 0;

/** A fresh, unique email address for one test. */
export function uniqueEmail(prefix: string): string {
  emailCounter += 1;
  return `${prefix}-${emailCounter}-${randomBytes(3).toString('hex')}@example.test`;
}

/** Sign a patient up over HTTP and confirm the email through the emailed link. */
export async function signUpVerifiedPatient(
  testApp: TestApp,
  password: string,
  name = 'Ada Patient',
) {
  const email = uniqueEmail('patient');
  const client = testApp.client();
  const signUp = await client.post('/api/v1/auth/sign-up', {
    email,
    password,
    name,
    acceptTerms: true,
  });
  expect(signUp.status).toBe(202);
  const message = await testApp.smtp.waitFor(email, /Confirm your email/);
  const verified = await client.post('/api/v1/auth/verify-email', {
    token: tokenOf(testApp.smtp.linkIn(message, '/verify-email')),
  });
  expect(verified.status).toBe(200);
  const user = await testApp.app.services.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  return { email, client, userId: user.id };
}

// ---------------------------------------------------------------------------------------------
// A software passkey authenticator.

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function sha256(bytes: Uint8Array | string): Buffer {
  return createHash('sha256').update(bytes).digest();
}

type CborValue = number | string | Uint8Array | Map<CborValue, CborValue>;

function cborHead(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) {
    const head = Buffer.alloc(3);
    head[0] = (major << 5) | 25;
    head.writeUInt16BE(length, 1);
    return head;
  }
  const head = Buffer.alloc(5);
  head[0] = (major << 5) | 26;
  head.writeUInt32BE(length, 1);
  return head;
}

/** Definite-length CBOR (RFC 8949) for the subset WebAuthn needs: ints, text, bytes, maps. */
export function encodeCbor(value: CborValue): Buffer {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error('CBOR: only integers');
    return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, bytes.length), bytes]);
  }
  if (value instanceof Map) {
    const parts = [cborHead(5, value.size)];
    for (const [key, entry] of value) parts.push(encodeCbor(key), encodeCbor(entry));
    return Buffer.concat(parts);
  }
  return Buffer.concat([cborHead(2, value.length), Buffer.from(value)]);
}

const flagUserPresent = 0x01;
const flagUserVerified = 0x04;
const flagAttestedCredentialData = 0x40;

interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}

interface RequestOptions {
  challenge: string;
  rpId?: string;
  allowCredentials?: Array<{ id: string }>;
}

/** One ES256 credential bound to an origin, answering `navigator.credentials.create/get` as JSON. */
export class SoftwareAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly privateKey: KeyObject;
  private readonly publicJwk: { x: string; y: string };
  private signCount = 0;
  private userHandle: string | null = null;
  readonly origin: string;
  readonly rpId: string;

  constructor(origin = 'http://localhost:3000', rpId = 'localhost') {
    this.origin = origin;
    this.rpId = rpId;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    this.publicJwk = { x: jwk.x!, y: jwk.y! };
  }

  get id(): string {
    return base64url(this.credentialId);
  }

  private clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string): Buffer {
    return Buffer.from(
      JSON.stringify({ type, challenge, origin: this.origin, crossOrigin: false }),
      'utf8',
    );
  }

  private authenticatorData(flags: number, attested?: Buffer): Buffer {
    this.signCount += 1;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.signCount, 0);
    return Buffer.concat([
      sha256(this.rpId),
      Buffer.from([flags]),
      counter,
      ...(attested === undefined ? [] : [attested]),
    ]);
  }

  /** The registration response to `optionsJSON` from /passkeys/registration-options. */
  create(optionsJSON: Record<string, unknown>) {
    const options = optionsJSON as unknown as CreationOptions;
    expect(options.rp.id).toBe(this.rpId);
    this.userHandle = options.user.id;
    const coseKey = encodeCbor(
      new Map<CborValue, CborValue>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(this.publicJwk.x, 'base64url')],
        [-3, Buffer.from(this.publicJwk.y, 'base64url')],
      ]),
    );
    const length = Buffer.alloc(2);
    length.writeUInt16BE(this.credentialId.length, 0);
    const attested = Buffer.concat([Buffer.alloc(16), length, this.credentialId, coseKey]);
    const authData = this.authenticatorData(
      flagUserPresent | flagUserVerified | flagAttestedCredentialData,
      attested,
    );
    const attestationObject = encodeCbor(
      new Map<CborValue, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: base64url(this.clientData('webauthn.create', options.challenge)),
        attestationObject: base64url(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /**
   * The assertion for `optionsJSON` from /passkeys/authentication-options. `signWith` replaces
   * the credential's key (a forged signature); `userVerified: false` omits the UV flag.
   */
  get(
    optionsJSON: Record<string, unknown>,
    options: { signWith?: KeyObject; userVerified?: boolean } = {},
  ) {
    const request = optionsJSON as unknown as RequestOptions;
    expect(request.rpId).toBe(this.rpId);
    const flags = flagUserPresent | (options.userVerified === false ? 0 : flagUserVerified);
    const authData = this.authenticatorData(flags);
    const clientDataJSON = this.clientData('webauthn.get', request.challenge);
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(clientDataJSON)]),
      options.signWith ?? this.privateKey,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: base64url(clientDataJSON),
        authenticatorData: base64url(authData),
        signature: base64url(signature),
        ...(this.userHandle === null ? {} : { userHandle: this.userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}

/** A P-256 key that belongs to no registered passkey, for forged signatures. */
export function strangerKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}
