import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { CurrentUser, Public } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { RateLimit } from '../../infra/throttle/rate-limit.js';
import { AuthService } from './auth.service.js';
import {
  DisableTwoFactorDto,
  EmailDto,
  LoginDto,
  LoginResponseDto,
  LogoutDto,
  MeDto,
  MessageDto,
  RefreshDto,
  RegisterDto,
  RegisterResponseDto,
  ResetPasswordDto,
  TokenDto,
  TokenPairDto,
  TotpCodeDto,
  TwoFactorSetupDto,
  TwoFactorStatusDto,
  VerifyEmailResponseDto,
} from './dto/auth.dto.js';

@ApiTags('auth')
@ApiErrors()
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('register')
  @ApiOperation({ summary: "A1 — Créer un compte salarié (domaine d'entreprise validé ou invitation)" })
  @ApiCreatedResponse({ type: RegisterResponseDto })
  @ApiConflictResponse({ description: 'EMAIL_TAKEN; ALREADY_ACTIVE (invitation for an account already activated)' })
  @ApiForbiddenResponse({ description: 'EMAIL_DOMAIN_NOT_ALLOWED' })
  @ApiNotFoundResponse({ description: 'INVITATION_INVALID' })
  register(@Body() dto: RegisterDto): Promise<RegisterResponseDto> {
    return this.auth.register(dto);
  }

  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'A2 — Connexion (5 échecs / 15 min / IP, 10 échecs / compte, 100 tentatives / IP ; 5 codes 2FA faux ⇒ blocage 15 min)' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({ description: 'INVALID_CREDENTIALS, MFA_REQUIRED, MFA_INVALID' })
  @ApiForbiddenResponse({ description: 'EMAIL_NOT_VERIFIED, ACCOUNT_INACTIVE, COMPANY_INACTIVE' })
  @ApiTooManyRequestsResponse({ description: 'RATE_LIMITED (Retry-After)' })
  login(@Body() dto: LoginDto): Promise<LoginResponseDto> {
    return this.auth.login(dto);
  }

  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'A3 — Déconnexion (la session donnée, sinon toutes)' })
  @ApiOkResponse({ type: MessageDto })
  logout(@CurrentUser() me: Identity, @Body() dto: LogoutDto): Promise<MessageDto> {
    return this.auth.logout(me, dto.refreshToken);
  }

  @Public()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'A4 — Rotation du jeton de rafraîchissement (réutilisation ⇒ toutes les sessions révoquées)' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiUnauthorizedResponse({ description: 'TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_REUSED' })
  refreshTokens(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  @Public()
  @Post('forgot-password')
  @HttpCode(HttpStatus.OK)
  @RateLimit(3, 3600, 'email')
  @ApiOperation({ summary: 'A5 — Demande de réinitialisation (réponse identique que le compte existe ou non; 3 / h / e-mail)' })
  @ApiOkResponse({ type: MessageDto })
  forgotPassword(@Body() dto: EmailDto): Promise<MessageDto> {
    return this.auth.forgotPassword(dto.email);
  }

  @Public()
  @Post('reset-password')
  @HttpCode(HttpStatus.OK)
  @RateLimit(10, 3600, 'ip')
  @ApiOperation({ summary: 'A6 — Nouveau mot de passe avec le jeton reçu (1 h, usage unique)' })
  @ApiOkResponse({ type: MessageDto })
  resetPassword(@Body() dto: ResetPasswordDto): Promise<MessageDto> {
    return this.auth.resetPassword(dto.token, dto.newPassword);
  }

  @Public()
  @Post('verify-email')
  @HttpCode(HttpStatus.OK)
  @RateLimit(20, 3600, 'ip')
  @ApiOperation({ summary: 'A7 — Vérifier l’adresse e-mail (jeton valable 24 h)' })
  @ApiOkResponse({ type: VerifyEmailResponseDto })
  @ApiConflictResponse({ description: 'INVITATION_PENDING (an invited account is activated by its invitation only)' })
  verifyEmail(@Body() dto: TokenDto): Promise<VerifyEmailResponseDto> {
    return this.auth.verifyEmail(dto.token);
  }

  @Public()
  @Post('resend-verification')
  @HttpCode(HttpStatus.OK)
  @RateLimit(3, 3600, 'email')
  @ApiOperation({ summary: 'A8 — Renvoyer l’e-mail de vérification (réponse générique; 3 / h / e-mail)' })
  @ApiOkResponse({ type: MessageDto })
  resendVerification(@Body() dto: EmailDto): Promise<MessageDto> {
    return this.auth.resendVerification(dto.email);
  }

  @ApiBearerAuth()
  @Post('2fa/setup')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'A9 — Préparer la 2FA : secret, QR code, 10 codes de secours (rien n’est actif)' })
  @ApiOkResponse({ type: TwoFactorSetupDto })
  @ApiConflictResponse({ description: 'MFA_ALREADY_ENABLED' })
  setupTwoFactor(@CurrentUser() me: Identity): Promise<TwoFactorSetupDto> {
    return this.auth.setupTwoFactor(me);
  }

  @ApiBearerAuth()
  @Post('2fa/verify')
  @HttpCode(HttpStatus.OK)
  @RateLimit(5, 15 * 60, 'user')
  @ApiOperation({ summary: 'A10 — Activer la 2FA avec un premier code TOTP' })
  @ApiOkResponse({ type: TwoFactorStatusDto })
  verifyTwoFactor(@CurrentUser() me: Identity, @Body() dto: TotpCodeDto): Promise<TwoFactorStatusDto> {
    return this.auth.enableTwoFactor(me, dto.code);
  }

  @ApiBearerAuth()
  @Post('2fa/disable')
  @HttpCode(HttpStatus.OK)
  @RateLimit(5, 15 * 60, 'user')
  @ApiOperation({ summary: 'A11 — Désactiver la 2FA (mot de passe + code)' })
  @ApiOkResponse({ type: MessageDto })
  disableTwoFactor(@CurrentUser() me: Identity, @Body() dto: DisableTwoFactorDto): Promise<MessageDto> {
    return this.auth.disableTwoFactor(me, dto.password, dto.code);
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOperation({ summary: 'A12 — Utilisateur courant' })
  @ApiOkResponse({ type: MeDto })
  getMe(@CurrentUser() me: Identity): Promise<MeDto> {
    return this.auth.me(me);
  }
}
