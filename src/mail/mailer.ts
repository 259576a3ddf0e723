// Outgoing mail: one Mailer whatever carries the message. SMTP (nodemailer)
// when SMTP_URL is set; in development without it, the log; in production
// without it, nothing, and `available` says so to every mail-based feature.
import { createTransport } from 'nodemailer';
import type { MailSettings } from '../config.js';

export interface MailMessage {
  to: string;
  subject: string;
  /** Plain text: links are written out whole, so any mail program shows them. */
  text: string;
  /** Extra header lines, e.g. List-Unsubscribe (notifications/delivery.ts). */
  headers?: Record<string, string>;
}

export interface MailLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

interface MailTransport {
  send(message: MailMessage & { from: string }): Promise<void>;
  close(): void;
}

export class Mailer {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly transport: MailTransport | null,
    private readonly from: string,
    private readonly logger: MailLogger,
  ) {}

  /** Whether mail goes anywhere: features that need it are offered only then. */
  get available(): boolean {
    return this.transport !== null;
  }

  /**
   * Composes and sends off the caller's path: no answer waits for, or
   * reveals by its timing, the database lookup or the mail server. `compose`
   * returns null when there is nothing to send. Failures are logged.
   */
  sendLater(compose: () => Promise<MailMessage | null>): void {
    const transport = this.transport;
    if (!transport) return;
    const task = (async () => {
      const message = await compose();
      if (message) await transport.send({ from: this.from, ...message });
    })()
      .catch((err: unknown) => this.logger.error({ err }, 'mail: a message could not be sent'))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Sends now and waits for the server's acceptance; throws what the transport threw (the outbox's handler, which retries). */
  async send(message: MailMessage): Promise<void> {
    if (!this.transport) throw new Error('no mail transport (SMTP_URL is not set)');
    await this.transport.send({ from: this.from, ...message });
  }

  /** Resolves when every message handed over so far has been sent or has failed. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    await this.idle();
    this.transport?.close();
  }
}

function smtpTransport(url: string): MailTransport {
  // smtp:// upgrades with STARTTLS when the server offers it, smtps:// is TLS from the start;
  // nodemailer takes further options from the URL's query (e.g. ?requireTLS=true).
  const transporter = createTransport(url);
  return {
    async send(message) {
      await transporter.sendMail(message);
    },
    close: () => transporter.close(),
  };
}

/** Development without SMTP_URL: the whole message in the log, links and all, for a developer to click. */
function logTransport(logger: MailLogger): MailTransport {
  return {
    async send(message) {
      logger.info({ to: message.to, subject: message.subject, text: `\n${message.text}` }, 'E-mail not sent (no SMTP_URL): logged instead');
    },
    close: () => undefined,
  };
}

export function createMailer(settings: MailSettings, isProduction: boolean, logger: MailLogger): Mailer {
  if (settings.smtpUrl) return new Mailer(smtpTransport(settings.smtpUrl), settings.from, logger);
  return new Mailer(isProduction ? null : logTransport(logger), settings.from, logger);
}
