// XSS in Chromium, under the site's real CSP: a corpus of payloads in titles,
// links, post text and comments, opened on every page that shows them, and in
// forms re-rendered with errors. Nothing may run (no dialog, no window.__xss,
// no injected element), nothing may even try (a CSP violation fails the test),
// and each payload must come back as the text it was.
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { chromiumInstalled, newContext, signIn, submitWith, useBrowserApp } from '../support/chromium.js';
import { PASSWORD } from '../support/discussion-fixture.js';
import { XSS_LINKS, XSS_PAYLOADS, XSS_REFUSED_LINKS } from '../support/xss-corpus.js';

const ALL_PAYLOADS = XSS_PAYLOADS.join('\n\n');
const MAIN_TITLE = `"'></title><script>window.__xss=1</script><b id="xss-marker">`;

/** Mallory's posts, one per payload as its title, and a discussion holding every payload. */
async function seedPayloads(services: Services) {
  const { accounts, posts, comments } = services;
  const mallory = await accounts.signup({ username: 'mallory', password: PASSWORD });
  const create = async (input: { title: string; url?: string; text?: string }) => {
    const result = await posts.create(await accounts.actor(mallory.id), input);
    if (!result.created) throw new Error(`seedPayloads: "${input.title}" was not created`);
    return result.post;
  };
  const postIds: number[] = [];
  for (const [i, title] of XSS_PAYLOADS.entries()) {
    const url = XSS_LINKS[i];
    postIds.push((await create(url ? { title, url } : { title, text: title })).id);
  }
  const main = await create({ title: MAIN_TITLE, url: 'https://example.com/main/"><b id="xss-marker">', text: ALL_PAYLOADS });
  postIds.push(main.id);
  // One comment per payload, every third a reply to the one before (nested markup), then one with all of them.
  let previous: number | undefined;
  for (const [i, text] of XSS_PAYLOADS.entries()) {
    const parentId = i % 3 === 2 ? previous : undefined;
    previous = (await comments.add({ postId: main.id, author: await accounts.actor(mallory.id), text, parentId })).comment.id;
  }
  const everything = (await comments.add({ postId: main.id, author: await accounts.actor(mallory.id), text: ALL_PAYLOADS })).comment;
  return { mallory, main, postIds, everything };
}

type Fixture = Awaited<ReturnType<typeof seedPayloads>>;

/** Runs in the page: what an injection would have left behind. */
function injectionTraces(): string[] {
  const found: string[] = [];
  if ((window as unknown as { __xss?: unknown }).__xss !== undefined) found.push('window.__xss was set');
  if (document.getElementById('xss-marker')) found.push('an element #xss-marker was injected');
  const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href'];
  for (const element of Array.from(document.querySelectorAll('*'))) {
    const tag = element.localName;
    if (['iframe', 'frame', 'object', 'embed', 'svg', 'math', 'style', 'template'].includes(tag)) found.push(`a <${tag}> element`);
    if (tag === 'script' && !(element as HTMLScriptElement).src.startsWith(`${location.origin}/static/`)) found.push('an inline or foreign <script>');
    if ((tag === 'meta' && element.hasAttribute('http-equiv')) || (tag === 'base' && element.hasAttribute('href'))) found.push(`<${tag}> changing the page`);
    for (const { name, value } of Array.from(element.attributes)) {
      if (/^on/i.test(name) || name === 'srcdoc') found.push(`<${tag} ${name}="${value}">`);
      if (!urlAttributes.includes(name)) continue;
      let protocol: string;
      try {
        protocol = new URL(value, document.baseURI).protocol;
      } catch {
        continue; // a URL that does not parse goes nowhere
      }
      if (!['http:', 'https:', 'mailto:'].includes(protocol)) found.push(`<${tag} ${name}="${value}">`);
    }
  }
  return found;
}

/**
 * A browser profile that records every sign of script running or being
 * refused: dialogs, CSP violation events, CSP console errors, page errors.
 */
