import { layout, type MailAttachment, type RenderOptions } from './layout.js';

/**
 * Consultation e-mails. The recipient's mailbox is often a work address the employer can read, so
 * these mails say WHEN and HOW, never WITH WHOM or WHY: no practitioner name or specialty, no employee
 * name, no reason (the more restrictive reading of SPEC §8.2 "no health details"). Details are in the app.
 * Calendar invitations go only to recipients who opted in (corporate servers add them to a calendar the
 * employer may see), and even then say nothing but "Rendez-vous", the time and the app's address.
 */
type Format = 'VIDEO' | 'AUDIO' | 'IN_PERSON';

interface When {
  consultationId: string;
  startsAt: string; // ISO
  endsAt: string; // ISO
  format: Format;
  link: string;
  timeZone?: string;
}

const FORMAT_FR: Record<Format, string> = { VIDEO: 'en visio', AUDIO: 'par téléphone (audio)', IN_PERSON: 'en présentiel' };

export function frenchDateTime(iso: string, timeZone = 'Europe/Paris'): string {
  const text = new Intl.DateTimeFormat('fr-FR', { timeZone, dateStyle: 'full', timeStyle: 'short' }).format(new Date(iso));
  return `${text} (${timeZone === 'Europe/Paris' ? 'heure de Paris' : timeZone})`;
}

function icsText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

function icsDate(iso: string): string {
  return new Date(iso).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * A neutral iCalendar (RFC 5545) invitation: title "Rendez-vous", no description, no product or
 * consultation wording, location = the app's address only (not the consultation's path). The same UID
 * with a higher SEQUENCE updates or cancels it.
 */
export function icsInvite(w: When, opts: { sequence: number; cancel?: boolean }): MailAttachment {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Rendez-vous//FR',
    'CALSCALE:GREGORIAN',
    `METHOD:${opts.cancel ? 'CANCEL' : 'REQUEST'}`,
    'BEGIN:VEVENT',
    `UID:${w.consultationId}`,
    `SEQUENCE:${opts.sequence}`,
    `DTSTAMP:${icsDate(new Date().toISOString())}`,
    `DTSTART:${icsDate(w.startsAt)}`,
    `DTEND:${icsDate(w.endsAt)}`,
    'SUMMARY:Rendez-vous',
    `LOCATION:${icsText(new URL(w.link).origin)}`,
    `STATUS:${opts.cancel ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return { filename: 'rendez-vous.ics', content: lines.join('\r\n') + '\r\n', contentType: `text/calendar; charset=utf-8; method=${opts.cancel ? 'CANCEL' : 'REQUEST'}` };
}

/** The invitation, for a recipient who opted in; nothing otherwise. */
function invitation(w: When, o: RenderOptions, opts: { sequence: number; cancel?: boolean }): { attachments?: MailAttachment[] } {
  return o.calendarInvite ? { attachments: [icsInvite(w, opts)] } : {};
}

export const consultationTemplates = {
  'consultation-booked-employee': (d: When & { cancellationHours: number }, o: RenderOptions = {}) => ({
    ...layout(
      'Votre consultation est réservée',
      [
        `Votre consultation ${FORMAT_FR[d.format]} est réservée le ${frenchDateTime(d.startsAt, d.timeZone)}.`,
        `Annulation ou report sans formalité jusqu'à ${d.cancellationHours} h avant le rendez-vous ; au-delà, une confirmation vous sera demandée.`,
        o.calendarInvite ? "L'invitation de calendrier (« Rendez-vous ») est jointe à ce message." : '',
      ].filter(Boolean),
      { label: 'Voir ma consultation', link: d.link },
    ),
    ...invitation(d, o, { sequence: 0 }),
  }),
  'consultation-requested-practitioner': (d: When) =>
    layout('Nouvelle demande de consultation', [`Une nouvelle consultation ${FORMAT_FR[d.format]} a été réservée le ${frenchDateTime(d.startsAt, d.timeZone)}.`, 'Confirmez-la depuis votre agenda.'], {
      label: 'Ouvrir mon agenda',
      link: d.link,
    }),
  'consultation-confirmed': (d: When) =>
    layout('Votre consultation est confirmée', [`Votre consultation du ${frenchDateTime(d.startsAt, d.timeZone)} est confirmée.`], { label: 'Voir ma consultation', link: d.link }),
  'consultation-cancelled': (d: When & { sequence: number }, o: RenderOptions = {}) => ({
    ...layout('Consultation annulée', [`La consultation du ${frenchDateTime(d.startsAt, d.timeZone)} a été annulée.`], { label: 'Ouvrir HuntZen Care', link: d.link }),
    ...invitation(d, o, { sequence: d.sequence, cancel: true }),
  }),
  'consultation-rescheduled': (d: When & { previousStartsAt: string; sequence: number }, o: RenderOptions = {}) => ({
    ...layout(
      'Consultation déplacée',
      [`La consultation prévue le ${frenchDateTime(d.previousStartsAt, d.timeZone)} est déplacée au ${frenchDateTime(d.startsAt, d.timeZone)}.`],
      { label: 'Voir la consultation', link: d.link },
    ),
    ...invitation(d, o, { sequence: d.sequence }),
  }),
  'consultation-reminder': (d: When & { hoursBefore: 24 | 1 }) =>
    layout(
      d.hoursBefore === 24 ? 'Rappel : consultation demain' : 'Rappel : consultation dans une heure',
      [`Votre consultation ${FORMAT_FR[d.format]} commence le ${frenchDateTime(d.startsAt, d.timeZone)}.`, d.format === 'IN_PERSON' ? '' : "L'accès à la salle ouvre 15 minutes avant le début."].filter(Boolean),
      { label: 'Ouvrir la consultation', link: d.link },
    ),
};
