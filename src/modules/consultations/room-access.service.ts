import { Injectable } from '@nestjs/common';
import { ConsultationFormat, ConsultationStatus, Role } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { AppConfig } from '../../config/app-config.service.js';
import { ConsultationsService } from './consultations.service.js';
import type { RoomAccessDto } from './dto/consultations.dto.js';
import { RoomTokenService } from './room-token.service.js';

/**
 * CO8: what a participant needs to enter the consultation, inside the join window (SPEC §6.4):
 * from JOIN_WINDOW_MINUTES before the start until as long after the planned end, or, while IN_PROGRESS,
 * until `roomClosesAt` (an overrun, bounded). Earlier → 403 TOO_EARLY_TO_JOIN; cancelled → 404 (as if
 * it did not exist); completed, no-show or past the close → 403 ROOM_CLOSED. The token expires at the close.
 */
@Injectable()
export class RoomAccessService {
  constructor(
    private readonly consultations: ConsultationsService,
    private readonly tokens: RoomTokenService,
    private readonly config: AppConfig,
  ) {}

  async access(me: Identity, id: string): Promise<RoomAccessDto> {
    const c = await this.consultations.findForParticipant(me, id);
    const { opensAt, expiresAt } = this.assertOpen(c);

    const moderator = me.role === Role.PRACTITIONER && me.practitionerId === c.practitionerId;
    if (c.format === ConsultationFormat.VIDEO) {
      const name = moderator ? `${c.practitioner.title} ${c.practitioner.firstName} ${c.practitioner.lastName}` : `${c.employee.firstName} ${c.employee.lastName}`;
      const jwt = this.tokens.issue({
        roomName: c.roomName!,
        user: { id: me.userId, name, avatar: moderator ? c.practitioner.avatarUrl : null },
        moderator,
        notBefore: opensAt,
        expiresAt,
      });
      return { format: c.format, roomName: c.roomName, jwt, domain: this.tokens.domain, expiresAt, moderator };
    }
    return {
      format: c.format,
      roomName: null,
      jwt: null,
      domain: null,
      expiresAt,
      moderator,
      signaling: { namespace: '/audio-call', consultationId: c.id },
      iceServers: this.iceServers(),
    };
  }

  /**
   * The join-window rule (SPEC §6.4), shared by CO8 and the /audio-call namespace: cancelled → 404,
   * in person → NO_ONLINE_ROOM, earlier → TOO_EARLY_TO_JOIN, completed, no-show or past the close → ROOM_CLOSED.
   */
  assertOpen(
    c: { status: ConsultationStatus; format: ConsultationFormat; scheduledAt: Date; scheduledEndAt: Date; startedAt: Date | null },
    now = Date.now(),
  ): { opensAt: Date; expiresAt: Date } {
    if (c.status === ConsultationStatus.CANCELLED) throw AppException.notFound('Consultation introuvable');
    if (c.format === ConsultationFormat.IN_PERSON) {
      throw AppException.badRequest(ErrorCode.NO_ONLINE_ROOM, 'Consultation en présentiel : pas de salle en ligne');
    }
    const opensAt = new Date(c.scheduledAt.getTime() - this.consultations.joinWindowMs);
    const expiresAt = this.consultations.roomClosesAt(c, now);
    if (now < opensAt.getTime()) {
      throw AppException.forbidden(ErrorCode.TOO_EARLY_TO_JOIN, `La salle ouvre ${this.config.get('JOIN_WINDOW_MINUTES')} minutes avant le début`);
    }
    const over = c.status === ConsultationStatus.COMPLETED || c.status === ConsultationStatus.NO_SHOW || now > expiresAt.getTime();
    if (over) throw AppException.forbidden(ErrorCode.ROOM_CLOSED, 'La salle de cette consultation est fermée');
    return { opensAt, expiresAt };
  }

  private iceServers() {
    const servers: { urls: string[]; username?: string; credential?: string }[] = [
      { urls: this.config.get('STUN_URLS').split(',').map((s) => s.trim()).filter(Boolean) },
    ];
    const turn = this.config.get('TURN_URL');
    if (turn) servers.push({ urls: [turn], username: this.config.get('TURN_USERNAME'), credential: this.config.get('TURN_CREDENTIAL') });
    return servers;
  }
}
