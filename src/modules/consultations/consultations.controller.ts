import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { ConsultationsService } from './consultations.service.js';
import {
  BookConsultationDto,
  CancelConsultationDto,
  ConsultationDto,
  ConsultationEventResponseDto,
  ConsultationListDto,
  ConsultationResponseDto,
  EndConsultationResponseDto,
  ListConsultationsQueryDto,
  NoShowDto,
  RescheduleConsultationDto,
  RoomAccessDto,
  RoomEventDto,
} from './dto/consultations.dto.js';
import { RoomAccessService } from './room-access.service.js';

const Participants = () => Roles(Role.EMPLOYEE, Role.PRACTITIONER);

/**
 * CO1–CO12 and I1. Only the two participants ever reach a consultation: HR and platform admins get
 * 403 on every route (they see counters elsewhere), another employee or practitioner gets 404.
 */
@ApiTags('consultations')
@ApiBearerAuth()
@ApiErrors()
@Controller('consultations')
export class ConsultationsController {
  constructor(
    private readonly consultations: ConsultationsService,
    private readonly rooms: RoomAccessService,
  ) {}

  @Post()
  @Roles(Role.EMPLOYEE)
  @ApiOperation({ summary: 'CO1 — Réserver un créneau (anti double réservation garanti par la base)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Rejouer la même clé avec la même demande renvoie la même consultation ; avec une autre demande : 422 IDEMPOTENCY_KEY_MISMATCH (8–100 caractères)' })
  @ApiUnprocessableEntityResponse({ description: 'IDEMPOTENCY_KEY_MISMATCH' })
  @ApiCreatedResponse({ type: ConsultationResponseDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_ERROR, SLOT_IN_PAST, OUTSIDE_AVAILABILITY, FORMAT_NOT_OFFERED, DURATION_MISMATCH, SLOT_TOO_FAR' })
  @ApiConflictResponse({ description: 'SLOT_UNAVAILABLE, EMPLOYEE_SLOT_CONFLICT' })
  @ApiNotFoundResponse({ description: 'Praticien introuvable ou non validé' })
  async bookConsultation(
    @CurrentUser() me: Identity,
    @Body() dto: BookConsultationDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConsultationResponseDto> {
    const { consultation, replayed } = await this.consultations.book(me, dto, idempotencyKey);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return { consultation, message: 'Consultation réservée' };
  }

  @Get('mine')
  @Roles(Role.EMPLOYEE)
  @ApiOperation({ summary: 'CO2 — Mes consultations (salarié)' })
  @ApiOkResponse({ type: ConsultationListDto })
  listMyConsultations(@CurrentUser() me: Identity, @Query() q: ListConsultationsQueryDto): Promise<ConsultationListDto> {
    return this.consultations.mine(me, q);
  }

  @Get('upcoming')
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ summary: 'CO3 — Mes prochaines consultations (praticien)' })
  @ApiOkResponse({ type: ConsultationListDto })
  listUpcomingConsultations(@CurrentUser() me: Identity, @Query() q: ListConsultationsQueryDto): Promise<ConsultationListDto> {
    return this.consultations.upcoming(me, q);
  }

  @Get('history')
  @Participants()
  @ApiOperation({ summary: 'CO4 — Historique (terminées ou passées)' })
  @ApiOkResponse({ type: ConsultationListDto })
  listConsultationHistory(@CurrentUser() me: Identity, @Query() q: ListConsultationsQueryDto): Promise<ConsultationListDto> {
    return this.consultations.history(me, q);
  }

  @Get(':id')
  @Participants()
  @ApiOperation({ summary: 'CO5 — Détail (participants uniquement)' })
  @ApiOkResponse({ type: ConsultationDto })
  @ApiNotFoundResponse({ description: 'Inconnue ou pas une de mes consultations' })
  getConsultation(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string): Promise<ConsultationDto> {
    return this.consultations.detail(me, id);
  }

  @Put(':id/confirm')
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ summary: 'CO6 — Confirmer (SCHEDULED → CONFIRMED)' })
  @ApiOkResponse({ type: ConsultationResponseDto })
  @ApiBadRequestResponse({ description: 'INVALID_STATE_TRANSITION' })
  async confirmConsultation(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string): Promise<ConsultationResponseDto> {
    return { consultation: await this.consultations.confirm(me, id), message: 'Consultation confirmée' };
  }

  @Put(':id/cancel')
  @Participants()
  @ApiOperation({ summary: 'CO7 — Annuler (à moins de 24 h : confirmLateCancellation=true requis, indicateur enregistré)' })
  @ApiOkResponse({ type: ConsultationResponseDto })
  @ApiBadRequestResponse({ description: 'INVALID_STATE_TRANSITION' })
  @ApiConflictResponse({ description: 'LATE_CANCELLATION_CONFIRMATION_REQUIRED' })
  async cancelConsultation(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CancelConsultationDto): Promise<ConsultationResponseDto> {
    return { consultation: await this.consultations.cancel(me, id, dto.reason, dto.confirmLateCancellation === true), message: 'Consultation annulée' };
  }

  @Put(':id/reschedule')
  @Participants()
  @ApiOperation({ summary: 'I1 — Déplacer (mêmes contrôles que la réservation, même fenêtre de 24 h)' })
  @ApiOkResponse({ type: ConsultationResponseDto })
  @ApiConflictResponse({ description: 'SLOT_UNAVAILABLE, LATE_CANCELLATION_CONFIRMATION_REQUIRED' })
  async rescheduleConsultation(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string, @Body() dto: RescheduleConsultationDto): Promise<ConsultationResponseDto> {
    return { consultation: await this.consultations.reschedule(me, id, dto.scheduledAt, dto.confirmLateReschedule === true), message: 'Consultation déplacée' };
  }

  @Get(':id/room')
  @Participants()
  @ApiOperation({ summary: 'CO8 — Accès à la salle (Jitsi JWT en visio, signalisation en audio), dès 15 min avant' })
  @ApiOkResponse({ type: RoomAccessDto })
  @ApiForbiddenResponse({ description: 'TOO_EARLY_TO_JOIN, ROOM_CLOSED' })
  @ApiNotFoundResponse({ description: 'Annulée, inconnue ou pas une de mes consultations' })
  getConsultationRoom(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string): Promise<RoomAccessDto> {
    return this.rooms.access(me, id);
  }

  @Put(':id/start')
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ summary: 'CO9 — Démarrer (→ IN_PROGRESS, startedAt)' })
  @ApiOkResponse({ type: ConsultationResponseDto })
  async startConsultation(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string): Promise<ConsultationResponseDto> {
    return { consultation: await this.consultations.start(me, id), message: 'Consultation démarrée' };
  }

  @Put(':id/end')
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ summary: 'CO10 — Terminer (→ COMPLETED; durée calculée par le trigger SQL)' })
  @ApiOkResponse({ type: EndConsultationResponseDto })
  async endConsultation(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string): Promise<EndConsultationResponseDto> {
    return { ...(await this.consultations.end(me, id)), message: 'Consultation terminée' };
  }

  @Post(':id/no-show')
  @HttpCode(HttpStatus.OK)
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ summary: "CO11 — Déclarer une absence (après l'heure prévue)" })
  @ApiOkResponse({ type: ConsultationResponseDto })
  async reportConsultationNoShow(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string, @Body() dto: NoShowDto): Promise<ConsultationResponseDto> {
    return { consultation: await this.consultations.noShow(me, id, dto.absentParty ?? 'employee'), message: 'Absence enregistrée' };
  }

  @Post(':id/events')
  @Participants()
  @ApiOperation({ summary: 'CO12 — Événement de salle (ROOM_JOINED / ROOM_LEFT)' })
  @ApiCreatedResponse({ type: ConsultationEventResponseDto })
  async recordConsultationRoomEvent(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string, @Body() dto: RoomEventDto): Promise<ConsultationEventResponseDto> {
    return { event: await this.consultations.recordRoomEvent(me, id, dto.event), message: 'Événement enregistré' };
  }
}
