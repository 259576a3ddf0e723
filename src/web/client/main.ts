// Progressive enhancement: vote buttons post with fetch and update in place.
// Without this script the same buttons post as plain forms and redirects.
// A page has one vote form (form[data-vote], the CSRF token) and every vote
// button joins it by its form= attribute, posting to its own formaction
// (/api/comments/12/upvote). An item's buttons are those whose formaction
// starts alike: upvote and downvote (by their labels) and flag; a button
// the reader may not use (karma privileges) is left out. The item's score
// is the .score in the same post (article) or comment (.body).
import { enablePasskeys } from './passkeys.js';

enablePasskeys();

import { enablePush } from './push.js';
import { startOfflineReading } from './sw-register.js';

startOfflineReading();
enablePush();

import { startRelativeTimes } from './relative-times.js';

startRelativeTimes();

interface VoteResult {
  score: number;
  myVote: 'up' | 'down' | null;
}

function setButton(button: HTMLButtonElement | undefined, pressed: boolean, action: string, undo: string): void {
  if (!button) return;
  button.setAttribute('aria-pressed', String(pressed));
  button.formAction = button.formAction.replace(/\/[a-z]+$/, `/${pressed ? undo : action}`);
}

/** The vote buttons of the item the pressed one belongs to. */
function buttonsOf(form: HTMLFormElement, pressed: HTMLButtonElement) {
  const item = pressed.formAction.slice(0, pressed.formAction.lastIndexOf('/') + 1);
  const buttons = [...form.elements].filter((e): e is HTMLButtonElement => e instanceof HTMLButtonElement && e.formAction.startsWith(item));
  const labelled = (label: string) => buttons.find((b) => b.getAttribute('aria-label') === label);
  return { up: labelled('Upvote'), down: labelled('Downvote'), flag: buttons.find((b) => !b.hasAttribute('aria-label')) };
}

function update(form: HTMLFormElement, pressed: HTMLButtonElement, result: VoteResult, flagged: boolean): void {
  const { up, down, flag } = buttonsOf(form, pressed);
  const score = pressed.closest('article, .body')?.querySelector('.score');
  if (score) score.textContent = `${result.score} point${result.score === 1 ? '' : 's'}`;
  setButton(up, result.myVote === 'up', 'upvote', 'unvote');
  setButton(down, result.myVote === 'down', 'downvote', 'unvote');
  setButton(flag, flagged, 'flag', 'unflag');
  if (flag) flag.textContent = flagged ? 'unflag' : 'flag';
}

/** Posts the form the plain way, so the server's page explains (login, error) or the vote lands anyway. */
function postPlainly(form: HTMLFormElement, button: HTMLButtonElement): void {
  form.dataset.plain = 'true';
  form.requestSubmit(button);
}

async function vote(form: HTMLFormElement, button: HTMLButtonElement): Promise<void> {
  const token = (form.elements.namedItem('_csrf') as HTMLInputElement | null)?.value ?? '';
  const action = button.formAction.slice(button.formAction.lastIndexOf('/') + 1);
  button.disabled = true;
  try {
    const response = await fetch(button.formAction, {
      method: 'POST',
      headers: { Accept: 'application/json', 'X-CSRF-Token': token },
      credentials: 'same-origin',
    });
    if (!response.ok) return postPlainly(form, button);
    const flagButton = buttonsOf(form, button).flag;
    const flagged = action === 'flag' || (action !== 'unflag' && flagButton?.getAttribute('aria-pressed') === 'true');
    update(form, button, (await response.json()) as VoteResult, flagged);
  } finally {
    button.disabled = false;
  }
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-vote') || form.dataset.plain) return;
  const button = event.submitter;
  // data-plain buttons (unflag) always post the plain way.
  if (!(button instanceof HTMLButtonElement) || button.hasAttribute('data-plain')) return;
  event.preventDefault();
  // A request that failed (offline, dropped, an unreadable answer) falls back to the plain form too.
  vote(form, button).catch(() => postPlainly(form, button));
});
