// Who hears of a notification through which channel, on the real database
// (SQLite, then PostgreSQL), a real SMTP server and a stand-in SMS provider on
// loopback: the fan-out writes exactly the opted-in jobs in the comment's
// transaction; the worker checks again before sending; e-mails carry a
// one-click unsubscribe (RFC 8058); SMS go only to a verified phone, at most
// SMS_DAILY_CAP a day, even with two workers.
import webPush from 'web-push';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/db/transaction.js';
import { deliveryHandlers } from '../src/outbox/handlers.js';
import { Worker } from '../src/outbox/worker.js';
import { startMilioServer, type StandInServer } from '../src/sms/test-support.js';
import { startTestApp, stopTestApp, useTestApp, type TestApp } from './support/app.js';
import { BrowserSession, queryCount } from './support/browser-session.js';
import { comment, member, startDiscussion } from './support/forum.js';
import { SmtpInbox } from './support/smtp-inbox.js';

const ORIGIN = 'http://localhost';
const vapidSettings = () => {
  const keys = webPush.generateVAPIDKeys();
  return { VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey, VAPID_SUBJECT: 'mailto:admin@forum.example' };
};
const silent = { info: () => {}, warn: () => {}, error: () => {} };
type Member = Awaited<ReturnType<typeof member>>;

