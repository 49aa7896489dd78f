import { ErrorCode } from '../errors/error-codes.js';

/**
 * Named enums of the OpenAPI document that are not Prisma enums (those are found by their values). An
 * inline enum with exactly these values becomes a $ref to the component of that name. Add an entry here, or
 * give the property `enumName`, when the contract test reports an inline enum.
 */
export const OPENAPI_ENUMS: Record<string, readonly string[]> = {
  ErrorCode: Object.values(ErrorCode),
  EmployeeAccountStatus: ['active', 'inactive', 'pending'],
  ConsultationPeriod: ['upcoming', 'past'],
  ConsultationParty: ['EMPLOYEE', 'PRACTITIONER'],
  AbsentParty: ['employee', 'practitioner'],
  RoomEventType: ['ROOM_JOINED', 'ROOM_LEFT'],
  JournalExportFormat: ['pdf', 'txt'],
  UploadFileType: ['AVATAR', 'COVER', 'IMAGE', 'DOCUMENT', 'CERTIFICATE', 'DIPLOMA', 'ATTACHMENT'],
  PractitionerSearchSort: ['relevance', 'rating', 'experience', 'nextAvailable'],
  RecurringAvailabilityType: ['RECURRING'],
  ExceptionAvailabilityType: ['EXCEPTION'],
};
