import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertStorageKey, StorageObjectNotFoundError, StorageService } from './storage.service.js';

/** Files under UPLOAD_PATH, readable by the service account only. */
export class LocalStorageDriver extends StorageService {
  readonly driver = 'local' as const;
  readonly root: string;
  private readonly logger = new Logger('LocalStorage');

  constructor(uploadPath: string) {
    super();
    this.root = resolve(uploadPath);
    // created on start so a misconfigured path fails the boot, not the first upload
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    this.logger.log(`storing uploads under ${this.root}`);
  }

  pathOf(key: string): string {
    assertStorageKey(key);
    return join(this.root, key);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const target = this.pathOf(key);
    // write then rename: a reader never sees a half-written object
    const temp = join(this.root, `.tmp-${randomUUID()}`);
    try {
      await writeFile(temp, data, { mode: 0o600, flag: 'wx' });
      await rename(temp, target);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  }

  /** Streams to a private temporary file, then renames it: constant memory, never a half-written object. */
  override async putStream(key: string, data: Readable): Promise<number> {
    const target = this.pathOf(key);
    const temp = join(this.root, `.tmp-${randomUUID()}`);
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(data, count, createWriteStream(temp, { mode: 0o600, flags: 'wx' }));
      await rename(temp, target);
      return size;
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  }

  async get(key: string): Promise<Readable> {
    try {
      // opened before returning, so a missing object is reported before the response starts
      const handle = await open(this.pathOf(key), 'r');
      return handle.createReadStream();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageObjectNotFoundError(key);
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
