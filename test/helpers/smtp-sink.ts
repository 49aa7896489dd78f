import { simpleParser, ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';

export interface SinkMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Every http(s) link found in the text part. */
  links: string[];
  attachments: { filename: string; contentType: string; content: string }[];
}

/** A real SMTP server in the test process; mails are parsed and kept in arrival order. */
export class SmtpSink {
  readonly mails: SinkMail[] = [];
  /** Connection errors seen (e.g. ECONNRESET when a sender is killed mid-send). */
  readonly connectionErrors: string[] = [];
  private readonly events = new EventEmitter();
  private server?: SMTPServer;
  port = 0;

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then(async (parsed: ParsedMail) => {
            const text = parsed.text ?? '';
            const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));
            const mail: SinkMail = { to, subject: parsed.subject ?? '', text, html: typeof parsed.html === 'string' ? parsed.html : '', links: text.match(/https?:\/\/[^\s)]+/g) ?? [], attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content.toString('utf8') })) };
            const hold = this.holds.find((h) => h.predicate(mail));
            if (hold) {
              // mid-delivery: no answer to DATA until released, then an error: the mail is not taken
              hold.held.push(mail);
              this.events.emit('held', mail);
              await hold.released;
              callback(new Error('delivery aborted by the test'));
              return;
            }
            this.mails.push(mail);
            this.events.emit('mail', mail);
            callback();
          })
          .catch(callback);
      },
    });
    // A sender that dies mid-delivery (tests SIGKILL workers) resets its connection; smtp-server reports that as
    // an 'error' event on the server, which would otherwise be an uncaught exception in the test process.
    this.server.on('error', (e: NodeJS.ErrnoException) => this.connectionErrors.push(e.code ?? e.message));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.server.address() as AddressInfo).port;
  }

  private readonly holds: { predicate: (m: SinkMail) => boolean; held: SinkMail[]; released: Promise<void> }[] = [];

  /**
   * Keeps matching deliveries waiting in DATA (the sender is mid-send) until `release()`, which then
   * refuses them (not recorded in `mails`). For "the sender died mid-job" tests.
   */
  hold(predicate: (m: SinkMail) => boolean): { held: SinkMail[]; firstHeld: Promise<SinkMail>; release(): void } {
    let release!: () => void;
    const entry = { predicate, held: [] as SinkMail[], released: new Promise<void>((r) => (release = r)) };
    this.holds.push(entry);
    const firstHeld = new Promise<SinkMail>((resolve) => {
      const on = (m: SinkMail) => {
        if (!entry.held.includes(m)) return;
        this.events.off('held', on);
        resolve(m);
      };
      this.events.on('held', on);
    });
    return {
      held: entry.held,
      firstHeld,
      release: () => {
        this.holds.splice(this.holds.indexOf(entry), 1);
        release();
      },
    };
  }

  /** Resolves with the first mail (already received or coming) matching `predicate`. */
  waitFor(predicate: (m: SinkMail) => boolean, timeoutMs = 15_000): Promise<SinkMail> {
    const found = this.mails.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('mail', onMail);
        reject(new Error(`no matching e-mail within ${timeoutMs} ms (received: ${this.mails.map((m) => `${m.to.join(',')}:${m.subject}`).join(' | ') || 'none'})`));
      }, timeoutMs);
      const onMail = (m: SinkMail) => {
        if (!predicate(m)) return;
        clearTimeout(timer);
        this.events.off('mail', onMail);
        resolve(m);
      };
      this.events.on('mail', onMail);
    });
  }

  /** Resolves with the mails matching `predicate` once there are at least `n` of them (received or coming). */
  waitForCount(predicate: (m: SinkMail) => boolean, n: number, timeoutMs = 60_000): Promise<SinkMail[]> {
    const matching = () => this.mails.filter(predicate);
    if (matching().length >= n) return Promise.resolve(matching());
    return new Promise((resolve, reject) => {
      let count = matching().length;
      const timer = setTimeout(() => {
        this.events.off('mail', onMail);
        reject(new Error(`only ${count} of ${n} matching e-mails within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMail = (m: SinkMail) => {
        if (!predicate(m) || ++count < n) return;
        clearTimeout(timer);
        this.events.off('mail', onMail);
        resolve(matching());
      };
      this.events.on('mail', onMail);
    });
  }

  waitForTo(email: string, subjectIncludes?: string): Promise<SinkMail> {
    return this.waitFor((m) => m.to.includes(email) && (!subjectIncludes || m.subject.includes(subjectIncludes)));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The `token` query parameter of the first link in a mail. */
export function tokenFromMail(mail: SinkMail): string {
  for (const link of mail.links) {
    const token = new URL(link).searchParams.get('token');
    if (token) return token;
  }
  throw new Error(`no token link in mail "${mail.subject}"`);
}
