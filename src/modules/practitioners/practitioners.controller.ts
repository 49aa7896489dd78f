import { Body, Controller, Get, HttpCode, HttpStatus, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Role, Specialty } from '@prisma/client';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { validationException } from '../../common/errors/validation.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { SlotRangeQueryDto } from '../availability/dto/slots.dto.js';
import { CreatePractitionerDto, DocumentsVerifiedDto, UpdatePractitionerMeDto, ValidatePractitionerDto } from './dto/practitioner-input.dto.js';
import {
  AdminPractitionerActionResponseDto,
  AdminPractitionerListDto,
  AdminPractitionerResponseDto,
  PendingPractitionerListDto,
  PractitionerAvailabilityDto,
  PractitionerProfileResponseDto,
  PractitionerSearchResponseDto,
  SelfPractitionerResponseDto,
} from './dto/practitioner-output.dto.js';
import { AdminPractitionersQueryDto, PendingPractitionersQueryDto, SearchPractitionersQueryDto } from './dto/practitioner-query.dto.js';
import { PractitionerProfileService } from './practitioner-profile.service.js';
import { PractitionerSearchService } from './practitioner-search.service.js';
import { PractitionersAdminService } from './practitioners-admin.service.js';

/** The global pipe's rules, for a query whose DTO depends on the caller's role (PR2). */
async function parseQuery<T extends object>(cls: new () => T, raw: Record<string, unknown>): Promise<T> {
  const dto = plainToInstance(cls, raw);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) throw validationException(errors);
  return dto;
}

@ApiTags('practitioners')
@ApiBearerAuth()
@ApiErrors()
@ApiForbiddenResponse({ description: 'FORBIDDEN (rôle)' })
@Controller('practitioners')
export class PractitionersController {
  constructor(
    private readonly admin: PractitionersAdminService,
    private readonly profiles: PractitionerProfileService,
    private readonly searcher: PractitionerSearchService,
  ) {}

