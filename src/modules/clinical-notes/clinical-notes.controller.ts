import { Body, Controller, Delete, Get, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { ClinicalNotesService } from './clinical-notes.service.js';
import {
  ClinicalNoteDeletedDto,
  ClinicalNoteListDto,
  ClinicalNoteResponseDto,
  ClinicalNoteSummaryResponseDto,
  CreateClinicalNoteDto,
  UpdateClinicalNoteDto,
} from './dto/clinical-notes.dto.js';

const NOT_MINE = 'Note ou consultation inconnue, ou d’un autre praticien';
const INTEGRITY = 'NOTE_INTEGRITY_ERROR (contenu chiffré altéré ou déplacé)';

/**
 * CN1–CN4 and X3. The authoring practitioner only: admins, HR and employees get 403 on every route
 * (SPEC §2.3 #31), another practitioner's note or consultation answers 404.
 */
@ApiTags('clinical-notes')
@ApiBearerAuth()
@ApiErrors()
@ApiForbiddenResponse({ description: 'FORBIDDEN : rôle autre que PRACTITIONER (administrateurs compris)' })
@Roles(Role.PRACTITIONER)
@Controller('clinical-notes')
export class ClinicalNotesController {
  constructor(private readonly notes: ClinicalNotesService) {}

  @Post()
  @ApiOperation({ summary: 'CN1 — Rédiger une note clinique (chiffrée ; contenu non renvoyé)' })
  @ApiCreatedResponse({ type: ClinicalNoteSummaryResponseDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_ERROR (contenu vide ou trop long, type inconnu), CONSULTATION_NOT_STARTED' })
  @ApiNotFoundResponse({ description: NOT_MINE })
  async createClinicalNote(@CurrentUser() me: Identity, @Body() dto: CreateClinicalNoteDto): Promise<ClinicalNoteSummaryResponseDto> {
    return { note: await this.notes.create(me, dto), message: 'Note enregistrée' };
  }

  @Get('consultation/:consultationId')
  @ApiOperation({ summary: 'CN2 — Mes notes d’une consultation (déchiffrées)' })
  @ApiOkResponse({ type: ClinicalNoteListDto })
  @ApiNotFoundResponse({ description: NOT_MINE })
  @ApiUnprocessableEntityResponse({ description: INTEGRITY })
  async listConsultationClinicalNotes(@CurrentUser() me: Identity, @UuidParam('consultationId') consultationId: string): Promise<ClinicalNoteListDto> {
    return { notes: await this.notes.listForConsultation(me, consultationId) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'X3 — Une note clinique (déchiffrée)' })
  @ApiOkResponse({ type: ClinicalNoteResponseDto })
  @ApiNotFoundResponse({ description: NOT_MINE })
  @ApiUnprocessableEntityResponse({ description: INTEGRITY })
  async getClinicalNote(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<ClinicalNoteResponseDto> {
    return { note: await this.notes.get(me, id) };
  }

  @Put(':id')
  @ApiOperation({ summary: 'CN3 — Modifier une note (rechiffrée avec une nouvelle clé ; contenu non renvoyé)' })
  @ApiOkResponse({ type: ClinicalNoteSummaryResponseDto })
  @ApiNotFoundResponse({ description: NOT_MINE })
  async updateClinicalNote(@CurrentUser() me: Identity, @UuidParam() id: string, @Body() dto: UpdateClinicalNoteDto): Promise<ClinicalNoteSummaryResponseDto> {
    return { note: await this.notes.update(me, id, dto), message: 'Note modifiée' };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'CN4 — Supprimer une note (masquée, conservée 20 ans puis purgée)' })
  @ApiOkResponse({ type: ClinicalNoteDeletedDto })
  @ApiNotFoundResponse({ description: NOT_MINE })
  async deleteClinicalNote(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<ClinicalNoteDeletedDto> {
    await this.notes.remove(me, id);
    return { message: 'Note supprimée' };
  }
}
