import { Processor } from '@nestjs/bullmq';
import { workerOptions } from '../../infra/queue/worker-options.js';
import { ClosingWorkerHost } from '../../infra/queue/closing-worker-host.js';
import type { Job } from 'bullmq';
import { MailService } from '../../infra/mail/mail.service.js';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';
import { QUEUE } from '../../infra/queue/queues.js';
import type { DispatchJob } from './notification-dispatch.service.js';
import { NotificationsService } from './notifications.service.js';

/** Delivers queued notifications as the system (cross-user: preferences, settings and addresses of recipients). */
@Processor(QUEUE.notifications, workerOptions({ concurrency: 4 }))
export class NotificationsProcessor extends ClosingWorkerHost {
  constructor(
    private readonly system: SystemPrismaService,
    private readonly notifications: NotificationsService,
    private readonly mail: MailService,
  ) {
    super();
  }

  async process(job: Job<DispatchJob>): Promise<void> {
    const d = job.data;
    const users = await this.system.user.findMany({
      where: { id: { in: d.userIds }, isActive: true, deletedAt: null },
      select: {
        id: true,
        email: true,
        notificationPreferences: { where: { type: d.type }, select: { inApp: true, email: true } },
        notificationSettings: { select: { calendarInvites: true } },
      },
    });
    const inApp = users.filter((u) => u.notificationPreferences[0]?.inApp ?? true);
    const created = await this.system.$transaction((tx) =>
      this.notifications.create(
        inApp.map((u) => ({ userId: u.id, type: d.type, title: d.title, message: d.message, linkUrl: d.linkUrl, metadata: d.metadata })),
        tx,
      ),
    );
    this.notifications.push(created);
    if (d.mail) {
      for (const u of users.filter((u) => u.notificationPreferences[0]?.email ?? true)) {
        // calendar invitations are opt-in: a work mailbox may feed a calendar the employer sees
        await this.mail.send(u.email, d.mail.template, d.mail.data as never, { calendarInvite: u.notificationSettings?.calendarInvites ?? false });
      }
    }
  }
}
