import { VALID_ENV } from '../../../test/helpers/env.js';
import { StorageDriver, validateEnv } from '../../config/env.schema.js';

const base = VALID_ENV;
const s3 = { STORAGE_DRIVER: 's3', MINIO_ENDPOINT: 'http://minio:9000', MINIO_BUCKET: 'huntzen-files', MINIO_ACCESS_KEY: 'huntzen', MINIO_SECRET_KEY: 'a-real-secret-value' };

describe('storage configuration (STORAGE_DRIVER, MINIO_*)', () => {
  it('defaults to the local driver under ./uploads with MinIO-friendly S3 settings', () => {
    const env = validateEnv(base);
    expect(env.STORAGE_DRIVER).toBe(StorageDriver.Local);
    expect(env.UPLOAD_PATH).toBe('./uploads');
    expect(env.MAX_FILE_SIZE).toBe(10 * 1024 * 1024);
    expect(env.MINIO_FORCE_PATH_STYLE).toBe('true');
  });

  it('requires a bucket and credentials for the s3 driver, and rejects an unknown driver', () => {
    expect(validateEnv({ ...base, ...s3 }).STORAGE_DRIVER).toBe(StorageDriver.S3);
    expect(() => validateEnv({ ...base, STORAGE_DRIVER: 's3' })).toThrow(/MINIO_BUCKET[\s\S]*MINIO_ACCESS_KEY[\s\S]*MINIO_SECRET_KEY/);
    expect(() => validateEnv({ ...base, STORAGE_DRIVER: 'ftp' })).toThrow(/STORAGE_DRIVER/);
    expect(() => validateEnv({ ...base, ...s3, MINIO_BUCKET: 'Bad_Bucket' })).toThrow(/MINIO_BUCKET/);
  });

  it('refuses the example MinIO secret in production only when the s3 driver is used', () => {
    const prod = { ...base, NODE_ENV: 'production', FRONTEND_URL: 'https://app.huntzen.care', MINIO_SECRET_KEY: 'change-me-too' };
    expect(() => validateEnv(prod)).not.toThrow();
    expect(() => validateEnv({ ...prod, ...s3, MINIO_SECRET_KEY: 'change-me-too' })).toThrow(/MINIO_SECRET_KEY: placeholder/);
  });
});
