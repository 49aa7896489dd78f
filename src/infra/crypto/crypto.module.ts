import { Global, Module } from '@nestjs/common';
import { EnvelopeCrypto } from './envelope-crypto.service.js';
import { SubjectKeys } from './subject-keys.service.js';

@Global()
@Module({ providers: [EnvelopeCrypto, SubjectKeys], exports: [EnvelopeCrypto, SubjectKeys] })
export class CryptoModule {}
