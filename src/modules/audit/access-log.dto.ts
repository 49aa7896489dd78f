import { ApiProperty } from '@nestjs/swagger';
import { AuditAction, Role } from '@prisma/client';
import { PaginationQueryDto } from '../../common/pagination/pagination.js';

export class AccessLogQueryDto extends PaginationQueryDto {}

export class AccessLogEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) accessedAt: string;
  @ApiProperty({ enum: AuditAction, enumName: 'AuditAction', description: 'READ (lecture), EXPORT ou DOWNLOAD (fichier)' }) action: AuditAction;
  @ApiProperty({ description: 'Ce qui a été consulté, par type (ex. employee_profile, consultation)' }) resource: string;
  @ApiProperty({ enum: Role, enumName: 'Role', nullable: true, description: 'Rôle de la personne qui a consulté' }) actorRole: Role | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'Son organisation (votre entreprise pour les RH, « HuntZen Care » pour les praticiens et administrateurs) — jamais son nom' })
  actorOrganisation: string | null;
}

export class AccessLogResponseDto {
  @ApiProperty({ type: [AccessLogEntryDto] }) accesses: AccessLogEntryDto[];
  @ApiProperty({ type: 'integer' }) total: number;
  @ApiProperty({ type: 'integer' }) page: number;
  @ApiProperty({ type: 'integer' }) pages: number;
  @ApiProperty({ type: 'integer' }) limit: number;
}