async function watchedContext(env: Parameters<typeof newContext>[0], alarms: string[]): Promise<BrowserContext> {
  const context = await newContext(env);
  await context.exposeBinding('__reportCspViolation', ({ page }, report: string) => {
    alarms.push(`${page.url()}: CSP violation ${report}`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __reportCspViolation: (report: string) => void }).__reportCspViolation;
      void report(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}: ${e.sample}`);
    });
  });
  context.on('page', (page) => {
    page.on('dialog', (dialog) => {
      alarms.push(`${page.url()}: a ${dialog.type()} opened: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) alarms.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => alarms.push(`${page.url()}: script error ${error.message}`));
  });
  return context;
}

/** After a page is up: nothing ran, nothing was refused, nothing was injected. */
async function expectClean(page: Page, alarms: string[]): Promise<void> {
  expect(await page.evaluate(injectionTraces), page.url()).toEqual([]);
  expect(alarms, page.url()).toEqual([]);
}

async function visit(page: Page, path: string, alarms: string[]): Promise<void> {
  const response = await page.goto(path);
  expect(response?.status(), path).toBe(200);
  await expectClean(page, alarms);
}

/** Visits a paged list from its first page to its last; returns all their text. */
async function visitPages(page: Page, path: string, alarms: string[]): Promise<string> {
  let text = '';
  for (let next: string | null = path; next; next = await page.locator('a[rel=next]').getAttribute('href', { timeout: 100 }).catch(() => null)) {
    await visit(page, next, alarms);
    text += await page.locator('main').textContent();
  }
  return text;
}

/** Puts values into a form as script would (past maxlength and type checks, to reach the server's), then submits it. */
async function submitRaw(page: Page, form: Locator, values: Record<string, string>, alarms: string[]): Promise<void> {
  await form.evaluate((element: HTMLFormElement, fields) => {
    element.noValidate = true;
    for (const [name, value] of Object.entries(fields)) (element.elements.namedItem(name) as HTMLInputElement).value = value;
  }, values);
  await submitWith(page, form.locator('button[type=submit]').last());
  await page.getByRole('alert').waitFor();
  await expectClean(page, alarms);
}

/** Every one-line payload, packed into values within the username field's 200-character cap. */
function usernameBatches(): string[] {
  const batches: string[] = [];
  for (const payload of XSS_PAYLOADS.filter((p) => !p.includes('\n'))) {
    const last = batches.length - 1;
    if (last >= 0 && batches[last]!.length + 1 + payload.length <= 200) batches[last] += ` ${payload}`;
    else batches.push(payload);
  }
  return batches;
}

const fieldValue = (page: Page, name: string) => page.locator(`[name="${name}"]`).first().inputValue();

