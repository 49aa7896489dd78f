import { Injectable } from '@nestjs/common';
import type { Role } from '@prisma/client';
import type { Namespace, Socket } from 'socket.io';
import { AccessTokenService } from '../../common/auth/access-token.service.js';
import { IdentityResolver } from '../../common/auth/identity-resolver.service.js';
import type { Identity } from '../../common/context/request-context.js';

export interface AuthedSocketData {
  identity: Identity;
  /** `iat` of the handshake token: sockets are re-checked against later password changes (presence heartbeat). */
  tokenIssuedAt: number;
}

/** Runs for every socket accepted on a guarded namespace (presence, …), on the instance holding it. */
export type ConnectionHook = (socket: Socket, namespace: Namespace) => void;

class SocketAuthError extends Error {
  readonly data: { code: string; message: string };
  constructor(code: string, message: string) {
    super(message);
    this.data = { code, message };
  }
}

/** `auth.token`, or for non-browser clients an `Authorization: Bearer <token>` handshake header. */
function handshakeToken(socket: Socket): unknown {
  const token = socket.handshake.auth?.token;
  if (token !== undefined) return token;
  const [scheme, value] = (socket.handshake.headers.authorization ?? '').split(' ');
  return scheme?.toLowerCase() === 'bearer' && value ? value : undefined;
}

/**
 * Handshake authentication for every namespace: `auth.token` (or the Bearer header) is an access token checked by the same
 * code as HTTP. A refused connection gets `connect_error` with `{ code, message }` in `err.data`.
 */
@Injectable()
export class SocketAuthService {
  private readonly hooks: ConnectionHook[] = [];

  constructor(
    private readonly tokens: AccessTokenService,
    private readonly identities: IdentityResolver,
  ) {}

  /** Registers `hook` for every namespace that uses guard() (installed before or after). */
  onConnection(hook: ConnectionHook): void {
    this.hooks.push(hook);
  }

  /** Installs the handshake check on `namespace`; `allowed` restricts roles (e.g. no admins on /chat). */
  guard(namespace: Namespace, allowed?: Role[]): void {
    namespace.on('connection', (socket: Socket) => {
      for (const hook of this.hooks) hook(socket, namespace);
    });
    namespace.use((socket: Socket, next) => {
      this.authenticate(handshakeToken(socket))
        .then(({ identity, iat }) => {
          if (allowed && !allowed.includes(identity.role)) {
            return next(new SocketAuthError('FORBIDDEN', 'Rôle non autorisé sur cet espace'));
          }
          Object.assign(socket.data as AuthedSocketData, { identity, tokenIssuedAt: iat });
          socket.join(`user:${identity.userId}`);
          next();
        })
        .catch((e: SocketAuthError) => next(e instanceof SocketAuthError ? e : new SocketAuthError('UNAUTHORIZED', 'Authentification requise')));
    });
  }

  private async authenticate(token: unknown): Promise<{ identity: Identity; iat: number }> {
    if (typeof token !== 'string' || !token) throw new SocketAuthError('UNAUTHORIZED', 'Jeton manquant');
    let payload;
    try {
      payload = this.tokens.verifyAccess(token);
    } catch {
      throw new SocketAuthError('UNAUTHORIZED', 'Jeton invalide ou expiré');
    }
    // read afresh: a socket cut off by a password change or deactivation on another instance must not get
    // back in on this instance's cached identity (one query per handshake, not per event)
    this.identities.forget(payload.sub);
    const identity = await this.identities.resolve(payload.sub, payload.iat);
    if (identity === 'COMPANY_INACTIVE') throw new SocketAuthError('COMPANY_INACTIVE', "L'accès de votre entreprise est suspendu");
    if (!identity) throw new SocketAuthError('UNAUTHORIZED', 'Session invalide');
    return { identity, iat: payload.iat };
  }
}
