import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.service.js';
import { StorageDriver } from '../../config/env.schema.js';
import { LocalStorageDriver } from './local-storage.driver.js';
import { StorageService } from './storage.service.js';

/** The one StorageService of the process, with the driver STORAGE_DRIVER names (files, chat, RGPD). */
@Global()
@Module({
  providers: [
    {
      provide: StorageService,
      inject: [AppConfig],
      // the S3 driver (and the AWS SDK, about 20 MB of resident memory) is loaded only when configured
      useFactory: async (config: AppConfig): Promise<StorageService> =>
        config.get('STORAGE_DRIVER') === StorageDriver.S3
          ? new (await import('./s3-storage.driver.js')).S3StorageDriver({
              endpoint: config.get('MINIO_ENDPOINT'),
              region: config.get('MINIO_REGION'),
              bucket: config.get('MINIO_BUCKET')!,
              accessKeyId: config.get('MINIO_ACCESS_KEY')!,
              secretAccessKey: config.get('MINIO_SECRET_KEY')!,
              forcePathStyle: config.get('MINIO_FORCE_PATH_STYLE') === 'true',
            })
          : new LocalStorageDriver(config.get('UPLOAD_PATH')),
    },
  ],
  exports: [StorageService],
})
export class StorageModule {}
