// Progressive enhancement: vote forms post with fetch and update in place.
// Without this script the same forms work as plain posts and redirects.

interface VoteResult {
  upvotes: number;
  downvotes: number;
  flags: number;
  score: number;
  myVote: 'up' | 'down' | null;
}

const NEXT_ACTION: Record<string, [string, string]> = {
  // button label → [action when not pressed, action when pressed]
  Upvote: ['upvote', 'unvote'],
  Downvote: ['downvote', 'unvote'],
  Flag: ['flag', 'unflag'],
};

function update(form: HTMLFormElement, result: VoteResult, flagged: boolean): void {
  const score = form.querySelector('[data-score]');
  if (score) score.textContent = `${result.score} point${result.score === 1 ? '' : 's'}`;
  for (const button of form.querySelectorAll<HTMLButtonElement>('button[data-action]')) {
    const label = button.getAttribute('aria-label') ?? '';
    const pressed = label === 'Upvote' ? result.myVote === 'up' : label === 'Downvote' ? result.myVote === 'down' : flagged;
    const actions = NEXT_ACTION[label];
    if (!actions) continue;
    button.setAttribute('aria-pressed', String(pressed));
    const action = pressed ? actions[1] : actions[0];
    button.dataset.action = action;
    button.formAction = button.formAction.replace(/\/[a-z]+$/, `/${action}`);
    if (label === 'Flag') button.textContent = pressed ? 'unflag' : 'flag';
  }
}

document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-vote') || form.dataset.plain) return;
  const button = event.submitter;
  if (!(button instanceof HTMLButtonElement)) return;
  event.preventDefault();
  const token = (form.elements.namedItem('_csrf') as HTMLInputElement | null)?.value ?? '';
  button.disabled = true;
  try {
    const response = await fetch(button.formAction, {
      method: 'POST',
      headers: { Accept: 'application/json', 'X-CSRF-Token': token },
      credentials: 'same-origin',
    });
    if (!response.ok) {
      // Post the plain form instead, so the server's page explains (login, error).
      form.dataset.plain = 'true';
      form.requestSubmit(button);
      return;
    }
    const flagged = button.dataset.action === 'flag' ? true : button.dataset.action === 'unflag' ? false : form.querySelector('[aria-label="Flag"]')?.getAttribute('aria-pressed') === 'true';
    update(form, (await response.json()) as VoteResult, flagged);
  } finally {
    button.disabled = false;
  }
});
