import { ErrorCode } from '../../common/errors/error-codes.js';
import { AppException } from '../../common/errors/app.exception.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_SDP = 100_000;

export interface SessionDescription {
  type: 'offer' | 'answer';
  sdp: string;
}
export interface IceCandidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
  usernameFragment: string | null;
}

function invalid(field: string, message: string): never {
  throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, `${field} : ${message}`, [{ field, message }]);
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid(field, 'objet attendu');
  return v as Record<string, unknown>;
}

function only(o: Record<string, unknown>, allowed: string[], field = 'payload'): void {
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  if (extra) invalid(field === 'payload' ? extra : `${field}.${extra}`, 'champ inconnu');
}

/** `{ consultationId }` (plus `calleeId` on call:initiate, accepted and ignored: the server derives the callee). */
export function consultationPayload(v: unknown, extra: string[] = []): { consultationId: string } {
  const o = object(v, 'payload');
  only(o, ['consultationId', ...extra]);
  if (typeof o.consultationId !== 'string' || !UUID.test(o.consultationId)) invalid('consultationId', 'uuid attendu');
  return { consultationId: o.consultationId };
}

/** `{ consultationId, offer|answer: { type, sdp } }`, rebuilt field by field: only these are relayed. */
export function descriptionPayload(v: unknown, field: 'offer' | 'answer'): { consultationId: string; description: SessionDescription } {
  const { consultationId } = consultationPayload(v, [field]);
  const d = object((v as Record<string, unknown>)[field], field);
  only(d, ['type', 'sdp'], field);
  if (d.type !== field) invalid(`${field}.type`, `"${field}" attendu`);
  if (typeof d.sdp !== 'string' || !d.sdp || d.sdp.length > MAX_SDP) invalid(`${field}.sdp`, `texte non vide de ${MAX_SDP} caractères au plus`);
  return { consultationId, description: { type: field, sdp: d.sdp } };
}

/** `{ consultationId, candidate: RTCIceCandidateInit }`, rebuilt field by field. */
export function candidatePayload(v: unknown): { consultationId: string; candidate: IceCandidate } {
  const { consultationId } = consultationPayload(v, ['candidate']);
  const c = object((v as Record<string, unknown>).candidate, 'candidate');
  only(c, ['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment'], 'candidate');
  if (typeof c.candidate !== 'string' || c.candidate.length > 2000) invalid('candidate.candidate', 'texte de 2000 caractères au plus');
  const optString = (k: string, max: number): string | null => {
    const x = c[k];
    if (x === undefined || x === null) return null;
    if (typeof x !== 'string' || x.length > max) invalid(`candidate.${k}`, `texte de ${max} caractères au plus`);
    return x;
  };
  const idx = c.sdpMLineIndex;
  if (idx !== undefined && idx !== null && !(Number.isInteger(idx) && (idx as number) >= 0 && (idx as number) <= 65535)) {
    invalid('candidate.sdpMLineIndex', 'entier de 0 à 65535 attendu');
  }
  return {
    consultationId,
    candidate: { candidate: c.candidate, sdpMid: optString('sdpMid', 64), sdpMLineIndex: (idx as number | null | undefined) ?? null, usernameFragment: optString('usernameFragment', 256) },
  };
}
