import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller.js';
import { AttemptLimiter } from './attempt-limiter.service.js';
import { AuthService } from './auth.service.js';
import { SessionService } from './session.service.js';
import { TwoFactorService } from './two-factor.service.js';

@Module({
  controllers: [AuthController],
  providers: [AuthService, SessionService, TwoFactorService, AttemptLimiter],
  exports: [AuthService, SessionService],
})
export class AuthModule {}
