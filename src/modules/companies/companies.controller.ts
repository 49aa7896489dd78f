import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditAction, Role } from '@prisma/client';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { CompaniesService } from './companies.service.js';
import {
  CompanyListDto,
  CompanyMessageDto,
  CompanyResponseDto,
  CompanyWithMessageDto,
  CreateCompanyDto,
  ListCompaniesQueryDto,
  UpdateCompanyDto,
} from './dto/companies.dto.js';

/** The caller's company id (ADMIN_RH always has one; a missing one answers like an unknown company). */
function ownCompany(me: Identity): string {
  if (!me.companyId) throw AppException.notFound('Entreprise introuvable');
  return me.companyId;
}

@ApiTags('companies')
@ApiBearerAuth()
@ApiErrors()
@ApiForbiddenResponse({ description: 'FORBIDDEN (rôle, ou champ réservé à ADMIN_HUNTZEN pour un RH)' })
@Controller('companies')
export class CompaniesController {
  constructor(private readonly companies: CompaniesService) {}

  @Post()
  @Roles(Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN)
  @ApiOperation({ summary: "C1 — Créer une entreprise (inactive jusqu'à validation ; e-mail de bienvenue)" })
  @ApiCreatedResponse({ type: CompanyResponseDto })
  @ApiConflictResponse({ description: 'SIRET_TAKEN, EMAIL_DOMAIN_TAKEN' })
  async createCompany(@Body() dto: CreateCompanyDto): Promise<CompanyResponseDto> {
    return { company: await this.companies.create(dto) };
  }

  @Get()
  @Roles(Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'C2 — Lister les entreprises (filtres isActive, q ; paginé)' })
  @ApiOkResponse({ type: CompanyListDto })
  listCompanies(@Query() q: ListCompaniesQueryDto): Promise<CompanyListDto> {
    return this.companies.list(q);
  }

  @Get('me')
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ summary: 'C7 — Mon entreprise (RH)' })
  @ApiOkResponse({ type: CompanyResponseDto })
  async getMyCompany(@CurrentUser() me: Identity): Promise<CompanyResponseDto> {
    return { company: await this.companies.get(me, ownCompany(me)) };
  }

  @Put('me')
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ summary: 'C8 — Modifier mon entreprise (RH : nom, couleurs, contacts, adresse, allowInternalNews)' })
  @ApiOkResponse({ type: CompanyResponseDto })
  async updateMyCompany(@CurrentUser() me: Identity, @Body() dto: UpdateCompanyDto): Promise<CompanyResponseDto> {
    return { company: await this.companies.update(me, ownCompany(me), dto) };
  }

  @Get(':id')
  @Roles(Role.ADMIN_HUNTZEN, Role.ADMIN_RH)
  @ApiOperation({ summary: 'C3 — Détail d’une entreprise (ADMIN_HUNTZEN : toutes ; RH : la sienne, sinon 404)' })
  @ApiOkResponse({ type: CompanyResponseDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async getCompany(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<CompanyResponseDto> {
    return { company: await this.companies.get(me, id) };
  }

  @Put(':id')
  @Roles(Role.ADMIN_HUNTZEN, Role.ADMIN_RH)
  @ApiOperation({ summary: 'C4 — Modifier une entreprise (partiel ; RH : sa propre entreprise et ses champs de profil seulement)' })
  @ApiOkResponse({ type: CompanyResponseDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiConflictResponse({ description: 'SIRET_TAKEN, EMAIL_DOMAIN_TAKEN' })
  async updateCompany(@CurrentUser() me: Identity, @UuidParam() id: string, @Body() dto: UpdateCompanyDto): Promise<CompanyResponseDto> {
    return { company: await this.companies.update(me, id, dto) };
  }

  @Put(':id/validate')
  @Roles(Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'C5 — Valider une entreprise (active l’accès ; e-mail et notification aux RH)' })
  @ApiOkResponse({ type: CompanyWithMessageDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiConflictResponse({ description: 'ALREADY_ACTIVE' })
  async validateCompany(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<CompanyWithMessageDto> {
    return { company: await this.companies.validate(me, id), message: 'Entreprise validée' };
  }

  @Put(':id/suspend')
  @Roles(Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'I9 — Suspendre une entreprise (accès fermé, sessions de ses utilisateurs révoquées)' })
  @ApiOkResponse({ type: CompanyWithMessageDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async suspendCompany(@UuidParam() id: string): Promise<CompanyWithMessageDto> {
    return { company: await this.companies.suspend(id, AuditAction.DEACTIVATE), message: 'Entreprise suspendue' };
  }

  @Delete(':id')
  @HttpCode(HttpStatus.OK)
  @Roles(Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'C6 — Supprimer une entreprise (désactivation, jamais de suppression physique)' })
  @ApiOkResponse({ type: CompanyMessageDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async deleteCompany(@UuidParam() id: string): Promise<CompanyMessageDto> {
    await this.companies.suspend(id, AuditAction.DELETE);
    return { message: 'Entreprise désactivée' };
  }
}
