import { NotificationType, Role } from '@prisma/client';
import { ErrorCode } from '../errors/error-codes.js';

/*
 * AsyncAPI 2.6 description of the Socket.IO events (SPEC §5, W1–W27), served at /api/docs-asyncapi.json and
 * validated by test/contract/asyncapi.e2e-spec.ts with @asyncapi/parser. One channel per namespace; in
 * AsyncAPI 2 terms `publish` is what the client emits and `subscribe` what it receives. Socket.IO
 * acknowledgements have no AsyncAPI 2 keyword: each client event gives its ack schema in `x-ack`
 * (`{ ok: true, … }` or `{ ok: false, error: { code, message } }`, issue 7). Error codes are the REST ones
 * (ErrorCode, one source of truth).
 */

type Json = Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const msgRef = (name: string) => ({ $ref: `#/components/messages/${name}` });
const uuid = { type: 'string', format: 'uuid' };
const consultationOnly = { type: 'object', required: ['consultationId'], additionalProperties: false, properties: { consultationId: uuid } };

/** An ack that is `{ ok: true, …extra }` on success, the error ack otherwise. */
function ack(extra: Record<string, Json> = {}, required: string[] = []): Json {
  return {
    oneOf: [
      { type: 'object', required: ['ok', ...required], properties: { ok: { type: 'boolean', const: true }, ...extra } },
      ref('AckError'),
    ],
  };
}

function message(event: string, summary: string, payload: Json, ackSchema?: Json): Json {
  return { name: event, title: event, summary, contentType: 'application/json', payload, ...(ackSchema ? { 'x-ack': ackSchema } : {}) };
}

const messages: Record<string, Json> = {
  // /chat, client → server (W1–W5)
  ChatJoin: message('chat:join', 'W1 — Rejoindre la salle d’une consultation (participants uniquement) ; le serveur répond par chat:history', consultationOnly, ack()),
  ChatLeave: message('chat:leave', 'W2 — Quitter la salle', consultationOnly, ack()),
  ChatSend: message(
    'chat:message',
    'W3 — Envoyer un message (expéditeur tiré du jeton ; chiffré et enregistré avant diffusion)',
    {
      type: 'object',
      required: ['consultationId', 'content'],
      additionalProperties: false,
      properties: { consultationId: uuid, content: { type: 'string', minLength: 1, maxLength: 5000 }, attachmentUrl: { type: 'string', example: '/api/files/6f1c…' } },
    },
    ack({ messageId: uuid }, ['messageId']),
  ),
  ChatTypingSend: message(
    'chat:typing',
    'W4 — Indicateur de saisie (jamais enregistré)',
    { type: 'object', required: ['consultationId', 'isTyping'], additionalProperties: false, properties: { consultationId: uuid, isTyping: { type: 'boolean' } } },
    ack(),
  ),
  ChatRead: message('chat:read', 'W5 — Marquer un message comme lu (destinataire uniquement)', { type: 'object', required: ['messageId'], additionalProperties: false, properties: { messageId: uuid } }, ack()),
  // /chat, server → client (W6–W10, W26)
  ChatHistory: message('chat:history', 'W6 — Les 50 derniers messages (déchiffrés, du plus ancien au plus récent), après chat:join', { type: 'array', items: ref('ChatMessage') }),
  ChatReceived: message('chat:message:received', 'W7 — Nouveau message dans la salle', ref('ChatMessage')),
  ChatTypingReceived: message('chat:typing', 'W8 — L’autre participant écrit', {
    type: 'object',
    required: ['userId', 'isTyping'],
    properties: { userId: uuid, isTyping: { type: 'boolean' } },
  }),
  ChatMessageRead: message('chat:message:read', 'W9 — Accusé de lecture', {
    type: 'object',
    required: ['messageId', 'readBy', 'readAt'],
    properties: { messageId: uuid, readBy: uuid, readAt: { type: 'string', format: 'date-time' } },
  }),
  ChatError: message('chat:error', 'W10 — Erreur (même enveloppe que les acquittements en erreur)', ref('SocketError')),
  PresenceUpdate: message('presence:update', 'W26 — Présence d’un utilisateur qui partage une consultation avec moi', {
    type: 'object',
    required: ['userId', 'status'],
    properties: { userId: uuid, status: { type: 'string', enum: ['online', 'offline'] } },
  }),
  // /audio-call, client → server (W11–W17)
  CallInitiate: message(
    'call:initiate',
    'W11 — Appeler (l’appelé est déduit de la consultation ; participant, format AUDIO, fenêtre ouverte)',
    { type: 'object', required: ['consultationId'], properties: { consultationId: uuid, calleeId: { ...uuid, description: 'Ignoré : le serveur déduit l’appelé' } } },
    ack({ status: { type: 'string', const: 'calling' } }, ['status']),
  ),
  CallAccept: message('call:accept', 'W12 — Accepter l’appel', consultationOnly, ack({ status: { type: 'string', const: 'accepted' } }, ['status'])),
  CallReject: message('call:reject', 'W13 — Refuser l’appel', consultationOnly, ack()),
  CallEnd: message('call:end', 'W14 — Raccrocher', consultationOnly, ack()),
  OfferSend: message('webrtc:offer', 'W15 — Offre SDP (après call:accepted uniquement)', ref('WebRtcOffer'), ack()),
  AnswerSend: message('webrtc:answer', 'W16 — Réponse SDP', ref('WebRtcAnswer'), ack()),
  IceSend: message('webrtc:ice-candidate', 'W17 — Candidat ICE', ref('WebRtcIceCandidate'), ack()),
  // /audio-call, server → client (W18–W24)
  CallIncoming: message('call:incoming', 'W18 — Appel entrant', { type: 'object', required: ['consultationId', 'callerId'], properties: { consultationId: uuid, callerId: uuid } }),
  CallAccepted: message('call:accepted', 'W19 — L’appelé a accepté : envoyer l’offre', { type: 'object', required: ['consultationId', 'calleeId'], properties: { consultationId: uuid, calleeId: uuid } }),
  CallRejected: message('call:rejected', 'W20 — L’appelé a refusé', consultationOnly),
  CallEnded: message('call:ended', 'W21 — L’autre partie a raccroché ou s’est déconnectée', consultationOnly),
  OfferReceived: message('webrtc:offer', 'W22 — Offre SDP relayée', ref('WebRtcOffer')),
  AnswerReceived: message('webrtc:answer', 'W23 — Réponse SDP relayée', ref('WebRtcAnswer')),
  IceReceived: message('webrtc:ice-candidate', 'W24 — Candidat ICE relayé', ref('WebRtcIceCandidate')),
  // /notifications (W25) and every namespace (W27)
  NotificationNew: message('notification:new', 'W25 — Nouvelle notification (jamais de contenu de santé)', ref('NotificationPush')),
  SocketErrorEvent: message('error', 'W27 — Erreur d’authentification ou d’autorisation', ref('SocketError')),
};

