import { Injectable } from '@nestjs/common';
import { createSecretKey, KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppConfig } from '../../config/app-config.service.js';

export interface RoomTokenInput {
  roomName: string;
  user: { id: string; name: string; avatar: string | null; email?: string };
  moderator: boolean;
  notBefore: Date;
  expiresAt: Date;
}

/**
 * Signs the JWT our self-hosted Jitsi (prosody `token` auth) trusts — SPEC §8.1: HS256 with
 * JITSI_SECRET, `iss` = app id, `aud` = "jitsi", `sub` = the Jitsi domain (tenant), `room`, `nbf`/`exp`,
 * and `context.user`. Only the consultation's practitioner is moderator. Tokens are never stored.
 */
@Injectable()
export class RoomTokenService {
  private readonly key: KeyObject;

  constructor(private readonly config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.get('JITSI_SECRET'), 'utf8'));
  }

  get domain(): string {
    return this.config.get('JITSI_DOMAIN');
  }

  issue(input: RoomTokenInput): string {
    return jwt.sign(
      {
        aud: 'jitsi',
        iss: this.config.get('JITSI_APP_ID'),
        sub: this.domain,
        room: input.roomName,
        nbf: Math.floor(input.notBefore.getTime() / 1000),
        exp: Math.floor(input.expiresAt.getTime() / 1000),
        // read by prosody's token_moderation / token_affiliation modules
        moderator: input.moderator,
        context: {
          user: {
            id: input.user.id,
            name: input.user.name,
            avatar: input.user.avatar ?? undefined,
            moderator: input.moderator,
          },
          features: { recording: false, livestreaming: false, transcription: false },
        },
      },
      this.key,
      { algorithm: 'HS256', noTimestamp: false },
    );
  }
}
