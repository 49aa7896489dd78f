import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Put, Query, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { memoryStorage } from 'multer';
import { CurrentUser, Public, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { validationException } from '../../common/errors/validation.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { RateLimit } from '../../infra/throttle/rate-limit.js';
import { CsvUploadErrorsInterceptor } from './csv-upload.interceptor.js';
import {
  ActivateInvitationDto,
  ActivationResponseDto,
  CreateEmployeeDto,
  EmployeeCreatedDto,
  EmployeeHrDto,
  EmployeeHrResponseDto,
  EmployeeListDto,
  EmployeeMessageDto,
  EmployeeSelfDto,
  EmployeeSelfResponseDto,
  HrUpdateEmployeeDto,
  ImportResultDto,
  InvitationResentDto,
  ListEmployeesQueryDto,
  PeriodQueryDto,
  SelfUpdateEmployeeDto,
} from './dto/employees.dto.js';
import { CSV_MAX_BYTES, EmployeeImportService } from './employee-import.service.js';
import { EmployeesService } from './employees.service.js';

/** E10 has two audiences with two field sets: validate the body against the caller's one (unknown ⇒ 400). */
async function bodyAs<T extends object>(cls: new () => T, body: unknown): Promise<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ message: 'objet JSON attendu' }]);
  }
  const dto = plainToInstance(cls, body);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) throw validationException(errors);
  return dto;
}


/** E9/E10 answer the HR view or the employee's own, told apart by `employee.view`. */
const employeeView = {
  type: 'object',
  required: ['employee'],
  properties: {
    employee: {
      oneOf: [{ $ref: getSchemaPath(EmployeeHrDto) }, { $ref: getSchemaPath(EmployeeSelfDto) }],
      discriminator: { propertyName: 'view', mapping: { hr: getSchemaPath(EmployeeHrDto), self: getSchemaPath(EmployeeSelfDto) } },
    },
  },
};
@ApiTags('employees')
@ApiBearerAuth()
@ApiErrors()
@ApiForbiddenResponse({ description: 'FORBIDDEN (rôle)' })
@ApiExtraModels(EmployeeHrResponseDto, EmployeeSelfResponseDto, HrUpdateEmployeeDto, SelfUpdateEmployeeDto)
@Controller('employees')
export class EmployeesController {
  constructor(
    private readonly employees: EmployeesService,
    private readonly importer: EmployeeImportService,
  ) {}