describe.skipIf(!chromiumInstalled())('XSS payloads in Chromium, under the real CSP', () => {
  const env = useBrowserApp(seedPayloads);
  const f = (): Fixture => env().data;
  const titles = XSS_PAYLOADS.map((p) => p.trim());

  describe('as their author, signed in', () => {
    const alarms: string[] = [];
    let page: Page;
    beforeAll(async () => {
      const context = await watchedContext(env(), alarms);
      page = await signIn(context, 'mallory', PASSWORD);
    });
    afterAll(async () => {
      await page?.context().close();
    });

    it('the front page and newest show every title as text', async () => {
      for (const list of ['/', '/new']) {
        const text = await visitPages(page, list, alarms);
        for (const title of titles) expect(text, list).toContain(title);
      }
    });

    it('every discussion and its embed show their title as text', async () => {
      const expectedTitles = [...titles, MAIN_TITLE];
      for (const [i, id] of f().postIds.entries()) {
        for (const path of [`/discuss/${id}/`, `/embed/discuss/${id}/`]) {
          await visit(page, path, alarms);
          // document.title collapses runs of ASCII whitespace.
          expect(await page.title(), path).toBe(`${expectedTitles[i]!.replace(/[\t\n\f\r ]+/g, ' ')} · Charcha`);
        }
      }
    }, 120_000);

    it('the profile lists every title', async () => {
      const text = await visitPages(page, '/profile/mallory/', alarms);
      for (const title of titles) expect(text).toContain(title);
    });

    it('the edit forms hold the payloads as their values', async () => {
      await visit(page, `/discuss/${f().main.id}/edit/`, alarms);
      expect(await fieldValue(page, 'title')).toBe(MAIN_TITLE);
      expect(await fieldValue(page, 'url')).toBe(f().main.url);
      expect(await fieldValue(page, 'text')).toBe(ALL_PAYLOADS);
      await visit(page, `/comments/${f().everything.id}/edit/`, alarms);
      expect(await fieldValue(page, 'text')).toBe(ALL_PAYLOADS);
    });

    it('the reply form quotes the comment it answers', async () => {
      await visit(page, `/comments/${f().everything.id}/reply/`, alarms);
      await page.locator('blockquote').getByText('</textarea><script>window.__xss=1</script>').waitFor();
    });

    describe('forms re-rendered with errors hold the payloads', () => {
      const tooLong = `${ALL_PAYLOADS}\n\n${'x'.repeat(8200)}`;

      it.each(XSS_REFUSED_LINKS)('start a discussion with the link %s', async (url) => {
        await page.goto('/start-discussion/');
        await submitRaw(page, page.locator('main form'), { title: MAIN_TITLE, url, text: ALL_PAYLOADS }, alarms);
        expect([await fieldValue(page, 'title'), await fieldValue(page, 'url'), await fieldValue(page, 'text')]).toEqual([MAIN_TITLE, url, ALL_PAYLOADS]);
      });

      it('edit a discussion', async () => {
        await page.goto(`/discuss/${f().main.id}/edit/`);
        await submitRaw(page, page.locator('main form').first(), { title: MAIN_TITLE, url: XSS_REFUSED_LINKS[0]!, text: ALL_PAYLOADS }, alarms);
        expect(await fieldValue(page, 'url')).toBe(XSS_REFUSED_LINKS[0]);
      });

      it.each([
        { form: 'a comment', path: () => `/discuss/${f().main.id}/` },
        { form: 'a reply', path: () => `/comments/${f().everything.id}/reply/` },
        { form: 'a comment’s edit', path: () => `/comments/${f().everything.id}/edit/` },
      ])('$form', async ({ path }) => {
        await page.goto(path());
        await submitRaw(page, page.locator('form.comment-form'), { text: tooLong }, alarms);
        expect(await fieldValue(page, 'text')).toBe(tooLong);
      });
    });
  });

  describe('as a visitor', () => {
    const alarms: string[] = [];
    let page: Page;
    beforeAll(async () => {
      page = await (await watchedContext(env(), alarms)).newPage();
    });
    afterAll(async () => {
      await page?.context().close();
    });

    it('the front page, the discussion, its embed and the profile', async () => {
      await visitPages(page, '/', alarms);
      await visit(page, `/discuss/${f().main.id}/`, alarms);
      await visit(page, `/embed/discuss/${f().main.id}/`, alarms);
      await visitPages(page, '/profile/mallory/', alarms);
    });

    // Usernames allow only [A-Za-z0-9_-]: the payloads reach pages only as refused input.
    it.each(usernameBatches())('sign up and log in re-rendered with the username %s', async (username) => {
      for (const [path, values] of [
        ['/signup', { username, password: PASSWORD }],
        ['/login', { username, password: 'not-the-password' }],
      ] as const) {
        await page.goto(path);
        // The password form (the login page also has the passkey button's).
        await submitRaw(page, page.locator(`main form[action="${path}"]`), values, alarms);
        expect(await fieldValue(page, 'username'), path).toBe(username);
      }
    });
  });
});
