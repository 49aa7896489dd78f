import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Validate } from 'class-validator';
import { IsCalendarDateConstraint } from './availability.dto.js';

/**
 * A period in the practitioner's local calendar, in any of the three forms of SPEC §11 A14:
 * `date`, `startDate`+`endDate`, or `from`+`to` (inclusive, at most 31 days). Without any: 7 days from today.
 */
export class SlotRangeQueryDto {
  @ApiPropertyOptional({ example: '2026-12-07', description: 'Un seul jour (YYYY-MM-DD)' })
  @IsOptional() @IsString() @Validate(IsCalendarDateConstraint)
  date?: string;

  @ApiPropertyOptional({ example: '2026-12-07', description: 'Début (inclus), avec endDate' })
  @IsOptional() @IsString() @Validate(IsCalendarDateConstraint)
  startDate?: string;

  @ApiPropertyOptional({ example: '2026-12-13', description: 'Fin (incluse), 31 jours au plus' })
  @IsOptional() @IsString() @Validate(IsCalendarDateConstraint)
  endDate?: string;

  @ApiPropertyOptional({ example: '2026-12-07', description: 'Synonyme de startDate (CDC)' })
  @IsOptional() @IsString() @Validate(IsCalendarDateConstraint)
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-13', description: 'Synonyme de endDate (CDC)' })
  @IsOptional() @IsString() @Validate(IsCalendarDateConstraint)
  to?: string;
}

export class SlotsQueryDto extends SlotRangeQueryDto {
  @ApiPropertyOptional({ description: 'Requis pour un salarié; un praticien ne consulte que les siens' })
  @IsOptional() @IsUUID('all', { message: 'identifiant invalide (UUID attendu)' })
  practitionerId?: string;
}

export class SlotDto {
  @ApiProperty({ format: 'date-time', example: '2026-12-07T08:00:00.000Z', description: 'Début, ISO UTC' }) startTime: string;
  @ApiProperty({ format: 'date-time', example: '2026-12-07T08:50:00.000Z', description: 'Fin, ISO UTC' }) endTime: string;
  @ApiProperty({ format: 'date', example: '2026-12-07', description: 'Jour local du praticien' }) localDate: string;
  @ApiProperty({ example: '09:00', description: 'Heure locale de début (fuseau du praticien)' }) localStartTime: string;
  @ApiProperty({ example: '09:50' }) localEndTime: string;
  @ApiProperty() available: boolean;
}

export class SlotsResponseDto {
  @ApiProperty() practitionerId: string;
  @ApiProperty({ example: 'Europe/Paris' }) timezone: string;
  @ApiProperty({ format: 'date', example: '2026-12-07' }) from: string;
  @ApiProperty({ format: 'date', example: '2026-12-13' }) to: string;
  @ApiProperty({ type: [SlotDto] }) slots: SlotDto[];
}