const schemas: Record<string, Json> = {
  ErrorCode: { type: 'string', enum: Object.values(ErrorCode) },
  Role: { type: 'string', enum: Object.values(Role) },
  NotificationType: { type: 'string', enum: Object.values(NotificationType) },
  SocketError: { type: 'object', required: ['code', 'message'], properties: { code: ref('ErrorCode'), message: { type: 'string' } } },
  AckError: {
    type: 'object',
    required: ['ok', 'error'],
    properties: {
      ok: { type: 'boolean', const: false },
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: ref('ErrorCode'),
          message: { type: 'string' },
          details: { type: 'array', items: { type: 'object', required: ['message'], properties: { field: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
  },
  ChatMessage: {
    type: 'object',
    required: ['id', 'consultationId', 'senderId', 'senderRole', 'content', 'createdAt', 'sender'],
    properties: {
      id: uuid,
      consultationId: uuid,
      senderId: { ...uuid, description: 'Identifiant utilisateur (User), jamais un identifiant de profil' },
      senderRole: ref('Role'),
      content: { type: 'string', description: 'Déchiffré côté serveur' },
      attachmentUrl: { type: ['string', 'null'] },
      attachmentName: { type: ['string', 'null'] },
      attachmentType: { type: ['string', 'null'] },
      isRead: { type: 'boolean' },
      readAt: { type: ['string', 'null'], format: 'date-time' },
      createdAt: { type: 'string', format: 'date-time' },
      sender: {
        type: 'object',
        required: ['firstName', 'lastName'],
        properties: { firstName: { type: 'string' }, lastName: { type: 'string' }, avatarUrl: { type: ['string', 'null'] } },
      },
    },
  },
  WebRtcOffer: {
    type: 'object',
    required: ['consultationId', 'offer'],
    properties: { consultationId: uuid, offer: ref('RtcSessionDescription') },
  },
  WebRtcAnswer: {
    type: 'object',
    required: ['consultationId', 'answer'],
    properties: { consultationId: uuid, answer: ref('RtcSessionDescription') },
  },
  RtcSessionDescription: {
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string', enum: ['offer', 'answer', 'pranswer', 'rollback'] }, sdp: { type: 'string' } },
  },
  WebRtcIceCandidate: {
    type: 'object',
    required: ['consultationId', 'candidate'],
    properties: {
      consultationId: uuid,
      candidate: {
        type: 'object',
        properties: {
          candidate: { type: 'string' },
          sdpMid: { type: ['string', 'null'] },
          sdpMLineIndex: { type: ['integer', 'null'] },
          usernameFragment: { type: ['string', 'null'] },
        },
      },
    },
  },
  NotificationPush: {
    type: 'object',
    required: ['id', 'type', 'title', 'message', 'linkUrl', 'createdAt'],
    properties: {
      id: uuid,
      type: ref('NotificationType'),
      title: { type: 'string' },
      message: { type: 'string', description: 'Texte générique : jamais de contenu de santé' },
      linkUrl: { type: ['string', 'null'] },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
};

const oneOf = (...names: string[]) => ({ oneOf: names.map(msgRef) });

export function buildAsyncApiDocument(): Json {
  return {
    asyncapi: '2.6.0',
    id: 'urn:huntzen:care:realtime',
    info: {
      title: 'HuntZen Care — temps réel (Socket.IO)',
      version: '1.0.0',
      description:
        'Événements Socket.IO 4 (SPEC §5). Un serveur sur WS_PORT (3001), chemin de transport `/socket.io/`, un espace de noms par canal. ' +
        'Poignée de main : `auth: { token: <jeton d’accès> }` (ou en-tête `Authorization: Bearer`) ; refus : `connect_error` avec `err.data = { code, message }`. ' +
        'Chaque socket rejoint `user:<userId>`. Les rôles administrateurs sont refusés sur /chat et /audio-call. ' +
        'Chaque événement client est acquitté `{ ok: true, … }` ou `{ ok: false, error: { code, message } }` (schéma dans `x-ack`).',
    },
    servers: {
      api: {
        url: 'localhost:3001',
        protocol: 'ws',
        description: 'Socket.IO (transport websocket ou polling via /socket.io/)',
        security: [{ accessToken: [] }],
      },
    },
    defaultContentType: 'application/json',
    channels: {
      '/chat': {
        description: 'Messagerie d’une consultation (salle `consultation:<id>`), saisie, accusés de lecture, présence',
        publish: { operationId: 'emitChatEvent', summary: 'Événements émis par le client', message: oneOf('ChatJoin', 'ChatLeave', 'ChatSend', 'ChatTypingSend', 'ChatRead') },
        subscribe: {
          operationId: 'onChatEvent',
          summary: 'Événements reçus par le client',
          message: oneOf('ChatHistory', 'ChatReceived', 'ChatTypingReceived', 'ChatMessageRead', 'ChatError', 'PresenceUpdate', 'SocketErrorEvent'),
        },
      },
      '/audio-call': {
        description: 'Signalisation WebRTC d’une consultation audio (l’audio passe de pair à pair, jamais par le serveur)',
        publish: {
          operationId: 'emitCallEvent',
          summary: 'Événements émis par le client',
          message: oneOf('CallInitiate', 'CallAccept', 'CallReject', 'CallEnd', 'OfferSend', 'AnswerSend', 'IceSend'),
        },
        subscribe: {
          operationId: 'onCallEvent',
          summary: 'Événements reçus par le client',
          message: oneOf('CallIncoming', 'CallAccepted', 'CallRejected', 'CallEnded', 'OfferReceived', 'AnswerReceived', 'IceReceived', 'SocketErrorEvent'),
        },
      },
      '/notifications': {
        description: 'Notifications poussées à l’utilisateur (salle `user:<userId>`)',
        subscribe: { operationId: 'onNotification', summary: 'Événements reçus par le client', message: oneOf('NotificationNew', 'SocketErrorEvent') },
      },
    },
    components: {
      securitySchemes: {
        accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Le jeton d’accès REST, dans `auth.token` de la poignée de main Socket.IO' },
      },
      schemas,
      messages,
    },
  };
}
