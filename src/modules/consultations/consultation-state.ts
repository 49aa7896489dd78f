import { ConsultationEventType, ConsultationStatus, Role } from '@prisma/client';

const { SCHEDULED, CONFIRMED, IN_PROGRESS, COMPLETED, CANCELLED, NO_SHOW } = ConsultationStatus;

export type ConsultationAction = 'confirm' | 'start' | 'end' | 'cancel' | 'noShow' | 'reschedule';

interface Transition {
  from: ConsultationStatus[];
  to: ConsultationStatus;
  by: Role[];
  event: ConsultationEventType;
}

/**
 * The consultation state machine of SPEC §6.3, in one place. Every status change goes through
 * `transition()`: who may do it, from which states, to which state, and which event it records.
 * Terminal states (COMPLETED, CANCELLED, NO_SHOW) have no way out.
 */
export const TRANSITIONS: Record<ConsultationAction, Transition> = {
  confirm: { from: [SCHEDULED], to: CONFIRMED, by: [Role.PRACTITIONER], event: ConsultationEventType.CONFIRMED },
  start: { from: [SCHEDULED, CONFIRMED], to: IN_PROGRESS, by: [Role.PRACTITIONER], event: ConsultationEventType.STARTED },
  end: { from: [IN_PROGRESS], to: COMPLETED, by: [Role.PRACTITIONER], event: ConsultationEventType.ENDED },
  cancel: { from: [SCHEDULED, CONFIRMED], to: CANCELLED, by: [Role.EMPLOYEE, Role.PRACTITIONER], event: ConsultationEventType.CANCELLED },
  noShow: { from: [SCHEDULED, CONFIRMED], to: NO_SHOW, by: [Role.PRACTITIONER], event: ConsultationEventType.NO_SHOW },
  // a moved consultation needs the practitioner's confirmation again
  reschedule: { from: [SCHEDULED, CONFIRMED], to: SCHEDULED, by: [Role.EMPLOYEE, Role.PRACTITIONER], event: ConsultationEventType.SCHEDULED },
};

export const ACTIVE_STATUSES: ConsultationStatus[] = [SCHEDULED, CONFIRMED, IN_PROGRESS];
export const TERMINAL_STATUSES: ConsultationStatus[] = [COMPLETED, CANCELLED, NO_SHOW];

export function canTransition(action: ConsultationAction, from: ConsultationStatus): boolean {
  return TRANSITIONS[action].from.includes(from);
}
