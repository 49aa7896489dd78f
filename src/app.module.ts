import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { JwtAuthGuard } from './common/auth/jwt-auth.guard.js';
import { RolesGuard } from './common/auth/roles.guard.js';
import { AppConfig } from './config/app-config.service.js';
import { CoreModule } from './core.module.js';
import { InFlightInterceptor } from './infra/lifecycle/in-flight.service.js';
import { BenchBaselineModule } from './infra/prisma/bench-baseline.module.js';
import { HttpObserverMiddleware } from './infra/metrics/http-observer.middleware.js';
import { MetricsController } from './infra/metrics/metrics.controller.js';
import { AppThrottlerGuard } from './infra/throttle/rate-limit.js';
import { RedisThrottlerStorage, ThrottleStorageModule } from './infra/throttle/redis-throttler.storage.js';
import { ArticlesModule } from './modules/articles/articles.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { AvailabilityModule } from './modules/availability/availability.module.js';
import { ClinicalNotesModule } from './modules/clinical-notes/clinical-notes.module.js';
import { ChatModule } from './modules/chat/chat.module.js';
import { CompaniesModule } from './modules/companies/companies.module.js';
import { EmployeesModule } from './modules/employees/employees.module.js';
import { ConsultationsModule } from './modules/consultations/consultations.module.js';
import { CrisisResourcesModule } from './modules/crisis-resources/crisis-resources.module.js';
import { FilesModule } from './modules/files/files.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { NewsModule } from './modules/news/news.module.js';
import { JournalModule } from './modules/journal/journal.module.js';
import { NotificationsModule } from './modules/notifications/notifications.module.js';
import { ReviewsModule } from './modules/reviews/reviews.module.js';
import { PractitionersModule } from './modules/practitioners/practitioners.module.js';
import { UsersModule } from './modules/users/users.module.js';
import { CallsModule } from './modules/calls/calls.module.js';
import { PresenceModule } from './modules/presence/presence.module.js';
import { PrivacyModule } from './modules/privacy/privacy.module.js';
import { ReportsModule } from './modules/reports/reports.module.js';
import { AdminModule } from './modules/admin/admin.module.js';
import { AccessLogModule } from './modules/audit/access-log.module.js';

export interface AppModuleOptions {
  /** Run the BullMQ processors inside the api process (local use). */
  embeddedWorker: boolean;
}

@Module({})
export class AppModule implements NestModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule,
        ThrottlerModule.forRootAsync({
          imports: [ThrottleStorageModule],
          inject: [AppConfig, RedisThrottlerStorage],
          useFactory: (config: AppConfig, storage: RedisThrottlerStorage) => ({
            throttlers: [{ name: 'default', ttl: config.get('THROTTLE_TTL') * 1000, limit: config.get('THROTTLE_LIMIT') }],
            storage,
            errorMessage: 'Trop de requêtes, réessayez plus tard',
          }),
        }),
        HealthModule,
        AuthModule,
        UsersModule,
        NotificationsModule,
        CompaniesModule,
        EmployeesModule,
        ConsultationsModule,
        ReviewsModule,
        ClinicalNotesModule,
        JournalModule,
        FilesModule,
        PractitionersModule,
        ReportsModule,
        AvailabilityModule,
        ArticlesModule,
        NewsModule,
        CrisisResourcesModule,
        ChatModule,
        PresenceModule,
        CallsModule,
        PrivacyModule,
        AdminModule,
        AccessLogModule,
        // the processors (nodemailer, the backup runner…) are loaded only by the process that runs them
        ...(options.embeddedWorker ? [import('./worker/processors.module.js').then((m): DynamicModule => ({ module: m.ProcessorsModule }))] : []),
        ...(process.env.BENCH_BASELINE_ROUTE === 'true' && process.env.NODE_ENV !== 'production' ? [BenchBaselineModule] : []), // npm run bench only
      ],
      controllers: [MetricsController],
      providers: [
        // order matters: authenticate first, so limits can be counted per user, then check roles
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: AppThrottlerGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
        { provide: APP_INTERCEPTOR, useClass: InFlightInterceptor },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpObserverMiddleware).forRoutes('*path');
  }
}
