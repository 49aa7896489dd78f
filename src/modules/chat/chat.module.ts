import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { memoryStorage } from 'multer';
import { AppConfig } from '../../config/app-config.service.js';
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
    MulterModule.registerAsync({
      inject: [AppConfig],
      // same limits as the files module: checked (magic numbers) and encrypted before storage
      useFactory: (config: AppConfig) => ({
        storage: memoryStorage(),
        defParamCharset: 'utf8',
        limits: { fileSize: config.get('MAX_FILE_SIZE'), files: 1, fields: 10, fieldSize: 1024, parts: 12 },
      }),
    }),
  ],
  controllers: [ChatController],
  providers: [ChatService, ChatGateway, ChatPresence, ChatRateLimiter],
})
export class ChatModule {}
