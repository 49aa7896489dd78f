import { Body, Controller, Get, Header, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { skipAccessLog } from '../../infra/metrics/http-observer.middleware.js';
import { CrisisResourcesService } from './crisis-resources.service.js';
import { CrisisResourcesDto, UpdateCompanyCrisisContactsDto } from './dto/crisis-resources.dto.js';

/** Crisis resources, shown in the booking flow; every signed-in user may read them, untracked. */
@ApiTags('crisis-resources')
@ApiBearerAuth()
@ApiErrors()
@Controller('crisis-resources')
export class CrisisResourcesController {
  constructor(private readonly crisis: CrisisResourcesService) {}

  @Get()
  @Header('Cache-Control', 'private, max-age=300')
  @ApiOperation({ summary: "Numéros d'urgence et contacts d'aide de mon entreprise (consultation non tracée)" })
  @ApiOkResponse({ type: CrisisResourcesDto })
  getCrisisResources(@CurrentUser() me: Identity, @Res({ passthrough: true }) res: Response): Promise<CrisisResourcesDto> {
    skipAccessLog(res);
    return this.crisis.get(me);
  }

  @Put('company')
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ summary: "Remplacer les contacts d'aide de mon entreprise (RH)" })
  @ApiOkResponse({ type: CrisisResourcesDto })
  @ApiForbiddenResponse({ description: 'FORBIDDEN (rôle)' })
  replaceCrisisResources(@CurrentUser() me: Identity, @Body() dto: UpdateCompanyCrisisContactsDto): Promise<CrisisResourcesDto> {
    return this.crisis.replaceCompanyContacts(me, dto.contacts);
  }
}
