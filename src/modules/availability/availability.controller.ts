import { Body, Controller, Delete, Get, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { AvailabilityService } from './availability.service.js';
import {
  AvailabilityDeletedDto,
  AvailabilityExceptionResponseDto,
  AvailabilityListDto,
  AvailabilityRuleResponseDto,
  CreateAvailabilityDto,
  CreateExceptionDto,
  UpdateAvailabilityDto,
} from './dto/availability.dto.js';
import { SlotsQueryDto, SlotsResponseDto } from './dto/slots.dto.js';

@ApiTags('availability')
@ApiBearerAuth()
@ApiErrors()
@ApiForbiddenResponse({ description: 'FORBIDDEN (rôle)' })
@Controller('availability')
export class AvailabilityController {
  constructor(private readonly availability: AvailabilityService) {}

  @Get()
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ summary: 'AV1 — Mes règles récurrentes et mes exceptions' })
  @ApiOkResponse({ type: AvailabilityListDto })
  listMyAvailability(@CurrentUser() me: Identity): Promise<AvailabilityListDto> {
    return this.availability.list(me);
  }

  @Get('slots')
  @Roles(Role.PRACTITIONER, Role.EMPLOYEE)
  @ApiOperation({ summary: 'AV6 — Créneaux (date, startDate/endDate ou from/to; 31 jours au plus) en UTC et en heure locale du praticien' })
  @ApiOkResponse({ type: SlotsResponseDto })
  @ApiNotFoundResponse({ description: 'Praticien introuvable, non validé, ou autre que soi pour un praticien' })
  listAvailableSlots(@CurrentUser() me: Identity, @Query() q: SlotsQueryDto): Promise<SlotsResponseDto> {
    return this.availability.slots(me, q);
  }

  @Post()
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ summary: 'AV2 — Créer une règle récurrente (jour, plage, durée des créneaux)' })
  @ApiCreatedResponse({ type: AvailabilityRuleResponseDto })
  @ApiConflictResponse({ description: 'AVAILABILITY_OVERLAP' })
  async createAvailabilityRule(@CurrentUser() me: Identity, @Body() dto: CreateAvailabilityDto): Promise<AvailabilityRuleResponseDto> {
    return { availability: await this.availability.createRule(me, dto) };
  }

  @Post('exception')
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ summary: 'AV5 — Exception datée : indisponibilité (jour ou plage) ou ouverture supplémentaire' })
  @ApiCreatedResponse({ type: AvailabilityExceptionResponseDto })
  async createAvailabilityException(@CurrentUser() me: Identity, @Body() dto: CreateExceptionDto): Promise<AvailabilityExceptionResponseDto> {
    return { exception: await this.availability.createException(me, dto) };
  }

  @Put(':id')
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ summary: 'AV3 — Modifier une de mes règles récurrentes (les rendez-vous pris ne changent pas)' })
  @ApiOkResponse({ type: AvailabilityRuleResponseDto })
  @ApiNotFoundResponse({ description: 'Règle introuvable ou d’un autre praticien' })
  @ApiConflictResponse({ description: 'AVAILABILITY_OVERLAP' })
  async updateAvailabilityRule(@CurrentUser() me: Identity, @UuidParam() id: string, @Body() dto: UpdateAvailabilityDto): Promise<AvailabilityRuleResponseDto> {
    return { availability: await this.availability.updateRule(me, id, dto) };
  }

  @Delete(':id')
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ summary: 'AV4 — Supprimer une de mes règles ou exceptions' })
  @ApiOkResponse({ type: AvailabilityDeletedDto })
  @ApiNotFoundResponse({ description: 'Introuvable ou d’un autre praticien' })
  async deleteAvailability(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<AvailabilityDeletedDto> {
    await this.availability.remove(me, id);
    return { message: 'Disponibilité supprimée' };
  }
}
