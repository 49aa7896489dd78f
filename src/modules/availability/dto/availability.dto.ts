import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AvailabilityType } from '@prisma/client';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, Validate, ValidateIf, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { Trim } from '../../../common/http/transforms.js';
import { isCalendarDate } from '../time-zone.js';

export const HM = /^([01]\d|2[0-3]):[0-5]\d$/;
const HM_MESSAGE = 'heure au format HH:mm attendue';

/** Present ⇒ validated, and null is refused. */
const Present = () => ValidateIf((_: unknown, v: unknown) => v !== undefined);

@ValidatorConstraint({ name: 'isCalendarDate' })
export class IsCalendarDateConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && isCalendarDate(value);
  }
  defaultMessage(): string {
    return 'date au format YYYY-MM-DD attendue';
  }
}

export class CreateAvailabilityDto {
  @ApiProperty({ minimum: 0, maximum: 6, example: 1, description: '0 = dimanche … 6 = samedi' })
  @IsInt() @Min(0) @Max(6)
  dayOfWeek: number;

  @ApiProperty({ example: '09:00', description: 'Heure locale du praticien (HH:mm)' })
  @IsString() @Matches(HM, { message: HM_MESSAGE })
  startTime: string;

  @ApiProperty({ example: '12:00', description: 'Heure locale, après startTime' })
  @IsString() @Matches(HM, { message: HM_MESSAGE })
  endTime: string;

  @ApiPropertyOptional({ minimum: 15, maximum: 180, example: 50, description: 'Minutes; par défaut la durée par défaut du praticien (50)' })
  @IsOptional() @IsInt() @Min(15) @Max(180)
  slotDuration?: number;

  @ApiPropertyOptional({ enum: [AvailabilityType.RECURRING], default: AvailabilityType.RECURRING, description: 'Les exceptions passent par POST /availability/exception' })
  @IsOptional() @IsIn([AvailabilityType.RECURRING], { message: 'seul RECURRING est accepté ici (exceptions : POST /availability/exception)' })
  type?: AvailabilityType;
}

export class UpdateAvailabilityDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 6 })
  @Present() @IsInt() @Min(0) @Max(6)
  dayOfWeek?: number;

  @ApiPropertyOptional({ example: '09:00' })
  @Present() @IsString() @Matches(HM, { message: HM_MESSAGE })
  startTime?: string;

  @ApiPropertyOptional({ example: '12:00' })
  @Present() @IsString() @Matches(HM, { message: HM_MESSAGE })
  endTime?: string;

  @ApiPropertyOptional({ minimum: 15, maximum: 180 })
  @Present() @IsInt() @Min(15) @Max(180)
  slotDuration?: number;

  @ApiPropertyOptional({ description: 'false met la règle en pause sans la supprimer' })
  @Present() @IsBoolean()
  isActive?: boolean;
}

export class CreateExceptionDto {
  @ApiProperty({ example: '2026-12-25', description: 'Jour local du praticien (YYYY-MM-DD), pas dans le passé' })
  @IsString() @Validate(IsCalendarDateConstraint)
  date: string;

  @ApiProperty({ description: 'false = indisponible (jour entier, ou plage si startTime/endTime); true = ouverture supplémentaire (plage requise)' })
  @IsBoolean()
  isAvailable: boolean;

  @ApiPropertyOptional({ example: 'Noël', maxLength: 200, description: 'Visible du seul praticien' })
  @IsOptional() @Trim() @IsString() @MaxLength(200)
  reason?: string;

  @ApiPropertyOptional({ example: '14:00' })
  @IsOptional() @IsString() @Matches(HM, { message: HM_MESSAGE })
  startTime?: string;

  @ApiPropertyOptional({ example: '18:00' })
  @IsOptional() @IsString() @Matches(HM, { message: HM_MESSAGE })
  endTime?: string;

  @ApiPropertyOptional({ minimum: 15, maximum: 180, description: 'Ouverture supplémentaire : durée des créneaux (défaut : durée par défaut du praticien)' })
  @IsOptional() @IsInt() @Min(15) @Max(180)
  slotDuration?: number;
}

// ---- responses ----

export class AvailabilityRuleDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: [AvailabilityType.RECURRING] }) type: AvailabilityType;
  @ApiProperty({ minimum: 0, maximum: 6 }) dayOfWeek: number;
  @ApiProperty({ example: '09:00' }) startTime: string;
  @ApiProperty({ example: '12:00' }) endTime: string;
  @ApiProperty({ example: 50 }) slotDuration: number;
  @ApiProperty() isActive: boolean;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class AvailabilityExceptionDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: [AvailabilityType.EXCEPTION] }) type: AvailabilityType;
  @ApiProperty({ example: '2026-12-25' }) date: string;
  @ApiProperty() isAvailable: boolean;
  @ApiProperty({ nullable: true, type: String, example: '14:00' }) startTime: string | null;
  @ApiProperty({ nullable: true, type: String, example: '18:00' }) endTime: string | null;
  @ApiProperty({ example: 50 }) slotDuration: number;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty() createdAt: Date;
}

export class AvailabilityListDto {
  @ApiProperty({ type: [AvailabilityRuleDto] }) recurring: AvailabilityRuleDto[];
  @ApiProperty({ type: [AvailabilityExceptionDto] }) exceptions: AvailabilityExceptionDto[];
}

export class AvailabilityRuleResponseDto {
  @ApiProperty({ type: AvailabilityRuleDto }) availability: AvailabilityRuleDto;
}

export class AvailabilityExceptionResponseDto {
  @ApiProperty({ type: AvailabilityExceptionDto }) exception: AvailabilityExceptionDto;
}

export class AvailabilityDeletedDto {
  @ApiProperty({ example: 'Disponibilité supprimée' }) message: string;
}
