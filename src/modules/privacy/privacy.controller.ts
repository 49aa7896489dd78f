import { Body, Controller, Get, HttpCode, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Role } from '@prisma/client';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { ConsentsService } from './consents.service.js';
import { DeletionRequestsService } from './deletion-requests.service.js';
import {
  ConfirmDeletionRequestDto,
  ConsentListDto,
  ConsentResponseDto,
  ConsentTypeParamDto,
  CreateDeletionRequestDto,
  DeletionRequestCancelledDto,
  DeletionRequestConfirmedDto,
  DeletionRequestCreatedDto,
  DeletionRequestStatusDto,
  ExportPersonalDataQueryDto,
  GiveConsentDto,
  PersonalDataExportDto,
} from './dto/privacy.dto.js';
import { PersonalDataExportService } from './personal-data-export.service.js';

const EVERYONE = [Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.ADMIN_RH, Role.PRACTITIONER, Role.EMPLOYEE];
const RATE_LIMITED = { status: 429, description: 'RATE_LIMITED (trop de mots de passe erronés ; Retry-After)' };

/** SPEC §4.2 U1–U3 (any role: P4 allows ALL), the e-mail confirmation of U2, and consents (§3.3 proposal). */
@ApiTags('users')
@ApiBearerAuth()
@ApiErrors()
@Roles(...EVERYONE)
@Controller('users/me')
export class PrivacyController {
  constructor(
    private readonly exporter: PersonalDataExportService,
    private readonly deletions: DeletionRequestsService,
    private readonly consents: ConsentsService,
  ) {}

  @Get('export')
  @ApiOperation({ operationId: 'exportPersonalData', summary: 'U1 — Exporter toutes mes données (JSON, ou PDF lisible avec ?format=pdf ; sans notes cliniques)' })
  @ApiProduces('application/json', 'application/pdf')
  @ApiOkResponse({ type: PersonalDataExportDto, description: 'Pièce jointe huntzen-donnees-AAAA-MM-JJ.json (ou .pdf)' })
  async exportPersonalData(@CurrentUser() me: Identity, @Query() q: ExportPersonalDataQueryDto, @Res({ passthrough: true }) res: Response): Promise<PersonalDataExportDto | StreamableFile> {
    const data = await this.exporter.collect(me, q.format);
    const day = data.exportedAt.toISOString().slice(0, 10);
    res.setHeader('Cache-Control', 'private, no-store');
    if (q.format === 'pdf') {
      return new StreamableFile(await this.exporter.pdf(data), { type: 'application/pdf', disposition: `attachment; filename="huntzen-donnees-${day}.pdf"` });
    }
    res.setHeader('Content-Disposition', `attachment; filename="huntzen-donnees-${day}.json"`);
    return data;
  }

  @Get('delete-request')
  @ApiOperation({ operationId: 'getDeletionRequest', summary: 'Ma demande de suppression en cours (hors spécification)' })
  @ApiOkResponse({ type: DeletionRequestStatusDto })
  async getDeletionRequest(@CurrentUser() me: Identity): Promise<DeletionRequestStatusDto> {
    return { deletionRequest: await this.deletions.current(me) };
  }

  @Post('delete-request')
  @HttpCode(200)
  @ApiOperation({ operationId: 'requestAccountDeletion', summary: 'U2 — Demander la suppression de mon compte (mot de passe, puis code reçu par e-mail ; effective après 30 jours)' })
  @ApiOkResponse({ type: DeletionRequestCreatedDto })
  @ApiForbiddenResponse({ description: 'PASSWORD_INVALID' })
  @ApiConflictResponse({ description: 'DELETION_ALREADY_REQUESTED (une demande confirmée est en cours)' })
  @ApiResponse(RATE_LIMITED)
  requestAccountDeletion(@CurrentUser() me: Identity, @Body() dto: CreateDeletionRequestDto): Promise<DeletionRequestCreatedDto> {
    return this.deletions.request(me, dto.password, dto.reason);
  }

  @Post('delete-request/confirm')
  @HttpCode(200)
  @ApiOperation({ operationId: 'confirmAccountDeletion', summary: 'Confirmer la demande de suppression avec le code reçu par e-mail (SPEC §6.8)' })
  @ApiOkResponse({ type: DeletionRequestConfirmedDto })
  confirmAccountDeletion(@CurrentUser() me: Identity, @Body() dto: ConfirmDeletionRequestDto): Promise<DeletionRequestConfirmedDto> {
    return this.deletions.confirm(me, dto.token);
  }

  @Post('delete-request/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelAccountDeletion', summary: 'U3 — Annuler ma demande de suppression' })
  @ApiOkResponse({ type: DeletionRequestCancelledDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (aucune demande en cours)' })
  async cancelAccountDeletion(@CurrentUser() me: Identity): Promise<DeletionRequestCancelledDto> {
    await this.deletions.cancel(me);
    return { message: 'Demande de suppression annulée' };
  }

  @Get('consents')
  @ApiOperation({ operationId: 'listConsents', summary: 'Mes consentements (version et date ; retraits inclus)' })
  @ApiOkResponse({ type: ConsentListDto })
  listConsents(@CurrentUser() me: Identity): Promise<ConsentListDto> {
    return this.consents.list(me);
  }

  @Post('consents')
  @ApiOperation({ operationId: 'giveConsent', summary: 'Donner un consentement (version en vigueur)' })
  @ApiCreatedResponse({ type: ConsentResponseDto })
  @ApiConflictResponse({ description: 'CONSENT_VERSION_OUTDATED' })
  async giveConsent(@CurrentUser() me: Identity, @Body() dto: GiveConsentDto): Promise<ConsentResponseDto> {
    return { consent: await this.consents.give(me, dto.type, dto.version) };
  }

  @Post('consents/:type/withdraw')
  @HttpCode(200)
  @ApiOperation({ operationId: 'withdrawConsent', summary: 'Retirer un consentement' })
  @ApiOkResponse({ type: ConsentResponseDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (aucun consentement actif de ce type)' })
  async withdrawConsent(@CurrentUser() me: Identity, @Param() p: ConsentTypeParamDto): Promise<ConsentResponseDto> {
    return { consent: await this.consents.withdraw(me, p.type) };
  }
}
