// Passkeys: the forms marked data-passkey ("create": add one; "get": sign in,
// second step, confirm) start hidden beside a note that passkeys need
// JavaScript. Where the browser has WebAuthn, the forms show and the note
// goes. Submitting one asks `<action>/options` for a challenge, lets the
// browser and the device answer it, and posts the answer to `<action>`;
// the server answers with a redirect (followed here) or `{ error }`.
import {
  WebAuthnError,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';

const NO_WEBAUTHN = 'This browser cannot use passkeys.';

/** POSTs JSON with the form's CSRF token, as the server's fetch callers do. */
function postJson(url: string, token: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': token },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
}

/** The message of a refusal, or a general one when the answer is not ours (a proxy's page, a dropped connection). */
async function errorOf(response: Response): Promise<string> {
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  return body.error ?? 'Something went wrong. Reload the page and try again.';
}

/** A redirect the server answered with (signed in, added, or "confirm it is you first"): go there. */
function followed(response: Response): boolean {
  if (!response.redirected) return false;
  window.location.assign(response.url);
  return true;
}

async function ceremony(form: HTMLFormElement): Promise<string | undefined> {
  const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '';
  const token = value('_csrf');
  const action = form.getAttribute('action') ?? '';
  const options = await postJson(`${action}/options`, token, {});
  if (followed(options)) return undefined;
  if (!options.ok) return errorOf(options);
  const body =
    form.dataset.passkey === 'create'
      ? { credential: await startRegistration({ optionsJSON: (await options.json()) as PublicKeyCredentialCreationOptionsJSON }), name: value('name') }
      : { credential: await startAuthentication({ optionsJSON: (await options.json()) as PublicKeyCredentialRequestOptionsJSON }), next: value('next') };
  const answer = await postJson(action, token, body);
  if (followed(answer)) return undefined;
  return errorOf(answer);
}

/** Why the browser or the device gave up, in words for the person. */
function problemOf(error: unknown): string {
  if (error instanceof WebAuthnError && error.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return 'This device already has a passkey for your account.';
  if (error instanceof Error && (error.name === 'NotAllowedError' || error.name === 'AbortError')) return 'No passkey was used: the request was cancelled or timed out.';
  return 'Your device could not use a passkey here. Try again, or another way.';
}

export function enablePasskeys(): void {
  const forms = document.querySelectorAll<HTMLFormElement>('form[data-passkey]');
  if (forms.length === 0) return;
  const usable = typeof window.PublicKeyCredential === 'function';
  for (const note of document.querySelectorAll<HTMLElement>('[data-passkey-fallback]')) {
    if (usable) note.hidden = true;
    else note.textContent = NO_WEBAUTHN;
  }
  if (!usable) return;
  for (const form of forms) {
    form.hidden = false;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const button = form.querySelector('button');
      const message = form.querySelector<HTMLElement>('[data-passkey-error]');
      if (button) button.disabled = true;
      if (message) message.textContent = '';
      void ceremony(form)
        .catch(problemOf)
        .then((problem) => {
          if (button) button.disabled = false;
          if (problem && message) message.textContent = problem;
        });
    });
  }
}