  @Get()
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ summary: 'E1 — Salariés de mon entreprise avec compteurs agrégés par période (nombre et durée uniquement)' })
  @ApiOkResponse({ type: EmployeeListDto })
  listEmployees(@CurrentUser() me: Identity, @Query() q: ListEmployeesQueryDto): Promise<EmployeeListDto> {
    return this.employees.list(me, q);
  }

  @Post()
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ summary: 'E2 — Créer un salarié et lui envoyer une invitation (7 jours)' })
  @ApiCreatedResponse({ type: EmployeeCreatedDto })
  @ApiConflictResponse({ description: 'EMAIL_TAKEN, SEAT_LIMIT_REACHED' })
  async createEmployee(@CurrentUser() me: Identity, @Body() dto: CreateEmployeeDto): Promise<EmployeeCreatedDto> {
    return { employee: await this.employees.create(me, dto), invitationSent: true };
  }

  @Post('import')
  @HttpCode(HttpStatus.OK)
  @Roles(Role.ADMIN_RH)
  @RateLimit(10, 3600, 'user')
  @UseInterceptors(CsvUploadErrorsInterceptor, FileInterceptor('file', { storage: memoryStorage(), limits: { fileSize: CSV_MAX_BYTES, files: 1, fields: 0 } }))
  @ApiOperation({ summary: 'E3 — Importer des salariés (CSV email,firstName,lastName,department,position ; 2 Mo, 5 000 lignes ; 10 / h)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } })
  @ApiOkResponse({ type: ImportResultDto })
  @ApiPayloadTooLargeResponse({ description: 'PAYLOAD_TOO_LARGE' })
  @ApiUnsupportedMediaTypeResponse({ description: 'UNSUPPORTED_MEDIA_TYPE (pas un fichier texte)' })
  @ApiTooManyRequestsResponse({ description: 'RATE_LIMITED' })
  importEmployees(@CurrentUser() me: Identity, @UploadedFile() file: Express.Multer.File | undefined): Promise<ImportResultDto> {
    return this.importer.import(me, file);
  }

  @Public()
  @Post('activate')
  @HttpCode(HttpStatus.OK)
  @RateLimit(10, 3600, 'ip')
  @ApiOperation({ summary: "E4 — Activer son compte avec le lien d'invitation (mot de passe) et ouvrir une session" })
  @ApiOkResponse({ type: ActivationResponseDto })
  @ApiNotFoundResponse({ description: 'INVITATION_INVALID (inconnue, utilisée ou expirée)' })
  @ApiForbiddenResponse({ description: 'COMPANY_INACTIVE' })
  @ApiConflictResponse({ description: 'ALREADY_ACTIVE (the account was already activated: its password stays)' })
  activateEmployeeAccount(@Body() dto: ActivateInvitationDto): Promise<ActivationResponseDto> {
    return this.employees.activate(dto.token, dto.password);
  }

  @Get('me')
  @Roles(Role.EMPLOYEE)
  @ApiOperation({ summary: 'E5 — Mon profil salarié' })
  @ApiOkResponse({ type: EmployeeSelfResponseDto })
  async getMyEmployeeProfile(@CurrentUser() me: Identity): Promise<EmployeeSelfResponseDto> {
    return { employee: await this.employees.me(me) };
  }

  @Put('me')
  @Roles(Role.EMPLOYEE)
  @ApiOperation({ summary: 'E6 — Modifier mon profil (service et poste sont gérés par les RH)' })
  @ApiOkResponse({ type: EmployeeSelfResponseDto })
  async updateMyEmployeeProfile(@CurrentUser() me: Identity, @Body() dto: SelfUpdateEmployeeDto): Promise<EmployeeSelfResponseDto> {
    return { employee: await this.employees.updateSelf(me, dto) };
  }

  @Get(':id')
  @Roles(Role.ADMIN_RH, Role.EMPLOYEE)
  @ApiOperation({ summary: 'E9 — Fiche salarié (RH : profil minimal + compteurs ; salarié : son propre profil)' })
  @ApiOkResponse({ schema: employeeView }) // RH : vue RH ; salarié : sa propre fiche (discriminant `employee.view`)
  @ApiNotFoundResponse({ description: 'NOT_FOUND (hors de mon périmètre)' })
  async getEmployee(@CurrentUser() me: Identity, @UuidParam() id: string, @Query() q: PeriodQueryDto): Promise<{ employee: EmployeeHrDto | EmployeeSelfDto }> {
    if (me.role === Role.EMPLOYEE) {
      if (id !== me.employeeId) throw AppException.notFound('Salarié introuvable');
      return { employee: await this.employees.me(me) };
    }
    return { employee: await this.employees.hrRead(me, id, q.period) };
  }

  @Put(':id')
  @Roles(Role.ADMIN_RH, Role.EMPLOYEE)
  @ApiOperation({ summary: 'E10 — Modifier un salarié (RH : identité, service, poste, téléphone ; salarié : les champs de E6)' })
  @ApiBody({ schema: { oneOf: [{ $ref: getSchemaPath(HrUpdateEmployeeDto) }, { $ref: getSchemaPath(SelfUpdateEmployeeDto) }] } })
  @ApiOkResponse({ schema: employeeView }) // RH : vue RH ; salarié : sa propre fiche (discriminant `employee.view`)
  @ApiNotFoundResponse({ description: 'NOT_FOUND (hors de mon périmètre)' })
  async updateEmployee(@CurrentUser() me: Identity, @UuidParam() id: string, @Body() body: Record<string, unknown>): Promise<{ employee: EmployeeHrDto | EmployeeSelfDto }> {
    if (me.role === Role.EMPLOYEE) {
      if (id !== me.employeeId) throw AppException.notFound('Salarié introuvable');
      return { employee: await this.employees.updateSelf(me, await bodyAs(SelfUpdateEmployeeDto, body)) };
    }
    return { employee: await this.employees.hrUpdate(me, id, await bodyAs(HrUpdateEmployeeDto, body)) };
  }

  @Delete(':id')
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ summary: 'E11 — Supprimer un salarié (désactivation ; jamais de suppression physique)' })
  @ApiOkResponse({ type: EmployeeMessageDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async deleteEmployee(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<EmployeeMessageDto> {
    await this.employees.remove(me, id);
    return { message: 'Salarié désactivé' };
  }

  @Put(':id/activate')
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ summary: 'E12 — Activer un salarié' })
  @ApiOkResponse({ type: EmployeeHrResponseDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiConflictResponse({ description: 'ALREADY_ACTIVE, INVITATION_PENDING, SEAT_LIMIT_REACHED' })
  async activateEmployee(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<EmployeeHrResponseDto> {
    return { employee: await this.employees.setActive(me, id, true) };
  }

  @Put(':id/deactivate')
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ summary: 'E13 — Désactiver un salarié (sessions et sockets fermées)' })
  @ApiOkResponse({ type: EmployeeHrResponseDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async deactivateEmployee(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<EmployeeHrResponseDto> {
    return { employee: await this.employees.setActive(me, id, false) };
  }

  @Post(':id/resend-invitation')
  @HttpCode(HttpStatus.OK)
  @Roles(Role.ADMIN_RH)
  @RateLimit(30, 3600, 'user')
  @ApiOperation({ summary: "I8 — Renvoyer l'invitation (nouveau lien de 7 jours ; les anciens ne valent plus)" })
  @ApiOkResponse({ type: InvitationResentDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiConflictResponse({ description: 'ALREADY_ACTIVE' })
  async resendEmployeeInvitation(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<InvitationResentDto> {
    await this.employees.resendInvitation(me, id);
    return { message: 'Invitation renvoyée', invitationSent: true };
  }
}