  @Post()
  @Roles(Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'PR1 — Créer un praticien par invitation (compte inactif, non validé; e-mail d’activation valable 7 jours)' })
  @ApiCreatedResponse({ type: AdminPractitionerResponseDto })
  @ApiConflictResponse({ description: 'EMAIL_TAKEN, PROFESSIONAL_ID_TAKEN' })
  async createPractitioner(@CurrentUser() me: Identity, @Body() dto: CreatePractitionerDto): Promise<AdminPractitionerResponseDto> {
    return { practitioner: await this.admin.create(me, dto) };
  }

  @Get()
  @Roles(Role.ADMIN_HUNTZEN, Role.EMPLOYEE)
  @ApiOperation({ summary: 'PR2 — Tous les praticiens (ADMIN_HUNTZEN, filtres isValidated, isActive, specialty, q); un salarié reçoit la recherche PR4' })
  @ApiExtraModels(AdminPractitionerListDto, PractitionerSearchResponseDto)
  @ApiOkResponse({
    schema: {
      oneOf: [{ $ref: getSchemaPath(AdminPractitionerListDto) }, { $ref: getSchemaPath(PractitionerSearchResponseDto) }],
      discriminator: { propertyName: 'view', mapping: { admin: getSchemaPath(AdminPractitionerListDto), search: getSchemaPath(PractitionerSearchResponseDto) } },
    },
  })
  @ApiQuery({ name: 'isValidated', required: false, type: Boolean })
  @ApiQuery({ name: 'isActive', required: false, type: Boolean })
  @ApiQuery({ name: 'specialty', required: false, enum: Specialty })
  @ApiQuery({ name: 'q', required: false, type: String })
  @ApiQuery({ name: 'page', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  async listPractitioners(@CurrentUser() me: Identity, @Query() raw: Record<string, unknown>): Promise<AdminPractitionerListDto | PractitionerSearchResponseDto> {
    if (me.role === Role.EMPLOYEE) return this.searcher.search(await parseQuery(SearchPractitionersQueryDto, raw));
    return this.admin.list(await parseQuery(AdminPractitionersQueryDto, raw));
  }

  @Get('pending')
  @Roles(Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'PR3 — Praticiens à valider, avec leurs documents et leur statut' })
  @ApiOkResponse({ type: PendingPractitionerListDto })
  listPendingPractitioners(@Query() q: PendingPractitionersQueryDto): Promise<PendingPractitionerListDto> {
    return this.admin.pending(q);
  }

  @Get('search')
  @Roles(Role.EMPLOYEE, Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'PR4 — Rechercher un praticien validé (filtres US-10.1, tri relevance/rating/experience/nextAvailable, 20 par page)' })
  @ApiOkResponse({ type: PractitionerSearchResponseDto })
  searchPractitioners(@Query() q: SearchPractitionersQueryDto): Promise<PractitionerSearchResponseDto> {
    return this.searcher.search(q);
  }

  @Get('me')
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ summary: 'PR5 — Mon profil praticien' })
  @ApiOkResponse({ type: SelfPractitionerResponseDto })
  async getMyPractitionerProfile(@CurrentUser() me: Identity): Promise<SelfPractitionerResponseDto> {
    return { practitioner: await this.profiles.me(me) };
  }

  @Put('me')
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ summary: 'PR6 — Modifier mon profil (spécialité, ADELI/RPPS, validation et notes : non modifiables)' })
  @ApiOkResponse({ type: SelfPractitionerResponseDto })
  async updateMyPractitionerProfile(@CurrentUser() me: Identity, @Body() dto: UpdatePractitionerMeDto): Promise<SelfPractitionerResponseDto> {
    return { practitioner: await this.profiles.updateMe(me, dto) };
  }

  @Get(':id')
  @Roles(Role.EMPLOYEE, Role.ADMIN_HUNTZEN, Role.PRACTITIONER)
  @ApiOperation({ summary: 'PR10 — Profil public (disponibilités récurrentes, note moyenne); un praticien ne voit que le sien' })
  @ApiOkResponse({ type: PractitionerProfileResponseDto })
  @ApiNotFoundResponse({ description: 'Introuvable, non validé ou inactif (salarié), ou autre praticien' })
  async getPractitionerProfile(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<PractitionerProfileResponseDto> {
    return { practitioner: await this.profiles.profile(me, id) };
  }

  @Get(':id/availability')
  @Roles(Role.EMPLOYEE)
  @ApiOperation({ summary: 'PR11 — Disponibilités récurrentes et créneaux libres (date, startDate/endDate ou from/to; 31 jours au plus)' })
  @ApiOkResponse({ type: PractitionerAvailabilityDto })
  @ApiNotFoundResponse({ description: 'Introuvable, non validé ou inactif' })
  getPractitionerAvailability(@UuidParam() id: string, @Query() q: SlotRangeQueryDto): Promise<PractitionerAvailabilityDto> {
    return this.profiles.availability(id, q);
  }

  @Post(':id/validate')
  @HttpCode(HttpStatus.OK)
  @Roles(Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'PR12 — Valider (visible dans la recherche, e-mail et notification) ou refuser un praticien' })
  @ApiOkResponse({ type: AdminPractitionerActionResponseDto })
  @ApiNotFoundResponse({ description: 'Praticien introuvable' })
  @ApiConflictResponse({ description: "ACCOUNT_INACTIVE : le praticien n'a pas encore activé son compte" })
  validatePractitioner(@CurrentUser() me: Identity, @UuidParam() id: string, @Body() dto: ValidatePractitionerDto): Promise<AdminPractitionerActionResponseDto> {
    return this.admin.validate(me, id, dto);
  }

  @Put(':id/documents-verified')
  @Roles(Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'PR13 — Marquer les documents du praticien comme vérifiés (ou non)' })
  @ApiOkResponse({ type: AdminPractitionerActionResponseDto })
  @ApiNotFoundResponse({ description: 'Praticien introuvable' })
  async markPractitionerDocumentsVerified(@CurrentUser() me: Identity, @UuidParam() id: string, @Body() dto: DocumentsVerifiedDto): Promise<AdminPractitionerActionResponseDto> {
    const practitioner = await this.admin.setDocumentsVerified(me, id, dto.documentsVerified);
    return { practitioner, message: dto.documentsVerified ? 'Documents marqués comme vérifiés' : 'Documents marqués comme non vérifiés' };
  }
}
