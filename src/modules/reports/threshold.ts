import { ApiProperty } from '@nestjs/swagger';

export const WITHHELD_REASON = 'BELOW_THRESHOLD' as const;

/**
 * What an aggregate becomes when it covers fewer than REPORTS_MIN_GROUP_SIZE employees (SPEC §6.7
 * threshold): this marker, never a number. Group size = employees with an active account in the group.
 */
export class WithheldDto {
  @ApiProperty({ type: Boolean, example: true, description: 'Toujours true : agrégat masqué, le groupe compte moins de salariés que le seuil' })
  withheld: true;
  @ApiProperty({ enum: [WITHHELD_REASON], enumName: 'WithheldReason', example: WITHHELD_REASON })
  reason: typeof WITHHELD_REASON;
  @ApiProperty({ type: 'integer', example: 10, description: 'Seuil (REPORTS_MIN_GROUP_SIZE)' })
  minimumGroupSize: number;
}

export function withheld(minimumGroupSize: number): WithheldDto {
  return { withheld: true, reason: WITHHELD_REASON, minimumGroupSize };
}

/** `value()` if the group is large enough, else the marker (the value is not even computed). */
export function unlessSmall<T>(groupSize: number, minimum: number, value: () => T): T | WithheldDto {
  return groupSize >= minimum ? value() : withheld(minimum);
}

/** Minutes from seconds, half-up (SPEC §6.6). */
export const minutesOf = (seconds: number) => Math.round(seconds / 60);
/** One decimal. */
export const round1 = (x: number) => Math.round(x * 10) / 10;