describe('notification delivery', () => {
  let t: TestApp;
  let inbox: SmtpInbox;
  let milio: StandInServer;
  let phoneCounter = 0;

  beforeAll(async () => {
    inbox = await SmtpInbox.start();
    milio = await startMilioServer({ accessToken: 'token' });
    t = await startTestApp({
      SMTP_URL: inbox.url,
      MAIL_FROM: 'Charcha <forum@example.org>',
      BASE_URL: ORIGIN,
      SMS_PROVIDERS: 'milio:1',
      MILIO_URL: milio.url,
      MILIO_ACCESS_TOKEN: 'token',
      SMS_RETRY_DELAYS_MS: '0',
      SMS_DAILY_CAP: '5',
      ...vapidSettings(),
    });
  });
  afterAll(async () => {
    await stopTestApp(t);
    await inbox.close();
    await milio.close();
  });
  beforeEach(async () => {
    await t.db.kysely.deleteFrom('outbox_jobs').execute();
  });

  const idOf = async (who: Member) => (await t.db.kysely.selectFrom('users').select('id').where('username', '=', who.username).executeTakeFirstOrThrow()).id;
  const addressOf = (who: Member) => `${who.username}@example.org`;
  const verifyEmail = async (who: Member) => {
    await t.db.kysely.updateTable('users').set({ email: addressOf(who), email_verified_at: t.clock.now() }).where('username', '=', who.username).execute();
  };
  const verifyPhone = async (who: Member) => {
    const number = `+9198765${String(10000 + ++phoneCounter).slice(-5)}`;
    await t.db.kysely.insertInto('phones').values({ user_id: await idOf(who), number, verified_at: t.clock.now() }).execute();
    return number;
  };
  /** Ticks exactly these boxes on the settings page, through the form. */
  const choose = async (who: Member, on: string[]) => {
    await who.get('/settings/notifications/');
    const saved = await who.post('/settings/notifications/', { on });
    expect(saved.statusCode).toBe(303);
  };
  const jobs = async () =>
    (await t.db.kysely.selectFrom('outbox_jobs').selectAll().orderBy('id').execute()).map((job) => ({ ...job, payload: JSON.parse(job.payload) as Record<string, unknown> }));
  const prefsOf = async (who: Member) =>
    (await t.db.kysely.selectFrom('notification_preferences').select(['event', 'channel', 'enabled']).where('user_id', '=', await idOf(who)).orderBy('event').orderBy('channel').execute()).map(
      (r) => `${r.event}:${r.channel}=${r.enabled}`,
    );

  /** Runs `count` workers until every push, e-mail and SMS job is finished (a digest waits for its day). */
  const runWorkers = async (count = 1) => {
    const workers = Array.from({ length: count }, () => new Worker(t.services.outbox, deliveryHandlers(t.services), { pollMs: 10, concurrency: 4, leaseMs: 30_000, retention: { doneDays: 7, failedDays: 90 } }, silent));
    for (const worker of workers) worker.start();
    try {
      for (const started = Date.now(); ; await new Promise((r) => setTimeout(r, 20))) {
        const open = await t.db.kysely.selectFrom('outbox_jobs').select('id').where('state', 'in', ['pending', 'running']).where('kind', 'in', ['email', 'sms', 'push']).execute();
        if (open.length === 0) break;
        if (Date.now() - started > 15_000) throw new Error('jobs still open');
      }
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
  };

  it('write exactly the jobs each recipient opted into, to verified addresses only, in the comment’s transaction', async () => {
    const [alice, bob, carol, dave] = [await member(t.app), await member(t.app), await member(t.app), await member(t.app)];
    await verifyEmail(alice);
    const alicesPhone = await verifyPhone(alice);
    await choose(alice, ['post_reply:email', 'post_reply:sms', 'mention:push']);
    // Dave once chose e-mail for mentions, but his address is not verified (any more): nothing by mail.
    await t.db.kysely.updateTable('users').set({ email: addressOf(dave) }).where('username', '=', dave.username).execute();
    await t.db.kysely.insertInto('notification_preferences').values({ user_id: await idOf(dave), event: 'mention', channel: 'email', enabled: 1 }).execute();

    const postId = await startDiscussion(alice, { title: 'Where do notifications go?' });
    const commentId = await comment(bob, postId, `Everywhere you asked, @${carol.username} and @${dave.username}.`);
    const notes = await t.db.kysely.selectFrom('notifications').select(['id', 'user_id']).where('comment_id', '=', commentId).execute();
    const idsByName = new Map([[alice.username, await idOf(alice)], [carol.username, await idOf(carol)], [dave.username, await idOf(dave)]]);
    const noteIdOf = (who: Member) => notes.find((n) => n.user_id === idsByName.get(who.username))!.id;

    const written = await jobs();
    // Alice: e-mail and SMS (push off for replies: she did not tick it); Carol and Dave: push, the default for a mention.
    const recipientOf = (payload: Record<string, unknown>) => (payload.userId ?? (payload.optIn as { userId: number }).userId) as number;
    expect(written.map((j) => `${j.kind}:${recipientOf(j.payload)}`).sort()).toEqual(
      [`email:${idsByName.get(alice.username)}`, `push:${idsByName.get(carol.username)}`, `push:${idsByName.get(dave.username)}`, `sms:${idsByName.get(alice.username)}`].sort(),
    );
    const push = written.find((j) => j.kind === 'push' && j.payload.userId === idsByName.get(carol.username))!;
    expect(push.payload).toEqual({
      userId: idsByName.get(carol.username),
      topic: `n${noteIdOf(carol)}`,
      title: `${bob.username} mentioned you in “Where do notifications go?”`,
      body: `Everywhere you asked, @${carol.username} and @${dave.username}.`,
      url: `/discuss/${postId}/#c${commentId}`,
      optIn: { userId: idsByName.get(carol.username), event: 'mention' },
    });
    expect(push.payload.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    const email = written.find((j) => j.kind === 'email')!;
    expect(email.payload.to).toBe(addressOf(alice));
    expect(email.payload.text).toContain(`${ORIGIN}/discuss/${postId}/#c${commentId}`);
    const sms = written.find((j) => j.kind === 'sms')!;
    expect(sms.payload).toMatchObject({ to: alicesPhone, optIn: { userId: idsByName.get(alice.username), event: 'post_reply' } });
    expect(sms.payload.message).toBe(`Charcha: ${bob.username} replied to your post “Where do notifications go?” ${ORIGIN}/discuss/${postId}/#c${commentId}`);
  });

  it('write no job when the transaction that caused them rolls back', async () => {
    const [alice, bob] = [await member(t.app), await member(t.app)];
    await verifyEmail(alice);
    await choose(alice, ['post_reply:email', 'post_reply:push']);
    const postId = await startDiscussion(alice);
    const commentId = await comment(bob, postId, 'A reply');
    await t.db.kysely.deleteFrom('outbox_jobs').execute();
    const facts = { postId, commentId, postTitle: 'A discussion', actorId: await idOf(bob), text: 'A reply' };
    const repliedTo = { userId: await idOf(alice), kind: 'post_reply' } as const;
    // (SQLite has one connection: nothing outside `trx` may be awaited in here.)
    const attempt = inTransaction(t.db.kysely, async (trx) => {
      const written = await t.services.notifications.onNewComment(trx, { commentId, postId, actorId: facts.actorId, repliedTo, mentions: [] });
      expect(await t.services.deliveries.fanOut(trx, written, facts)).toHaveLength(2);
      throw new Error('the comment failed after its notifications');
    });
    await expect(attempt).rejects.toThrow('the comment failed');
    expect(await jobs()).toEqual([]);
  });

  it('cost the comment POST the same queries for one recipient as for three: two for all their deliveries', async () => {
    const [alice, bob, carol, dave] = [await member(t.app), await member(t.app), await member(t.app), await member(t.app)];
    for (const who of [alice, carol, dave]) {
      await verifyEmail(who);
      await choose(who, ['post_reply:email', 'mention:email', 'mention:push']);
    }
    const postId = await startDiscussion(bob);
    await bob.get(`/discuss/${postId}/`);
    const nobody = queryCount(await bob.post(`/discuss/${postId}/`, { text: 'To my own post: nobody to tell' }));
    const alicesPost = await startDiscussion(alice);
    await bob.get(`/discuss/${alicesPost}/`);
    // Bob names himself (nobody to tell), so both texts mention someone: a text that does has its names looked up (forum/text.ts).
    const one = queryCount(await bob.post(`/discuss/${alicesPost}/`, { text: `One reply, one person, says @${bob.username}` }));
    const three = queryCount(await bob.post(`/discuss/${alicesPost}/`, { text: `Three people: @${carol.username} @${dave.username}` }));
    expect(one).toBe(three);
    // Beyond the recipients' look-up that finds nobody: the mentioned names' accounts, in-app (insert,
    // unread counts) and delivery (the people's opt-ins, addresses and phones in one read; every job in one insert).
    expect(one - nobody).toBe(1 + 2 + 2);
    expect((await jobs()).length).toBe(1 + 2 * 2 + 1);
  });

  it('deliver the e-mail with List-Unsubscribe headers; one POST without cookie or CSRF token turns exactly that opt-in off', async () => {
    const [alice, bob] = [await member(t.app), await member(t.app)];
    await verifyEmail(alice);
    await choose(alice, ['post_reply:email', 'comment_reply:email', 'post_reply:push']);
    const postId = await startDiscussion(alice, { title: 'Mail me' });
    await comment(bob, postId, 'A reply worth a mail');
    await runWorkers();

    const mail = await inbox.waitFor(addressOf(alice));
    expect(mail.text).toContain(`${bob.username} replied to your post “Mail me”`);
    expect(mail.text).toContain('A reply worth a mail');
    const header = mail.header('List-Unsubscribe');
    expect(header).toMatch(/^<http:\/\/localhost\/unsubscribe\/post_reply\/email\/[^>\s]+>$/);
    expect(mail.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const link = new URL(header!.slice(1, -1));
    expect(mail.text).toContain(link.href);
    const before = await prefsOf(alice);

    // A link scanner's GET changes nothing: it shows a button.
    const page = await t.app.inject({ method: 'GET', url: link.pathname });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(await prefsOf(alice)).toEqual(before);

    // The mail program's POST: no cookie, no token, no Origin.
    const oneClick = await t.app.inject({ method: 'POST', url: link.pathname, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(oneClick.statusCode).toBe(200);
    expect(oneClick.body).toContain('is off');
    expect(await prefsOf(alice)).toEqual(before.map((p) => (p === 'post_reply:email=1' ? 'post_reply:email=0' : p)));
    expect(await prefsOf(alice)).toContain('comment_reply:email=1');
    // Again: still off, still fine.
    expect((await t.app.inject({ method: 'POST', url: link.pathname, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode).toBe(200);
  });

  it('take the one-click POST as multipart/form-data too (RFC 8058), refusing files and malformed bodies with 400', async () => {
    const alice = await member(t.app);
    await verifyEmail(alice);
    await choose(alice, ['post_reply:email', 'mention:email']);
    const before = await prefsOf(alice);
    const url = new URL(t.services.deliveries.unsubscribeUrl(await idOf(alice), 'post_reply', 'email')).pathname;
    const boundary = '---FormBoundaryjWmhtjORrn';
    const part = (headers: string, value: string) => `--${boundary}\r\n${headers}\r\n\r\n${value}\r\n`;
    const post = (body: string, type = `multipart/form-data; boundary=${boundary}`) => t.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': type } });
    const oneClick = part('Content-Disposition: form-data; name="List-Unsubscribe"', 'One-Click');

    for (const [body, type] of [
      [oneClick + part('Content-Disposition: form-data; name="List-Unsubscribe"; filename="a.txt"\r\nContent-Type: text/plain', 'One-Click') + `--${boundary}--\r\n`, undefined], // a file
      [oneClick + part('Content-Disposition: form-data; name="other"', 'x') + `--${boundary}--\r\n`, undefined], // a field not asked for
      [part('Content-Disposition: form-data; name="List-Unsubscribe"', 'x'.repeat(2000)) + `--${boundary}--\r\n`, undefined], // too long
      [oneClick + `--${boundary}--\r\n`, 'multipart/form-data'], // no boundary
      [`--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click`, undefined], // cut off
    ] as const) {
      const refused = await post(body, type);
      expect(refused.statusCode, body).toBe(400);
      expect(await prefsOf(alice)).toEqual(before);
    }
    expect((await post(oneClick.repeat(20) + `--${boundary}--\r\n`)).statusCode).toBe(400);
    expect((await post(part('Content-Disposition: form-data; name="List-Unsubscribe"', 'One-Click'.repeat(500)) + `--${boundary}--\r\n`)).statusCode).toBe(413);

    const done = await post(oneClick + `--${boundary}--\r\n`);
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('is off');
    expect(await prefsOf(alice)).toEqual(before.map((p) => (p === 'post_reply:email=1' ? 'post_reply:email=0' : p)));
  });

  it('refuse a forged, altered or borrowed unsubscribe token (400), changing nothing', async () => {
    const alice = await member(t.app);
    await verifyEmail(alice);
    await choose(alice, ['post_reply:email', 'mention:email', 'comment_reply:sms']);
    const before = await prefsOf(alice);
    const good = new URL(t.services.deliveries.unsubscribeUrl(await idOf(alice), 'post_reply', 'email')).pathname;
    const token = good.split('/').at(-1)!;
    const [userId, expiry, mac] = token.split('.') as [string, string, string];
    const post = (url: string) => t.app.inject({ method: 'POST', url, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    for (const url of [
      `/unsubscribe/post_reply/email/${Number(userId) + 1}.${expiry}.${mac}`, // someone else
      `/unsubscribe/post_reply/email/${userId}.${Number(expiry) + 1}.${mac}`, // a longer life
      `/unsubscribe/post_reply/email/${userId}.${expiry}.${flip(mac[0]!)}${mac.slice(1)}`,
      `/unsubscribe/mention/email/${token}`, // another event
      `/unsubscribe/post_reply/sms/${token}`, // another channel
      `/unsubscribe/post_reply/email/not-a-token`,
    ]) {
      const response = await post(url);
      expect(response.statusCode, url).toBe(400);
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(400);
    }
    // Unknown event or channel: refused by the schema.
    expect((await post(`/unsubscribe/nope/email/${token}`)).statusCode).toBe(400);
    expect((await post(`/unsubscribe/post_reply/pigeon/${token}`)).statusCode).toBe(400);
    // A token made for another purpose (an address check) with the same key does not unsubscribe.
    const { SignedTokens } = await import('../src/accounts/signed-tokens.js');
    const other = new SignedTokens(t.config.secretKey).make('verify-email', Number(userId), Number(expiry), 'post_reply:email');
    expect((await post(`/unsubscribe/post_reply/email/${other}`)).statusCode).toBe(400);
    expect(await prefsOf(alice)).toEqual(before);
    // An expired one: 400, nothing changed.
    t.clock.advance(366 * 24 * 3_600_000);
    try {
      expect((await post(good)).statusCode).toBe(400);
    } finally {
      t.clock.advance(-366 * 24 * 3_600_000);
    }
    expect(await prefsOf(alice)).toEqual(before);
  });

  it('send SMS only to the verified phone, and not the 6th of a day (cap 5), even with two workers', async () => {
    const [alice, bob] = [await member(t.app), await member(t.app)];
    const number = await verifyPhone(alice);
    await choose(alice, ['post_reply:sms']);
    const postId = await startDiscussion(alice);
    for (let i = 1; i <= 7; i++) await comment(bob, postId, `Reply number ${i}`);
    // One job, its number since replaced: not sent there.
    await t.services.outbox.enqueue(t.db.kysely, { kind: 'sms', payload: { to: '+919800000001', message: 'to an old number', optIn: { userId: await idOf(alice), event: 'post_reply' } } });
    expect((await jobs()).filter((j) => j.kind === 'sms')).toHaveLength(8);
    const sentBefore = milio.requestsTo('/v1/messages').length;

    await runWorkers(2);
    const sent = milio.requestsTo('/v1/messages').slice(sentBefore).map((r) => r.body as { to: string });
    expect(sent).toHaveLength(5);
    expect(sent.every((m) => m.to === number)).toBe(true);
    const skipped = (await jobs()).filter((j) => j.last_error?.startsWith('skipped:')).map((j) => j.last_error);
    expect(skipped.sort()).toEqual(['skipped: SMS_DAILY_CAP (5) reached today', 'skipped: SMS_DAILY_CAP (5) reached today', 'skipped: the phone is no longer verified']);
    expect((await jobs()).filter((j) => j.kind === 'sms').every((j) => j.state === 'done')).toBe(true);

    // The next UTC day, texts go again.
    t.clock.advance(24 * 3_600_000);
    await comment(bob, postId, 'A new day');
    await runWorkers();
    expect(milio.requestsTo('/v1/messages').length - sentBefore).toBe(6);
  });

  it('let no two workers take more than the cap between them, at the same moment', async () => {
    const alice = await member(t.app);
    const userId = await idOf(alice);
    const taken = await Promise.all(Array.from({ length: 12 }, () => t.services.deliveries.takeSms(userId)));
    expect(taken.filter(Boolean)).toHaveLength(5);
    await t.services.deliveries.giveBackSms(userId);
    expect(await t.services.deliveries.takeSms(userId)).toBe(true);
    expect(await t.services.deliveries.takeSms(userId)).toBe(false);
  });

  it('not send what was turned off, or whose address changed, between enqueue and send', async () => {
    const [alice, bob] = [await member(t.app), await member(t.app)];
    await verifyEmail(alice);
    await verifyPhone(alice);
    await choose(alice, ['post_reply:email', 'post_reply:sms', 'post_reply:push']);
    const postId = await startDiscussion(alice);
    await comment(bob, postId, 'Turned off before it went');
    expect((await jobs()).map((j) => j.kind).sort()).toEqual(['email', 'push', 'sms']);
    await choose(alice, []);
    const [mails, texts] = [inbox.messages.length, milio.requestsTo('/v1/messages').length];
    await runWorkers();
    expect(inbox.messages.length).toBe(mails);
    expect(milio.requestsTo('/v1/messages').length).toBe(texts);
    expect((await jobs()).map((j) => [j.kind, j.state, j.last_error]).sort()).toEqual([
      ['email', 'done', 'skipped: email for post_reply was turned off'],
      ['push', 'done', 'skipped: push for post_reply was turned off'],
      ['sms', 'done', 'skipped: sms for post_reply was turned off'],
    ]);
  });

  it('show and save the settings page: every box, the reasons a channel is off, unknown boxes refused whole', async () => {
    const alice = await member(t.app);
    const page = await alice.get('/settings/notifications/');
    expect(page.statusCode).toBe(200);
    // Defaults: push on, e-mail and SMS off; no verified address or phone: those boxes disabled, with the way to fix it.
    expect(page.body).toContain('value="post_reply:push" aria-label="Replies to your posts: Push" checked>');
    expect(page.body).toContain('value="post_reply:email" aria-label="Replies to your posts: E-mail" disabled>');
    expect(page.body).toContain('value="mention:sms" aria-label="Mentions of your @name: SMS" disabled>');
    expect(page.body).toContain('<a href="/settings/email/">add one in E-mail settings</a>');
    expect(page.body).toContain('<a href="/settings/security/phone/">add a phone</a>');
    expect(page.body).toContain('<a href="/settings/notifications/devices/">Devices</a>');
    expect(page.body).toContain('At most 5 texts a day');
    expect((await alice.get('/settings/sessions/')).body).toContain('<a href="/settings/notifications/">Notifications</a>');

    await verifyEmail(alice);
    await verifyPhone(alice);
    await choose(alice, ['comment_reply:email', 'mention:sms', 'mention:push']);
    const saved = await alice.get('/settings/notifications/?saved=1');
    expect(saved.body).toContain('role="status"');
    const ticked = [...saved.body.matchAll(/name="on" value="([a-z_]+:[a-z]+)"[^>]* checked/g)].map((m) => m[1]);
    expect(ticked).toEqual(['comment_reply:email', 'mention:push', 'mention:sms']);

    const before = await prefsOf(alice);
    for (const on of [['mention:pigeon'], ['mention:push', 'likes:email'], 'post_reply:push;drop']) {
      expect((await alice.post('/settings/notifications/', { on })).statusCode).toBe(400);
    }
    expect((await alice.post('/settings/notifications/', { on: 'mention:push', extra: '1' })).statusCode).toBe(400);
    expect(await prefsOf(alice)).toEqual(before);
    // Without the CSRF token: refused.
    expect((await alice.post('/settings/notifications/', { on: [], _csrf: null })).statusCode).toBe(403);
    expect(await prefsOf(alice)).toEqual(before);
  });

  it('keep a channel that could not be offered as it was when the page is saved', async () => {
    const alice = await member(t.app);
    await verifyEmail(alice);
    await choose(alice, ['mention:email']);
    await t.db.kysely.updateTable('users').set({ email_verified_at: null }).where('username', '=', alice.username).execute();
    await choose(alice, ['mention:push']);
    expect(await prefsOf(alice)).toContain('mention:email=1');
    const anonymous = new BrowserSession(t.app);
    expect((await anonymous.get('/settings/notifications/')).statusCode).toBe(303);
  });

  it('send a daily digest instead, when chosen: one job per day, one mail of the unread ones, its link turning e-mail off for all', async () => {
    const [alice, bob] = [await member(t.app), await member(t.app)];
    await verifyEmail(alice);
    await choose(alice, ['post_reply:email', 'comment_reply:email']);
    const saved = await alice.post('/settings/notifications/', { on: ['post_reply:email', 'comment_reply:email'], email_mode: 'daily' });
    expect(saved.statusCode).toBe(303);
    expect((await alice.get('/settings/notifications/')).body).toMatch(/value="daily" checked/);
    const postId = await startDiscussion(alice, { title: 'Digest me' });
    await comment(bob, postId, 'First reply of the day');
    await comment(bob, postId, 'Second reply of the day');
    const scheduled = await jobs();
    expect(scheduled.map((j) => [j.kind, j.payload, j.run_after - t.clock.now()])).toEqual([['email-digest', { userId: await idOf(alice), since: t.clock.now() }, 24 * 3_600_000]]);

    const mails = inbox.to(addressOf(alice)).length;
    await runWorkers();
    expect(inbox.to(addressOf(alice)).length).toBe(mails); // not due yet
    t.clock.advance(24 * 3_600_000);
    try {
      await runWorkers();
      const digest = await inbox.waitFor(addressOf(alice), mails + 1);
      expect(digest.text).toContain('First reply of the day');
      expect(digest.text).toContain('Second reply of the day');
      expect(digest.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      const link = new URL(digest.header('List-Unsubscribe')!.slice(1, -1));
      expect(link.pathname).toMatch(/^\/unsubscribe\/digest\/email\//);
      // The next notification schedules the next digest.
      await comment(bob, postId, 'A reply for tomorrow');
      expect((await jobs()).filter((j) => j.kind === 'email-digest' && j.state === 'pending')).toHaveLength(1);
      const off = await t.app.inject({ method: 'POST', url: link.pathname, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(off.statusCode).toBe(200);
      expect((await prefsOf(alice)).filter((p) => p.includes(':email='))).toEqual(['comment_reply:email=0', 'mention:email=0', 'post_reply:email=0']);
    } finally {
      t.clock.advance(-24 * 3_600_000);
    }
  });
});

describe('notification delivery on a forum without VAPID keys', () => {
  const t = useTestApp();

  it('writes no push job, and the settings page says push is not offered', async () => {
    const [alice, bob] = [await member(t().app), await member(t().app)];
    const postId = await startDiscussion(alice, { title: 'No push here' });
    await comment(bob, postId, `Hello @${alice.username}`);
    const kinds = await t().db.kysely.selectFrom('outbox_jobs').select('kind').execute();
    expect(kinds.filter((job) => job.kind === 'push')).toEqual([]);
    const page = await alice.get('/settings/notifications/');
    // Shown off (the forum cannot send it), though push is on by default.
    expect(page.body).toContain('value="post_reply:push" aria-label="Replies to your posts: Push" disabled>');
    expect(page.body).toContain('<strong>Push</strong>: this forum sends no push notifications.');
  });
});
