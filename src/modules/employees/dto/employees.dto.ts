import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEmail,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  registerDecorator,
  ValidateIf,
  ValidationOptions,
} from 'class-validator';
import { NormalizeEmail, Trim } from '../../../common/http/transforms.js';
import { PaginationQueryDto, PageInfoDto } from '../../../common/pagination/pagination.js';
import { IsStrongPassword } from '../../../common/security/password-policy.js';
import { PERIOD_PATTERN } from '../period.js';

/** Present ⇒ validated, and null is refused: for columns that cannot be cleared. */
const Present = () => ValidateIf((_: unknown, v: unknown) => v !== undefined);

const PHONE = /^[+0-9 ().-]{6,25}$/;
// Profile images are our own uploads: an external URL would let a third party track who views the profile.
const OWN_FILE_URL = /^\/api\/files\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An IANA time zone the runtime knows (e.g. "Europe/Paris"). */
function IsTimeZone(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isTimeZone',
      target: object.constructor,
      propertyName,
      options: { message: 'fuseau horaire IANA invalide', ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || value.length > 64) return false;
          try {
            new Intl.DateTimeFormat('en', { timeZone: value });
            return true;
          } catch {
            return false;
          }
        },
      },
    });
}

export const EMPLOYEE_STATUSES = ['active', 'inactive', 'pending'] as const;
export type EmployeeStatus = (typeof EMPLOYEE_STATUSES)[number];

export class PeriodQueryDto {
  @ApiPropertyOptional({ example: '2025-01', description: 'YYYY-MM, YYYY-Qn ou YYYY (Europe/Paris) ; défaut : mois en cours' })
  @IsOptional() @Matches(PERIOD_PATTERN, { message: 'période attendue : YYYY-MM, YYYY-Qn ou YYYY' })
  period?: string;
}

export class ListEmployeesQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ example: 'Développement' })
  @IsOptional() @Trim() @IsString() @MinLength(1) @MaxLength(100)
  department?: string;

  @ApiPropertyOptional({ enum: EMPLOYEE_STATUSES, description: 'pending : invitation non encore acceptée' })
  @IsOptional() @IsIn(EMPLOYEE_STATUSES, { message: 'statut attendu : active, inactive ou pending' })
  status?: EmployeeStatus;

  @ApiPropertyOptional({ description: 'Recherche dans le nom, le prénom et l’e-mail' })
  @IsOptional() @Trim() @IsString() @MinLength(1) @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ example: '2025-Q1', description: 'YYYY-MM, YYYY-Qn ou YYYY (Europe/Paris) ; défaut : mois en cours' })
  @IsOptional() @Matches(PERIOD_PATTERN, { message: 'période attendue : YYYY-MM, YYYY-Qn ou YYYY' })
  period?: string;
}

/** E2 body (one CSV row of E3 has the same fields). */
export class CreateEmployeeDto {
  @ApiProperty({ example: 'marc.dupont@techcorp.com', description: "Le domaine doit faire partie des domaines de l'entreprise" })
  @NormalizeEmail() @IsEmail({}, { message: 'adresse e-mail invalide' }) @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'Marc' }) @Trim() @IsString() @MinLength(1) @MaxLength(100)
  firstName: string;

  @ApiProperty({ example: 'Dupont' }) @Trim() @IsString() @MinLength(1) @MaxLength(100)
  lastName: string;

  @ApiPropertyOptional({ example: 'Développement' }) @IsOptional() @Trim() @IsString() @MaxLength(100)
  department?: string;

  @ApiPropertyOptional({ example: 'Chef de projet' }) @IsOptional() @Trim() @IsString() @MaxLength(100)
  position?: string;
}

/** E10 by HR: identity and HR data only. */
export class HrUpdateEmployeeDto {
  @ApiPropertyOptional() @Present() @Trim() @IsString() @MinLength(1) @MaxLength(100)
  firstName?: string;

  @ApiPropertyOptional() @Present() @Trim() @IsString() @MinLength(1) @MaxLength(100)
  lastName?: string;

  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @Trim() @IsString() @MaxLength(100)
  department?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @Trim() @IsString() @MaxLength(100)
  position?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @Trim() @Matches(PHONE, { message: 'numéro de téléphone invalide' })
  phoneNumber?: string | null;
}

/** E6 (and E10 by the employee): self-editable fields; department and position are HR-managed. */
export class SelfUpdateEmployeeDto {
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @Trim() @Matches(PHONE, { message: 'numéro de téléphone invalide' })
  phoneNumber?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(2000)
  bio?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @Trim() @IsString() @MaxLength(100)
  location?: string | null;

