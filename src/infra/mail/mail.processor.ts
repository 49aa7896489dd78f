import { Processor } from '@nestjs/bullmq';
import { workerOptions } from '../queue/worker-options.js';
import { ClosingWorkerHost } from '../queue/closing-worker-host.js';
import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { Transporter } from 'nodemailer';
import { AppConfig } from '../../config/app-config.service.js';
import { QUEUE } from '../queue/queues.js';
import type { EmailJob } from './mail.service.js';
import { render } from './templates.js';

/** Sends queued e-mails over SMTP; BullMQ retries with exponential backoff on failure. */
@Processor(QUEUE.email, workerOptions({ concurrency: 4 }))
export class MailProcessor extends ClosingWorkerHost implements OnApplicationShutdown {
  private readonly logger = new Logger('MailWorker');
  private transport: Transporter | undefined;
  private readonly from: string;

  constructor(private readonly config: AppConfig) {
    super();
    this.from = config.get('EMAIL_FROM');
  }

  /** nodemailer is loaded when the first e-mail is sent (worker processes only), not at boot. */
  private async transporter(): Promise<Transporter> {
    if (this.transport) return this.transport;
    const { default: nodemailer } = await import('nodemailer');
    const config = this.config;
    const user = config.get('SMTP_USER');
    this.transport ??= nodemailer.createTransport({
      // pooled: a burst (a 1,000-row CSV import) reuses a few connections instead of one per mail
      pool: true,
      maxConnections: 4,
      host: config.get('SMTP_HOST'),
      port: config.get('SMTP_PORT'),
      secure: config.get('SMTP_SECURE') === 'true',
      ...(user ? { auth: { user, pass: config.get('SMTP_PASSWORD') } } : {}),
      // local sinks speak plain SMTP; a real relay on 587 upgrades with STARTTLS when it offers it
      ignoreTLS: !user,
      // an unreachable SMTP server fails the job (BullMQ retries it) instead of holding it for minutes,
      // which would also hold the shutdown that waits for running jobs
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    return this.transport;
  }

  async process(job: Job<EmailJob>): Promise<void> {
    const mail = render(job.data.template, job.data.data as never, { calendarInvite: job.data.calendarInvite === true });
    await (await this.transporter()).sendMail({ from: this.from, to: job.data.to, subject: mail.subject, text: mail.text, html: mail.html, attachments: mail.attachments });
    this.logger.log({ message: 'e-mail sent', template: job.data.template, jobId: job.id });
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
