import { MulterModule } from '@nestjs/platform-express';
import { memoryStorage } from 'multer';
import { AppConfig } from '../../config/app-config.service.js';

/**
 * Multer for every upload route: in memory, because the bytes are checked (magic numbers) and encrypted
 * before anything touches the storage; one file of at most MAX_FILE_SIZE. Imported by each module that
 * declares upload routes (files, chat), so they all share the same limits.
 */
export const UploadLimitsModule = MulterModule.registerAsync({
  inject: [AppConfig],
  useFactory: (config: AppConfig) => ({
    storage: memoryStorage(),
    defParamCharset: 'utf8',
    limits: { fileSize: config.get('MAX_FILE_SIZE'), files: 1, fields: 10, fieldSize: 1024, parts: 12 },
  }),
});
