import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ConsultationFormat, DocumentStatus, PractitionerDocumentType, Specialty } from '@prisma/client';
import { SlotDto } from '../../availability/dto/slots.dto.js';
import { PageInfoDto } from '../../../common/pagination/pagination.js';

/** Profile fields everyone allowed to see a practitioner sees. */
class PractitionerBaseDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'Sophie' }) firstName: string;
  @ApiProperty({ example: 'Martin' }) lastName: string;
  @ApiProperty({ example: 'Dr.' }) title: string;
  @ApiProperty({ enum: Specialty }) specialty: Specialty;
  @ApiProperty({ type: [String], example: ['TCC'] }) subSpecialties: string[];
  @ApiProperty({ type: [String], example: ['fr', 'en'] }) languages: string[];
  @ApiProperty({ nullable: true, type: String }) avatarUrl: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 4.6 }) averageRating: number | null;
  @ApiProperty({ example: 12 }) reviewCount: number;
  @ApiProperty({ nullable: true, type: Number, description: "Années d'expérience" }) experience: number | null;
  @ApiProperty() offersVideo: boolean;
  @ApiProperty({ description: 'Format AUDIO' }) offersPhone: boolean;
  @ApiProperty() offersInPerson: boolean;
  @ApiProperty() isAcceptingNewClients: boolean;
}

/** A search result card (PR4). */
export class PractitionerCardDto extends PractitionerBaseDto {
  @ApiProperty({ maxLength: 200, description: 'Début de la présentation (200 caractères au plus)' }) shortBio: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: '2026-12-07T08:00:00.000Z', description: 'Prochain créneau libre (ISO UTC)' })
  nextAvailableSlot: string | null;
}

export class AppliedFiltersDto {
  @ApiPropertyOptional({ enum: Specialty }) specialty?: Specialty;
  @ApiPropertyOptional({ type: [String] }) subSpecialties?: string[];
  @ApiPropertyOptional({ type: [String], description: 'language et languages réunis' }) languages?: string[];
  @ApiPropertyOptional() offersVideo?: boolean;
  @ApiPropertyOptional() offersPhone?: boolean;
  @ApiPropertyOptional() offersInPerson?: boolean;
  @ApiPropertyOptional({ enum: ConsultationFormat }) format?: ConsultationFormat;
  @ApiPropertyOptional() availableWithin?: number;
  @ApiPropertyOptional({ type: Number, format: 'double' }) minRating?: number;
  @ApiPropertyOptional() acceptingNew?: boolean;
  @ApiProperty({ enum: ['relevance', 'rating', 'experience', 'nextAvailable'] }) sort: string;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}

export class PractitionerSearchResponseDto extends PageInfoDto {
  @ApiProperty({ enum: ['search'], enumName: 'PractitionerSearchView', description: 'Discriminant : résultat de recherche (PR4)' }) view: 'search';
  @ApiProperty({ type: [PractitionerCardDto] }) practitioners: PractitionerCardDto[];
  @ApiProperty({ type: AppliedFiltersDto, description: 'La requête normalisée : la réutiliser redonne la même recherche' }) appliedFilters: AppliedFiltersDto;
}

export class RecurringAvailabilityDto {
  @ApiProperty({ minimum: 0, maximum: 6 }) dayOfWeek: number;
  @ApiProperty({ example: '09:00' }) startTime: string;
  @ApiProperty({ example: '12:00' }) endTime: string;
  @ApiProperty({ example: 50 }) slotDuration: number;
}

export class ProfileAvailabilityDto {
  @ApiProperty({ type: [RecurringAvailabilityDto], description: 'Heures locales du praticien' }) recurring: RecurringAvailabilityDto[];
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) nextAvailableSlot: string | null;
}

/** PR10: the public profile. The validation fields and professionalId are filled for ADMIN_HUNTZEN only. */
export class PractitionerProfileDto extends PractitionerBaseDto {
  @ApiProperty() bio: string;
  @ApiProperty({ nullable: true, type: String }) education: string | null;
  @ApiProperty({ type: [String] }) diplomas: string[];
  @ApiProperty({ type: [String] }) certifications: string[];
  @ApiProperty({ nullable: true, type: String }) coverUrl: string | null;
  @ApiProperty({ nullable: true, type: String }) videoUrl: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Seulement si offersInPerson' }) inPersonAddress: string | null;
  @ApiProperty({ example: 'Europe/Paris' }) timezone: string;
  @ApiProperty({ example: 50 }) defaultDuration: number;
  @ApiProperty({ type: ProfileAvailabilityDto }) availability: ProfileAvailabilityDto;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'ADMIN_HUNTZEN uniquement' }) professionalId?: string | null;
  @ApiPropertyOptional({ description: 'ADMIN_HUNTZEN uniquement' }) isValidated?: boolean;
  @ApiPropertyOptional({ description: 'ADMIN_HUNTZEN uniquement' }) isActive?: boolean;
  @ApiPropertyOptional({ description: 'ADMIN_HUNTZEN uniquement' }) documentsVerified?: boolean;
}

