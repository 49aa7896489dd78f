import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import { aadFor } from '../../infra/crypto/aad.js';
import { EnvelopeCrypto } from '../../infra/crypto/envelope-crypto.service.js';
import { RedisService } from '../../infra/redis/redis.module.js';
import { sha256 } from '../../common/security/tokens.js';

const BACKUP_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O/1/I: codes are typed by hand

/** TOTP secrets (stored encrypted), QR codes, single-use codes and backup codes (SPEC §7.4). */
@Injectable()
export class TwoFactorService {
  constructor(
    private readonly crypto: EnvelopeCrypto,
    private readonly redis: RedisService,
  ) {}

  newSecret(): string {
    return generateSecret();
  }

  sealSecret(userId: string, secret: string): string {
    return this.crypto.encryptToString(secret, aadFor.totpSecret(userId));
  }

  openSecret(userId: string, sealed: string): string {
    return this.crypto.decryptFromString(sealed, aadFor.totpSecret(userId));
  }

  otpauthUrl(email: string, secret: string): string {
    return generateURI({ issuer: 'HuntZen Care', label: email, secret });
  }

  qrCode(otpauthUrl: string): Promise<string> {
    // qrcode (with pngjs) is loaded when a user sets up 2FA, not at every boot
    return import('qrcode').then(({ default: QRCode }) => QRCode.toDataURL(otpauthUrl));
  }

  /** 10 codes like `K7PD-3QXA`; only their hashes are stored. */
  newBackupCodes(): { codes: string[]; hashes: string[] } {
    const codes = Array.from({ length: 10 }, () => {
      const bytes = randomBytes(8);
      const chars = [...bytes].map((b) => BACKUP_ALPHABET[b % BACKUP_ALPHABET.length]).join('');
      return `${chars.slice(0, 4)}-${chars.slice(4)}`;
    });
    return { codes, hashes: codes.map((c) => this.hashBackupCode(c)) };
  }

  hashBackupCode(code: string): string {
    return sha256(code.replace('-', '').toUpperCase());
  }

  isTotpFormat(code: string): boolean {
    return /^\d{6}$/.test(code);
  }

  /**
   * Checks a TOTP code with ±1 step of tolerance and burns it: the same code cannot be replayed for
   * the user while it is still inside the window (SPEC: a code is single-use).
   */
  async checkTotp(userId: string, secret: string, code: string): Promise<boolean> {
    const { valid } = await verify({ secret, token: code, epochTolerance: 30 });
    if (!valid) return false;
    const burnt = await this.redis.guard(() => this.redis.client.set(this.redis.key('mfa-used', userId, code), '1', 'EX', 120, 'NX'));
    return burnt === 'OK';
  }
}
