import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { Roles } from '../../common/auth/decorators.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { AccessLogQueryDto, AccessLogResponseDto } from './access-log.dto.js';
import { AccessLogService } from './access-log.service.js';

@ApiTags('users')
@ApiBearerAuth()
@ApiErrors()
@Controller('users/me')
export class AccessLogController {
  constructor(private readonly accessLog: AccessLogService) {}

  @Get('access-log')
  @Roles(Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.ADMIN_RH, Role.PRACTITIONER, Role.EMPLOYEE)
  @ApiOperation({ operationId: 'getMyAccessLog', summary: 'Qui a consulté mes données : lectures et exports par d’autres personnes (rôle, organisation, date)' })
  @ApiOkResponse({ type: AccessLogResponseDto })
  getMyAccessLog(@Query() q: AccessLogQueryDto): Promise<AccessLogResponseDto> {
    return this.accessLog.list(q);
  }
}
