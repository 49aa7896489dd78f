import { Processor } from '@nestjs/bullmq';
import { workerOptions } from '../../infra/queue/worker-options.js';
import { ClosingWorkerHost } from '../../infra/queue/closing-worker-host.js';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConsultationEventType, ConsultationStatus, NotificationType } from '@prisma/client';
import type { Job } from 'bullmq';
import { AppConfig } from '../../config/app-config.service.js';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';
import { QUEUE } from '../../infra/queue/queues.js';
import { registerScheduler } from '../../infra/queue/schedulers.js';
import { NotificationDispatchService } from '../notifications/notification-dispatch.service.js';
import { RECONCILE_EVERY_MS, RECONCILE_JOB, RemindersService, type ReminderJob } from './reminders.service.js';

/**
 * Sends a due reminder to both participants — only if the consultation is still active and still
 * starts at the time the reminder was planned for (a moved or cancelled one makes it a no-op).
 */
@Processor(QUEUE.reminders, workerOptions({ concurrency: 4 }))
export class RemindersProcessor extends ClosingWorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('Reminders');

  constructor(
    private readonly system: SystemPrismaService,
    private readonly dispatch: NotificationDispatchService,
    private readonly config: AppConfig,
    private readonly reminders: RemindersService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // one scheduler for all worker instances (BullMQ job schedulers are unique by id)
    registerScheduler(this.reminders.queue, RECONCILE_JOB, RECONCILE_EVERY_MS, { name: RECONCILE_JOB, data: {} as ReminderJob });
  }

  async process(job: Job<ReminderJob>): Promise<void> {
    if (job.name === RECONCILE_JOB) return this.reconcile();
    const { consultationId, kind, scheduledAt } = job.data;
    const c = await this.system.consultation.findUnique({
      where: { id: consultationId },
      select: {
        id: true, status: true, scheduledAt: true, scheduledEndAt: true, format: true,
        employee: { select: { userId: true } },
        practitioner: { select: { userId: true } },
      },
    });
    const active: ConsultationStatus[] = [ConsultationStatus.SCHEDULED, ConsultationStatus.CONFIRMED];
    if (!c || !active.includes(c.status) || c.scheduledAt.toISOString() !== scheduledAt) {
      this.logger.log({ message: 'reminder skipped: consultation changed', consultationId, kind });
      return;
    }
    const link = new URL(`/consultations/${c.id}`, this.config.get('FRONTEND_URL')).toString();
    await this.dispatch.dispatch({
      userIds: [c.employee.userId, c.practitioner.userId],
      type: kind === '24h' ? NotificationType.CONSULTATION_REMINDER_24H : NotificationType.CONSULTATION_REMINDER_1H,
      title: kind === '24h' ? 'Consultation demain' : 'Consultation dans une heure',
      message: kind === '24h' ? 'Rappel : vous avez une consultation demain.' : 'Rappel : votre consultation commence dans une heure.',
      linkUrl: `/consultations/${c.id}`,
      metadata: { consultationId: c.id },
      mail: {
        template: 'consultation-reminder',
        data: { consultationId: c.id, startsAt: c.scheduledAt.toISOString(), endsAt: c.scheduledEndAt.toISOString(), format: c.format, link, hoursBefore: kind === '24h' ? 24 : 1 },
      },
    });
    await this.system.consultationEvent.create({
      data: { consultationId: c.id, eventType: ConsultationEventType.REMINDER_SENT, actorId: 'system', actorRole: null, metadata: { kind } },
    });
  }

  /** Active consultations starting within the next 25 h get their missing reminders back. */
  private async reconcile(): Promise<void> {
    const now = Date.now();
    const upcoming = await this.system.consultation.findMany({
      where: { status: { in: [ConsultationStatus.SCHEDULED, ConsultationStatus.CONFIRMED] }, scheduledAt: { gt: new Date(now), lt: new Date(now + 25 * 3600_000) } },
      select: { id: true, scheduledAt: true },
    });
    for (const c of upcoming) {
      await this.reminders.ensure(c.id, c.scheduledAt).catch((e: Error) => this.logger.warn({ message: 'reminder not restored', consultationId: c.id, error: e.name }));
    }
  }
}
