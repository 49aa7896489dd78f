import { Body, Controller, Post, UploadedFile } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PractitionerDocumentType, Role } from '@prisma/client';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { PractitionerDocumentUploadedDto, ProfileImageUploadedDto, UploadPractitionerDocumentDto } from './dto/files.dto.js';
import { FileUpload } from './upload.decorators.js';
import { UploadsService } from './uploads.service.js';

/**
 * The upload routes of the companies, employees and practitioners modules (C9/C10, E7/E8, PR7–PR9),
 * kept with the storage code. Static `me/upload-*` POST paths: no clash with those modules' `:id` routes.
 */
@ApiBearerAuth()
@ApiErrors()
@ApiForbiddenResponse({ description: 'FORBIDDEN (autre rôle)' })
@ApiNotFoundResponse({ description: 'NOT_FOUND (profil introuvable)' })
@Controller()
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  @Post('companies/me/upload-logo')
  @Roles(Role.ADMIN_RH)
  @ApiTags('companies')
  @FileUpload()
  @ApiOperation({ summary: "C9 — Logo de l'entreprise (JPEG ou PNG, 10 Mo maximum ; public, métadonnées retirées)" })
  @ApiCreatedResponse({ type: ProfileImageUploadedDto })
  uploadCompanyLogo(@CurrentUser() me: Identity, @UploadedFile() file?: Express.Multer.File): Promise<ProfileImageUploadedDto> {
    return this.uploads.uploadProfileImage(me, 'companyLogo', file);
  }

  @Post('companies/me/upload-cover')
  @Roles(Role.ADMIN_RH)
  @ApiTags('companies')
  @FileUpload()
  @ApiOperation({ summary: "C10 — Image de couverture de l'entreprise (JPEG ou PNG, 10 Mo maximum)" })
  @ApiCreatedResponse({ type: ProfileImageUploadedDto })
  uploadCompanyCover(@CurrentUser() me: Identity, @UploadedFile() file?: Express.Multer.File): Promise<ProfileImageUploadedDto> {
    return this.uploads.uploadProfileImage(me, 'companyCover', file);
  }

  @Post('employees/me/upload-avatar')
  @Roles(Role.EMPLOYEE)
  @ApiTags('employees')
  @FileUpload()
  @ApiOperation({ summary: 'E7 — Photo de profil du salarié (JPEG ou PNG, 10 Mo maximum)' })
  @ApiCreatedResponse({ type: ProfileImageUploadedDto })
  uploadEmployeeAvatar(@CurrentUser() me: Identity, @UploadedFile() file?: Express.Multer.File): Promise<ProfileImageUploadedDto> {
    return this.uploads.uploadProfileImage(me, 'employeeAvatar', file);
  }

  @Post('employees/me/upload-cover')
  @Roles(Role.EMPLOYEE)
  @ApiTags('employees')
  @FileUpload()
  @ApiOperation({ summary: 'E8 — Image de couverture du salarié (JPEG ou PNG, 10 Mo maximum)' })
  @ApiCreatedResponse({ type: ProfileImageUploadedDto })
  uploadEmployeeCover(@CurrentUser() me: Identity, @UploadedFile() file?: Express.Multer.File): Promise<ProfileImageUploadedDto> {
    return this.uploads.uploadProfileImage(me, 'employeeCover', file);
  }

  @Post('practitioners/me/upload-avatar')
  @Roles(Role.PRACTITIONER)
  @ApiTags('practitioners')
  @FileUpload()
  @ApiOperation({ summary: 'PR7 — Photo de profil du praticien (JPEG ou PNG, 10 Mo maximum)' })
  @ApiCreatedResponse({ type: ProfileImageUploadedDto })
  uploadPractitionerAvatar(@CurrentUser() me: Identity, @UploadedFile() file?: Express.Multer.File): Promise<ProfileImageUploadedDto> {
    return this.uploads.uploadProfileImage(me, 'practitionerAvatar', file);
  }

  @Post('practitioners/me/upload-cover')
  @Roles(Role.PRACTITIONER)
  @ApiTags('practitioners')
  @FileUpload()
  @ApiOperation({ summary: 'PR8 — Image de couverture du praticien (JPEG ou PNG, 10 Mo maximum)' })
  @ApiCreatedResponse({ type: ProfileImageUploadedDto })
  uploadPractitionerCover(@CurrentUser() me: Identity, @UploadedFile() file?: Express.Multer.File): Promise<ProfileImageUploadedDto> {
    return this.uploads.uploadProfileImage(me, 'practitionerCover', file);
  }

  @Post('practitioners/me/upload-documents')
  @Roles(Role.PRACTITIONER)
  @ApiTags('practitioners')
  @FileUpload({ type: { type: 'string', enum: Object.values(PractitionerDocumentType) } }, ['type'])
  @ApiOperation({ summary: 'PR9 — Justificatif professionnel (diplôme, assurance, ADELI/RPPS ; PDF, JPEG ou PNG ; chiffré, en attente de vérification)' })
  @ApiCreatedResponse({ type: PractitionerDocumentUploadedDto })
  uploadPractitionerDocument(
    @CurrentUser() me: Identity,
    @Body() dto: UploadPractitionerDocumentDto,
    @UploadedFile() file?: Express.Multer.File,
  ): Promise<PractitionerDocumentUploadedDto> {
    return this.uploads.uploadPractitionerDocument(me, dto.type, file);
  }
}
