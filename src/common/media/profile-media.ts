import type { Identity } from '../context/request-context.js';
import type { TenantTx } from '../../infra/prisma/tenant-prisma.service.js';

/** The two picture columns every profile has. */
export type MediaColumn = 'primary' | 'cover';

/** A profile's pictures: the URL an upload replaces, and the other one (never deleted from under it). */
export interface ImageSlot {
  current: string | null;
  other: string | null;
}

/**
 * Implemented by the module that owns a profile table (companies, employees, practitioners), so the files
 * module changes a picture column through its owner instead of writing that table itself.
 */
export interface ProfileMediaStore {
  read(tx: TenantTx, me: Identity, id: string, column: MediaColumn): Promise<ImageSlot | null>;
  /** Points `column` at `url`; returns how many rows changed (0: not the caller's profile). */
  write(tx: TenantTx, me: Identity, id: string, column: MediaColumn, url: string): Promise<number>;
  /** Unsets every picture column of the caller's own profile that still points at a deleted file. */
  clear(tx: TenantTx, me: Identity, url: string): Promise<void>;
}

export function slotOf(row: { primary: string | null; cover: string | null } | null, column: MediaColumn): ImageSlot | null {
  if (!row) return null;
  return column === 'primary' ? { current: row.primary, other: row.cover } : { current: row.cover, other: row.primary };
}
