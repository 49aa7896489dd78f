import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { NotificationPreferencesService } from './notification-preferences.service.js';
import { UsersController } from './users.controller.js';

@Module({
  imports: [AuthModule],
  controllers: [UsersController],
  providers: [NotificationPreferencesService],
  exports: [NotificationPreferencesService],
})
export class UsersModule {}
