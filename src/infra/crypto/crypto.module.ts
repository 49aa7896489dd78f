import { Global, Module } from '@nestjs/common';
import { EnvelopeCrypto } from './envelope-crypto.service.js';

@Global()
@Module({ providers: [EnvelopeCrypto], exports: [EnvelopeCrypto] })
export class CryptoModule {}