export class PractitionerProfileResponseDto {
  @ApiProperty({ type: PractitionerProfileDto }) practitioner: PractitionerProfileDto;
}

/** PR5/PR6: the practitioner's own, complete profile. */
export class SelfPractitionerDto extends PractitionerBaseDto {
  @ApiProperty() email: string;
  @ApiProperty({ nullable: true, type: String }) professionalId: string | null;
  @ApiProperty() bio: string;
  @ApiProperty({ nullable: true, type: String }) education: string | null;
  @ApiProperty({ type: [String] }) diplomas: string[];
  @ApiProperty({ type: [String] }) certifications: string[];
  @ApiProperty({ nullable: true, type: String }) coverUrl: string | null;
  @ApiProperty({ nullable: true, type: String }) videoUrl: string | null;
  @ApiProperty({ nullable: true, type: String }) inPersonAddress: string | null;
  @ApiProperty({ example: 50 }) defaultDuration: number;
  @ApiProperty({ example: 10 }) bufferTime: number;
  @ApiProperty({ example: 'Europe/Paris' }) timezone: string;
  @ApiProperty() isValidated: boolean;
  @ApiProperty({ nullable: true, type: Date }) validatedAt: Date | null;
  @ApiProperty() documentsVerified: boolean;
  @ApiProperty() isActive: boolean;
  @ApiProperty() totalConsultations: number;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class SelfPractitionerResponseDto {
  @ApiProperty({ type: SelfPractitionerDto }) practitioner: SelfPractitionerDto;
}

/** What ADMIN_HUNTZEN sees (PR1, PR2, PR12, PR13). */
export class AdminPractitionerDto extends SelfPractitionerDto {
  @ApiProperty() userId: string;
  @ApiProperty({ description: "Le compte a été activé (invitation acceptée) et n'est pas désactivé" }) accountActive: boolean;
  @ApiProperty({ nullable: true, type: String, description: "Id utilisateur de l'admin validateur" }) validatedBy: string | null;
}

export class PractitionerDocumentStatusDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: PractitionerDocumentType }) type: PractitionerDocumentType;
  @ApiProperty({ enum: DocumentStatus }) status: DocumentStatus;
  @ApiProperty({ description: 'Téléchargement : GET /api/files/{fileId}' }) fileId: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ nullable: true, type: Date }) reviewedAt: Date | null;
  @ApiProperty({ nullable: true, type: String }) rejectionReason: string | null;
}

export class PendingPractitionerDto extends AdminPractitionerDto {
  @ApiProperty({ type: [PractitionerDocumentStatusDto] }) documents: PractitionerDocumentStatusDto[];
}

export class AdminPractitionerResponseDto {
  @ApiProperty({ type: AdminPractitionerDto }) practitioner: AdminPractitionerDto;
}

export class AdminPractitionerActionResponseDto extends AdminPractitionerResponseDto {
  @ApiProperty() message: string;
}

export class AdminPractitionerListDto extends PageInfoDto {
  @ApiProperty({ enum: ['admin'], enumName: 'PractitionerAdminView', description: 'Discriminant : liste d’administration (PR2)' }) view: 'admin';
  @ApiProperty({ type: [AdminPractitionerDto] }) practitioners: AdminPractitionerDto[];
}

export class PendingPractitionerListDto extends PageInfoDto {
  @ApiProperty({ type: [PendingPractitionerDto] }) practitioners: PendingPractitionerDto[];
}

/** PR11: recurring rules and the free slots of the period. */
export class PractitionerAvailabilityDto {
  @ApiProperty() practitionerId: string;
  @ApiProperty({ example: 'Europe/Paris' }) timezone: string;
  @ApiProperty({ format: 'date', example: '2026-12-07' }) from: string;
  @ApiProperty({ format: 'date', example: '2026-12-13' }) to: string;
  @ApiProperty({ type: [RecurringAvailabilityDto] }) recurring: RecurringAvailabilityDto[];
  @ApiProperty({ type: [SlotDto], description: 'Créneaux libres seulement' }) slots: SlotDto[];
}
