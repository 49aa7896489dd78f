import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

/**
 * SPEC §7.2: at least 8 characters with an upper-case letter, a lower-case letter, a digit and a special
 * character. Any printable special character counts (SPEC §11 S12); 128 characters at most so a huge
 * body cannot make hashing a denial of service.
 */
export function IsStrongPassword() {
  return applyDecorators(
    ApiProperty({ example: 'Str0ng!Passw0rd', minLength: 8, maxLength: 128, description: '≥ 8 caractères, majuscule, minuscule, chiffre et caractère spécial' }),
    IsString(),
    MinLength(8, { message: 'le mot de passe doit contenir au moins 8 caractères' }),
    MaxLength(128, { message: 'le mot de passe doit contenir au plus 128 caractères' }),
    Matches(/[A-Z]/, { message: 'le mot de passe doit contenir une majuscule' }),
    Matches(/[a-z]/, { message: 'le mot de passe doit contenir une minuscule' }),
    Matches(/[0-9]/, { message: 'le mot de passe doit contenir un chiffre' }),
    Matches(/[^A-Za-z0-9]/, { message: 'le mot de passe doit contenir un caractère spécial' }),
  );
}
