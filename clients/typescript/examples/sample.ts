/**
 * A strictly typed tour of the API as a frontend would use it: log in, search a practitioner, read slots,
 * book, open the room, read notifications, upload an avatar. Type-checked with `tsc --strict` and run
 * against the real app by test/contract/client-sample.e2e-spec.ts.
 */
import { createHuntZenClient, type ApiError, type ErrorCode, type Schema } from '../src/index.js';

export interface SampleInput {
  baseUrl: string;
  email: string;
  password: string;
  /** A PNG or JPEG to upload as avatar. */
  avatar: Blob;
}

export interface SampleResult {
  userRole: Schema<'Role'>;
  practitionerId: string;
  slotStart: string;
  consultationId: string;
  status: Schema<'ConsultationStatus'>;
  roomFormat: Schema<'ConsultationFormat'>;
  unreadNotifications: number;
  avatarUrl: string;
  /** The code of a deliberately bad booking (a slot in the past). */
  pastSlotError: ErrorCode;
}

function fail(step: string, error: ApiError | undefined, status: number): never {
  throw new Error(`${step}: HTTP ${status} ${error?.error.code ?? ''} ${error?.message ?? ''}`);
}

export async function runSample({ baseUrl, email, password, avatar }: SampleInput): Promise<SampleResult> {
  let token: string | undefined;
  const api = createHuntZenClient({ baseUrl, accessToken: () => token });

  const login = await api.POST('/api/auth/login', { body: { email, password } });
  if (!login.data) fail('login', login.error, login.response.status);
  token = login.data.accessToken;

  const me = await api.GET('/api/auth/me');
  if (!me.data) fail('me', me.error, me.response.status);

  const search = await api.GET('/api/practitioners/search', { params: { query: { format: 'VIDEO', sort: 'nextAvailable', limit: 5 } } });
  if (!search.data) fail('search', search.error, search.response.status);
  const practitioner = search.data.practitioners.find((p) => p.nextAvailableSlot !== null);
  if (!practitioner) throw new Error('search: no practitioner with a free slot');

  const from = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const slots = await api.GET('/api/availability/slots', { params: { query: { practitionerId: practitioner.id, from, to: from } } });
  if (!slots.data) fail('slots', slots.error, slots.response.status);
  const slot = slots.data.slots.find((s) => s.available);
  if (!slot) throw new Error('slots: none available');

  const past = await api.POST('/api/consultations', {
    body: { practitionerId: practitioner.id, scheduledAt: '2020-01-06T09:00:00.000Z', format: 'VIDEO' },
  });
  if (!past.error) throw new Error('booking in the past was accepted');

  const booked = await api.POST('/api/consultations', {
    body: { practitionerId: practitioner.id, scheduledAt: slot.startTime, format: 'VIDEO' },
    headers: { 'Idempotency-Key': `sample-${slot.startTime}` },
  });
  if (!booked.data) fail('book', booked.error, booked.response.status);
  const consultation = booked.data.consultation;

  // the room opens 15 minutes before the start: a booking two days ahead answers 403 TOO_EARLY_TO_JOIN
  const room = await api.GET('/api/consultations/{id}/room', { params: { path: { id: consultation.id } } });
  const roomFormat: Schema<'ConsultationFormat'> = room.data ? room.data.format : consultation.format;
  if (room.error && room.error.error.code !== 'TOO_EARLY_TO_JOIN') fail('room', room.error, room.response.status);

  const mine = await api.GET('/api/consultations/mine', { params: { query: { from, to: from } } });
  if (!mine.data?.consultations.some((c) => c.id === consultation.id)) throw new Error('mine: the booking is missing');

  const notifications = await api.GET('/api/notifications', { params: { query: { unread: true } } });
  if (!notifications.data) fail('notifications', notifications.error, notifications.response.status);

  const upload = await api.POST('/api/employees/me/upload-avatar', {
    body: { file: avatar },
    bodySerializer(body) {
      const form = new FormData();
      form.append('file', body.file, 'avatar.png');
      return form;
    },
  });
  if (!upload.data) fail('upload', upload.error, upload.response.status);

  return {
    userRole: me.data.role,
    practitionerId: practitioner.id,
    slotStart: slot.startTime,
    consultationId: consultation.id,
    status: consultation.status,
    roomFormat,
    unreadNotifications: notifications.data.unreadCount,
    avatarUrl: upload.data.url,
    pastSlotError: past.error.error.code,
  };
}
