// A real SMTP server on loopback (smtp-server) that keeps what it receives:
// the mail tests read the message the app sent and follow its link.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export const SMTP_USER = 'charcha';
export const SMTP_PASSWORD = 'smtp-secret';

export interface ReceivedMail {
  /** Envelope recipients. */
  to: string[];
  from: string;
  subject: string;
  /** The decoded plain-text body. */
  text: string;
  /** One header's value, unfolded (undefined when absent). */
  header(name: string): string | undefined;
}

/** Undoes quoted-printable (nodemailer's choice for long lines): soft breaks, then =XX bytes. */
function decodeQuotedPrintable(body: string): string {
  const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function parse(raw: string, to: string[]): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1] ?? '';
  const body = raw.slice(split + 4);
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  const text = encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : encoding === 'base64' ? Buffer.from(body, 'base64').toString('utf8') : body;
  return {
    to,
    from: header('From'),
    subject: header('Subject'),
    text: text.replace(/\r\n/g, '\n'),
    header: (name) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1],
  };
}

export class SmtpInbox {
  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    /** Every message received, in order of arrival. */
    readonly messages: ReceivedMail[],
  ) {}

  /**
   * Listens on 127.0.0.1 with STARTTLS (smtp-server's own self-signed
   * certificate) and password login, as a mail relay would.
   */
  static async start(): Promise<SmtpInbox> {
    const messages: ReceivedMail[] = [];
    const server = new SMTPServer({
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          messages.push(parse(Buffer.concat(chunks).toString('latin1'), session.envelope.rcptTo.map((r) => r.address)));
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new SmtpInbox(server, (server.server.address() as AddressInfo).port, messages);
  }

  /** SMTP_URL for the app: STARTTLS required, the test certificate accepted. */
  get url(): string {
    return `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${this.port}/?requireTLS=true&tls.rejectUnauthorized=false`;
  }

  /** The messages to `address` so far (compared case-insensitively), optionally only those whose subject is `subject`. */
  to(address: string, subject?: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to.some((to) => to.toLowerCase() === address.toLowerCase()) && (subject === undefined || m.subject === subject));
  }

  /** Waits for the `count`-th message to `address` (1 = the first), with `subject` if given, and returns it. */
  async waitFor(address: string, count = 1, subject?: string, timeoutMs = 5_000): Promise<ReceivedMail> {
    for (const started = Date.now(); Date.now() - started < timeoutMs; await new Promise((r) => setTimeout(r, 20))) {
      const mail = this.to(address, subject)[count - 1];
      if (mail) return mail;
    }
    throw new Error(`no message #${count} to ${address} within ${timeoutMs} ms (got ${this.messages.length} in all)`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The path of the first link in a message that starts with `origin` and goes to `prefix`. */
export function linkIn(mail: ReceivedMail, prefix: '/verify-email/' | '/password-reset/'): URL {
  const match = new RegExp(`https?://[^\\s/]+${prefix}[^\\s]+`).exec(mail.text);
  if (!match) throw new Error(`no ${prefix} link in:\n${mail.text}`);
  return new URL(match[0]);
}
