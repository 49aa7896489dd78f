import { Module } from '@nestjs/common';
import { UploadLimitsModule } from '../files/upload-limits.js';
import { FilesModule } from '../files/files.module.js';
import { ChatPresence } from './chat-presence.service.js';
import { ChatRateLimiter } from './chat-rate-limiter.service.js';
import { ChatController } from './chat.controller.js';
import { ChatGateway } from './chat.gateway.js';
import { ChatService } from './chat.service.js';

/** CH1–CH5, I4–I5 and the `/chat` socket namespace (api only). Attachments go through FilesService. */
@Module({
  imports: [
    FilesModule,
    UploadLimitsModule,
  ],
  controllers: [ChatController],
  providers: [ChatService, ChatGateway, ChatPresence, ChatRateLimiter],
})
export class ChatModule {}
