import { Body, Controller, Delete, Get, Post, Put, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Role } from '@prisma/client';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import {
  CreateJournalEntryDto,
  ExportJournalQueryDto,
  JournalDeletedDto,
  JournalEntryResponseDto,
  JournalListDto,
  JournalRangeQueryDto,
  JournalStatsDto,
  ListJournalQueryDto,
  UpdateJournalEntryDto,
} from './dto/journal.dto.js';
import { JournalExportService } from './journal-export.service.js';
import { JournalService } from './journal.service.js';

const UNREADABLE = { description: 'JOURNAL_ENTRY_UNREADABLE (chiffré altéré ou déplacé ; details nomme l’entrée)' };

/** SPEC §4.10 (J1–J5), §4.19 I3: the employee's own journal. Every other role, admins included, gets 403. */
@ApiTags('journal')
@ApiBearerAuth()
@ApiErrors()
@ApiForbiddenResponse({ description: 'FORBIDDEN (tout rôle autre que EMPLOYEE)' })
@Roles(Role.EMPLOYEE)
@Controller('journal')
export class JournalController {
  constructor(
    private readonly journal: JournalService,
    private readonly exporter: JournalExportService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'J1 — Mes entrées de journal, déchiffrées (période, humeurs, étiquettes ; plus récentes d’abord)' })
  @ApiOkResponse({ type: JournalListDto })
  @ApiUnprocessableEntityResponse(UNREADABLE)
  listJournalEntries(@CurrentUser() me: Identity, @Query() q: ListJournalQueryDto): Promise<JournalListDto> {
    return this.journal.list(me, q);
  }

  @Post()
  @ApiOperation({ summary: 'J2 — Écrire une entrée (contenu et étiquettes chiffrés ; humeur optionnelle 1–5)' })
  @ApiCreatedResponse({ type: JournalEntryResponseDto })
  @ApiPayloadTooLargeResponse({ description: 'PAYLOAD_TOO_LARGE (corps JSON au-delà de 1 Mo)' })
  async createJournalEntry(@CurrentUser() me: Identity, @Body() dto: CreateJournalEntryDto): Promise<JournalEntryResponseDto> {
    return { entry: await this.journal.create(me, dto) };
  }

  @Get('export')
  @ApiOperation({ summary: 'I3 — Exporter mon journal en PDF ou TXT (téléchargement en flux, plus anciennes d’abord ; mêmes filtres que J1)' })
  @ApiProduces('application/pdf', 'text/plain')
  @ApiOkResponse({ description: 'Pièce jointe journal-AAAA-MM-JJ.pdf|txt', schema: { type: 'string', format: 'binary' } })
  @ApiUnprocessableEntityResponse(UNREADABLE)
  async exportJournal(@CurrentUser() me: Identity, @Query() q: ExportJournalQueryDto, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const file = await this.exporter.export(me, q);
    res.setHeader('Cache-Control', 'private, no-store');
    return new StreamableFile(file.stream, { type: file.contentType, disposition: `attachment; filename="${file.filename}"` });
  }

  @Get('stats')
  @ApiOperation({ summary: 'Statistiques d’humeur par semaine ISO (hors spécification ; 12 semaines par défaut, 366 jours au plus)' })
  @ApiOkResponse({ type: JournalStatsDto })
  getJournalStats(@CurrentUser() me: Identity, @Query() q: JournalRangeQueryDto): Promise<JournalStatsDto> {
    return this.journal.stats(me, q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'J3 — Lire une de mes entrées' })
  @ApiOkResponse({ type: JournalEntryResponseDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (inexistante ou pas la mienne)' })
  @ApiUnprocessableEntityResponse(UNREADABLE)
  async getJournalEntry(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<JournalEntryResponseDto> {
    return { entry: await this.journal.get(me, id) };
  }

  @Put(':id')
  @ApiOperation({ summary: 'J4 — Modifier une de mes entrées (partiel : contenu, humeur, étiquettes)' })
  @ApiOkResponse({ type: JournalEntryResponseDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (inexistante ou pas la mienne)' })
  @ApiUnprocessableEntityResponse(UNREADABLE)
  async updateJournalEntry(@CurrentUser() me: Identity, @UuidParam() id: string, @Body() dto: UpdateJournalEntryDto): Promise<JournalEntryResponseDto> {
    return { entry: await this.journal.update(me, id, dto) };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'J5 — Supprimer définitivement une de mes entrées' })
  @ApiOkResponse({ type: JournalDeletedDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (inexistante ou pas la mienne)' })
  async deleteJournalEntry(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<JournalDeletedDto> {
    await this.journal.remove(me, id);
    return { message: 'entry deleted' };
  }
}
