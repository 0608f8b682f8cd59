/**
 * The WebAuthn ceremonies (via @simplewebauthn/browser): the server issues options, the browser
 * talks to the authenticator, the server verifies the response. The options are typed loosely by
 * the OpenAPI document, so they are handed to the library as the JSON the server produced.
 */
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { client, unwrap } from '../api/client.ts';

export function passkeysSupported(): boolean {
  return browserSupportsWebAuthn();
}

/** Proves possession of a registered passkey: passwordless sign-in, or the second step after the password. */
export async function authenticateWithPasskey(): Promise<void> {
  const { optionsJSON } = await unwrap(
    client.POST('/api/v1/auth/passkeys/authentication-options', { body: {} }),
  );
  const response = await startAuthentication({
    optionsJSON: optionsJSON as unknown as PublicKeyCredentialRequestOptionsJSON,
  });
  await unwrap(
    client.POST('/api/v1/auth/passkeys/authenticate', {
      body: { response: response as unknown as Record<string, unknown> },
    }),
  );
}

/** Fetches registration options (may require re-authentication first). */
export async function fetchPasskeyRegistrationOptions(): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { optionsJSON } = await unwrap(
    client.POST('/api/v1/auth/passkeys/registration-options', { body: {} }),
  );
  return optionsJSON as unknown as PublicKeyCredentialCreationOptionsJSON;
}

/** Creates a passkey on this device and registers it with the account. */
export async function registerPasskey(
  optionsJSON: PublicKeyCredentialCreationOptionsJSON,
  name: string | undefined,
): Promise<void> {
  const response = await startRegistration({ optionsJSON });
  await unwrap(
    client.POST('/api/v1/auth/passkeys', {
      body: {
        response: response as unknown as Record<string, unknown>,
        ...(name === undefined || name === '' ? {} : { name }),
      },
    }),
  );
}
