import { Body, Controller, Delete, Get, Post, Put, Query, UploadedFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { FileUpload } from '../files/upload.decorators.js';
import { ChatService } from './chat.service.js';
import {
  AttachmentUploadedDto,
  EditMessageDto,
  MessageHistoryQueryDto,
  MessageInfoDto,
  MessageListDto,
  MessageResponseDto,
  SendMessageDto,
  ThreadListDto,
} from './dto/chat.dto.js';

const NOT_MINE = 'NOT_FOUND : consultation ou message inconnu, ou dont vous n’êtes pas participant';
const ADMINS = 'FORBIDDEN : rôle autre que EMPLOYEE ou PRACTITIONER (administrateurs et RH compris)';
const CLOSED = 'CHAT_CLOSED : consultation annulée, absence, ou fin de la période de suivi après la consultation';

/**
 * REST fallback of the chat (SPEC §4.8 CH1–CH5, §4.19 I4–I5). The two participants only; messages sent,
 * read, edited or deleted here are broadcast on `/chat` exactly like socket ones.
 */
@ApiTags('chat')
@ApiBearerAuth()
@ApiErrors()
@Roles(Role.EMPLOYEE, Role.PRACTITIONER)
@Controller('chat')
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Get('threads')
  @ApiOperation({ operationId: 'listChatThreads', summary: 'CH5 — Mes conversations (dernier message, non lus)' })
  @ApiOkResponse({ type: ThreadListDto })
  @ApiForbiddenResponse({ description: ADMINS })
  async listChatThreads(@CurrentUser() me: Identity): Promise<ThreadListDto> {
    return { threads: await this.chat.threads(me) };
  }

  @Get(':consultationId/messages')
  @ApiOperation({ operationId: 'listConsultationMessages', summary: 'CH1 — Historique des messages (déchiffrés, pagination vers le passé)' })
  @ApiOkResponse({ type: MessageListDto })
  @ApiForbiddenResponse({ description: ADMINS })
  @ApiNotFoundResponse({ description: NOT_MINE })
  async listConsultationMessages(@CurrentUser() me: Identity, @UuidParam('consultationId') consultationId: string, @Query() q: MessageHistoryQueryDto): Promise<MessageListDto> {
    return this.chat.history(me, consultationId, q);
  }

  @Post(':consultationId/messages')
  @ApiOperation({ operationId: 'sendConsultationMessage', summary: 'CH2 — Envoyer un message (chiffré, diffusé en temps réel)' })
  @ApiCreatedResponse({ type: MessageResponseDto })
  @ApiForbiddenResponse({ description: ADMINS })
  @ApiNotFoundResponse({ description: NOT_MINE })
  @ApiConflictResponse({ description: CLOSED })
  async sendConsultationMessage(@CurrentUser() me: Identity, @UuidParam('consultationId') consultationId: string, @Body() dto: SendMessageDto): Promise<MessageResponseDto> {
    return { message: await this.chat.send(me, consultationId, dto) };
  }

  @Put('messages/:id/read')
  @ApiOperation({ operationId: 'markMessageRead', summary: 'CH3 — Marquer un message comme lu (destinataire uniquement)' })
  @ApiOkResponse({ type: MessageInfoDto })
  @ApiForbiddenResponse({ description: `${ADMINS} ; ou l’appelant est l’expéditeur` })
  @ApiNotFoundResponse({ description: NOT_MINE })
  async markMessageRead(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<MessageInfoDto> {
    await this.chat.markRead(me, id);
    return { message: 'marked as read' };
  }

  @Put('messages/:id')
  @ApiOperation({ operationId: 'editMessage', summary: 'I4 — Modifier son message (dans le délai de modification)' })
  @ApiOkResponse({ type: MessageResponseDto })
  @ApiForbiddenResponse({ description: `${ADMINS} ; ou l’appelant n’est pas l’expéditeur` })
  @ApiNotFoundResponse({ description: NOT_MINE })
  @ApiConflictResponse({ description: `MESSAGE_EDIT_WINDOW_EXPIRED, MESSAGE_DELETED, ${CLOSED}` })
  async editMessage(@CurrentUser() me: Identity, @UuidParam() id: string, @Body() dto: EditMessageDto): Promise<MessageResponseDto> {
    return { message: await this.chat.edit(me, id, dto.content) };
  }

  @Delete('messages/:id')
  @ApiOperation({ operationId: 'deleteMessage', summary: 'I5 — Supprimer son message (suppression logique)' })
  @ApiOkResponse({ type: MessageInfoDto })
  @ApiForbiddenResponse({ description: `${ADMINS} ; ou l’appelant n’est pas l’expéditeur` })
  @ApiNotFoundResponse({ description: NOT_MINE })
  @ApiConflictResponse({ description: 'MESSAGE_DELETED' })
  async deleteMessage(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<MessageInfoDto> {
    await this.chat.remove(me, id);
    return { message: 'Message supprimé' };
  }

  @Post(':consultationId/upload')
  @FileUpload()
  @ApiOperation({ operationId: 'uploadChatAttachment', summary: 'CH4 — Envoyer une pièce jointe (JPEG, PNG, PDF ≤ 10 Mo, chiffrée)' })
  @ApiCreatedResponse({ type: AttachmentUploadedDto })
  @ApiForbiddenResponse({ description: ADMINS })
  @ApiNotFoundResponse({ description: NOT_MINE })
  @ApiConflictResponse({ description: CLOSED })
  @ApiTooManyRequestsResponse({ description: 'RATE_LIMITED' })
  async uploadChatAttachment(@CurrentUser() me: Identity, @UuidParam('consultationId') consultationId: string, @UploadedFile() file?: Express.Multer.File): Promise<AttachmentUploadedDto> {
    return this.chat.upload(me, consultationId, file);
  }
}
