import type { Availability, Practitioner, PractitionerDocument } from '@prisma/client';
import type { Slot } from '../availability/slot-engine.js';
import type {
  AdminPractitionerDto,
  PendingPractitionerDto,
  PractitionerCardDto,
  PractitionerProfileDto,
  RecurringAvailabilityDto,
  SelfPractitionerDto,
} from './dto/practitioner-output.dto.js';

const SHORT_BIO = 200;

/** At most 200 characters, cut on a word when possible, with an ellipsis when cut. */
export function shortBio(bio: string): string {
  const flat = bio.replace(/\s+/g, ' ').trim();
  if (flat.length <= SHORT_BIO) return flat;
  const cut = flat.slice(0, SHORT_BIO - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > SHORT_BIO / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

type Base = Pick<
  Practitioner,
  | 'id'
  | 'firstName'
  | 'lastName'
  | 'title'
  | 'specialty'
  | 'subSpecialties'
  | 'languages'
  | 'avatarUrl'
  | 'averageRating'
  | 'reviewCount'
  | 'experience'
  | 'offersVideo'
  | 'offersPhone'
  | 'offersInPerson'
  | 'isAcceptingNewClients'
>;

function base(p: Base) {
  return {
    id: p.id,
    firstName: p.firstName,
    lastName: p.lastName,
    title: p.title,
    specialty: p.specialty,
    subSpecialties: p.subSpecialties,
    languages: p.languages,
    avatarUrl: p.avatarUrl,
    averageRating: p.averageRating,
    reviewCount: p.reviewCount,
    experience: p.experience,
    offersVideo: p.offersVideo,
    offersPhone: p.offersPhone,
    offersInPerson: p.offersInPerson,
    isAcceptingNewClients: p.isAcceptingNewClients,
  };
}

export function toCard(p: Base & Pick<Practitioner, 'bio'>, next: Slot | null | undefined): PractitionerCardDto {
  return { ...base(p), shortBio: shortBio(p.bio), nextAvailableSlot: next ? next.start.toISOString() : null };
}

export function toRecurring(rules: Pick<Availability, 'dayOfWeek' | 'startTime' | 'endTime' | 'slotDuration'>[]): RecurringAvailabilityDto[] {
  return rules.map((r) => ({ dayOfWeek: r.dayOfWeek!, startTime: r.startTime!, endTime: r.endTime!, slotDuration: r.slotDuration }));
}

export function toProfile(p: Practitioner, recurring: RecurringAvailabilityDto[], next: Slot | null | undefined, forAdmin: boolean): PractitionerProfileDto {
  return {
    ...base(p),
    bio: p.bio,
    education: p.education,
    diplomas: p.diplomas,
    certifications: p.certifications,
    coverUrl: p.coverUrl,
    videoUrl: p.videoUrl,
    inPersonAddress: p.offersInPerson ? p.inPersonAddress : null,
    timezone: p.timezone,
    defaultDuration: p.defaultDuration,
    availability: { recurring, nextAvailableSlot: next ? next.start.toISOString() : null },
    ...(forAdmin ? { professionalId: p.professionalId, isValidated: p.isValidated, isActive: p.isActive, documentsVerified: p.documentsVerified } : {}),
  };
}

export function toSelf(p: Practitioner & { user: { email: string } }): SelfPractitionerDto {
  return {
    ...base(p),
    email: p.user.email,
    professionalId: p.professionalId,
    bio: p.bio,
    education: p.education,
    diplomas: p.diplomas,
    certifications: p.certifications,
    coverUrl: p.coverUrl,
    videoUrl: p.videoUrl,
    inPersonAddress: p.inPersonAddress,
    defaultDuration: p.defaultDuration,
    bufferTime: p.bufferTime,
    timezone: p.timezone,
    isValidated: p.isValidated,
    validatedAt: p.validatedAt,
    documentsVerified: p.documentsVerified,
    isActive: p.isActive,
    totalConsultations: p.totalConsultations,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

export type AdminRow = Practitioner & { user: { email: string; isActive: boolean; deletedAt: Date | null } };

export function toAdmin(p: AdminRow): AdminPractitionerDto {
  return { ...toSelf(p), userId: p.userId, accountActive: p.user.isActive && !p.user.deletedAt, validatedBy: p.validatedBy };
}

export function toPending(p: AdminRow & { documents: PractitionerDocument[] }): PendingPractitionerDto {
  return {
    ...toAdmin(p),
    documents: p.documents.map((d) => ({
      id: d.id,
      type: d.type,
      status: d.status,
      fileId: d.fileId,
      createdAt: d.createdAt,
      reviewedAt: d.reviewedAt,
      rejectionReason: d.rejectionReason,
    })),
  };
}