  @ApiPropertyOptional({ example: '1990-05-17', nullable: true, type: String, format: 'date' }) @IsOptional() @IsISO8601({ strict: true }, { message: 'date ISO 8601 attendue' })
  birthDate?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: '/api/files/2f1c…', description: 'Une image téléversée (E7) ou null ; jamais une URL externe' })
  @IsOptional() @Matches(OWN_FILE_URL, { message: 'URL de fichier HuntZen attendue (/api/files/<id>)' })
  avatarUrl?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: '/api/files/2f1c…', description: 'Une image téléversée (E8) ou null ; jamais une URL externe' })
  @IsOptional() @Matches(OWN_FILE_URL, { message: 'URL de fichier HuntZen attendue (/api/files/<id>)' })
  coverUrl?: string | null;

  @ApiPropertyOptional({ example: 'fr' }) @Present() @Matches(/^[a-z]{2}(-[A-Z]{2})?$/, { message: 'code de langue attendu (ex. fr)' })
  preferredLanguage?: string;

  @ApiPropertyOptional({ example: 'Europe/Paris' }) @Present() @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time', description: 'Fin de l’onboarding (ISO 8601)' }) @IsOptional() @IsISO8601({ strict: true }, { message: 'date ISO 8601 attendue' })
  onboardingCompletedAt?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time', description: 'Consentement RGPD (ISO 8601)' }) @IsOptional() @IsISO8601({ strict: true }, { message: 'date ISO 8601 attendue' })
  consentGivenAt?: string | null;

  @ApiPropertyOptional({ example: '1.0', nullable: true, type: String }) @IsOptional() @Trim() @IsString() @MaxLength(20)
  consentVersion?: string | null;
}

export class ActivateInvitationDto {
  @ApiProperty({ description: "Jeton reçu dans l'e-mail d'invitation" })
  @IsString() @MinLength(10) @MaxLength(200)
  token: string;

  @IsStrongPassword()
  password: string;
}

// ---- responses ----

export const GDPR_NOTICE =
  "Données agrégées uniquement : nombre et durée des consultations par période. Aucune information sur les praticiens, spécialités, formats, motifs ou dates de consultation. Les indicateurs d'équipe ne sont affichés qu'à partir de 10 salariés.";

export class UsageStatsDto {
  @ApiProperty({ example: '2025-01' }) period: string;
  @ApiProperty() consultationCount: number;
  @ApiProperty() totalDurationMinutes: number;
}

/** What HR sees of an employee (SPEC §1.2, E1/E9): identity, HR data, status and counters — nothing else. */
export class EmployeeHrDto {
  @ApiProperty({ enum: ['hr'], enumName: 'EmployeeHrView', description: 'Discriminant : vue RH' }) view: 'hr';
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty({ nullable: true, type: String }) department: string | null;
  @ApiProperty({ nullable: true, type: String }) position: string | null;
  @ApiProperty({ nullable: true, type: String }) phoneNumber: string | null;
  @ApiProperty() isActive: boolean;
  @ApiProperty({ enum: EMPLOYEE_STATUSES }) status: EmployeeStatus;
  @ApiProperty() onboardingCompleted: boolean;
  @ApiProperty({ type: UsageStatsDto }) stats: UsageStatsDto;
}

/** The employee's own profile (E5). */
export class EmployeeSelfDto {
  @ApiProperty({ enum: ['self'], enumName: 'EmployeeSelfView', description: 'Discriminant : vue du salarié lui-même' }) view: 'self';
  @ApiProperty() id: string;
  @ApiProperty() companyId: string;
  @ApiProperty() email: string;
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty({ nullable: true, type: String }) department: string | null;
  @ApiProperty({ nullable: true, type: String }) position: string | null;
  @ApiProperty({ nullable: true, type: String }) phoneNumber: string | null;
  @ApiProperty({ nullable: true, type: String }) bio: string | null;
  @ApiProperty({ nullable: true, type: String }) location: string | null;
  @ApiProperty({ nullable: true, type: Date }) birthDate: Date | null;
  @ApiProperty({ nullable: true, type: String }) avatarUrl: string | null;
  @ApiProperty({ nullable: true, type: String }) coverUrl: string | null;
  @ApiProperty({ nullable: true, type: Date }) onboardingCompletedAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) consentGivenAt: Date | null;
  @ApiProperty({ nullable: true, type: String }) consentVersion: string | null;
  @ApiProperty() preferredLanguage: string;
  @ApiProperty() timezone: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class EmployeeListDto extends PageInfoDto {
  @ApiProperty({ type: [EmployeeHrDto] }) employees: EmployeeHrDto[];
  @ApiProperty({ example: '2025-01' }) period: string;
  @ApiProperty({ description: 'Mention RGPD à afficher' }) notice: string;
}

export class EmployeeHrResponseDto {
  @ApiProperty({ type: EmployeeHrDto }) employee: EmployeeHrDto;
}

export class EmployeeSelfResponseDto {
  @ApiProperty({ type: EmployeeSelfDto }) employee: EmployeeSelfDto;
}

export class EmployeeCreatedDto {
  @ApiProperty({ type: EmployeeHrDto }) employee: EmployeeHrDto;
  @ApiProperty({ example: true }) invitationSent: true;
}

export class InvitationResentDto {
  @ApiProperty() message: string;
  @ApiProperty({ example: true }) invitationSent: true;
}

export class EmployeeMessageDto {
  @ApiProperty() message: string;
}

export class ActivationResponseDto {
  @ApiProperty() message: string;
  @ApiProperty() accessToken: string;
  @ApiProperty() refreshToken: string;
}

export class ImportErrorDto {
  @ApiProperty({ example: 3, description: "Numéro de ligne du fichier (l'en-tête est la ligne 1)" }) row: number;
  @ApiProperty({ example: 'x@autre.com', nullable: true, type: String }) email: string | null;
  @ApiProperty({ example: 'domaine e-mail non autorisé' }) reason: string;
}

export class ImportResultDto {
  @ApiProperty({ description: 'Salariés créés et invités' }) success: number;
  @ApiProperty({ description: 'Lignes ignorées' }) failed: number;
  @ApiProperty({ type: [ImportErrorDto] }) errors: ImportErrorDto[];
}
