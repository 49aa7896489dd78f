import { HttpStatus } from '@nestjs/common';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';

/** What a route accepts, decided by the bytes (magic numbers), never by the client's MIME type or name. */
export type UploadKind = 'image' | 'document';

const ALLOWED: Record<UploadKind, ReadonlyMap<string, string>> = {
  image: new Map([
    ['image/jpeg', 'jpg'],
    ['image/png', 'png'],
  ]),
  document: new Map([
    ['application/pdf', 'pdf'],
    ['image/jpeg', 'jpg'],
    ['image/png', 'png'],
  ]),
};

const EXPECTED: Record<UploadKind, string> = {
  image: 'JPEG ou PNG',
  document: 'PDF, JPEG ou PNG',
};

export interface CheckedContent {
  data: Buffer;
  mimeType: string;
  ext: string;
  originalName: string;
}

function unsupported(kind: UploadKind): AppException {
  return new AppException(
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    `Type de fichier non autorisé : ${EXPECTED[kind]} attendu`,
    [{ field: 'file', message: `le contenu doit être un fichier ${EXPECTED[kind]}` }],
  );
}

/** The uploaded file, present and non-empty, with its real type; 400 when missing, 415 when not allowed. */
export async function checkUpload(file: Express.Multer.File | undefined, kind: UploadKind): Promise<CheckedContent> {
  if (!file || !Buffer.isBuffer(file.buffer)) {
    throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Fichier manquant', [{ field: 'file', message: 'un fichier est requis (multipart, champ « file »)' }]);
  }
  if (file.buffer.length === 0) {
    throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Fichier vide', [{ field: 'file', message: 'le fichier est vide' }]);
  }
  const { fileTypeFromBuffer } = await import('file-type'); // loaded on the first upload, not at boot
  const detected = await fileTypeFromBuffer(file.buffer);
  const ext = detected && ALLOWED[kind].get(detected.mime);
  if (!detected || !ext) throw unsupported(kind);
  return { data: file.buffer, mimeType: detected.mime, ext, originalName: safeOriginalName(file.originalname, ext) };
}

/** The client's file name without directories or control characters, kept for the uploader's own display. */
export function safeOriginalName(name: string | undefined, ext: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f"<>]/g, '').trim().slice(0, 200);
  return clean || `fichier.${ext}`;
}

/**
 * Drops the metadata blocks of a public image that may locate or identify its author (EXIF with GPS,
 * XMP, IPTC, comments, text chunks). Pixels are untouched. An image whose structure cannot be walked is
 * refused rather than published with its metadata.
 */
export function stripImageMetadata(data: Buffer, mimeType: string): Buffer {
  try {
    if (mimeType === 'image/jpeg') return stripJpeg(data);
    if (mimeType === 'image/png') return stripPng(data);
    return data;
  } catch {
    throw new AppException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Image illisible ou corrompue', [
      { field: 'file', message: "la structure de l'image est invalide" },
    ]);
  }
}

// APP1 (EXIF, XMP), APP13 (IPTC / Photoshop), COM (comments)
const JPEG_DROPPED = new Set([0xe1, 0xed, 0xfe]);

function stripJpeg(data: Buffer): Buffer {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw new Error('not a JPEG');
  const kept: Buffer[] = [data.subarray(0, 2)];
  let pos = 2;
  while (pos < data.length) {
    if (data[pos] !== 0xff) throw new Error('marker expected');
    let markerPos = pos;
    while (data[markerPos + 1] === 0xff) markerPos++; // fill bytes
    const marker = data[markerPos + 1];
    if (marker === undefined) throw new Error('truncated');
    if (marker === 0xd9 || marker === 0xda) {
      // end of image, or start of scan: the entropy-coded data and what follows are kept as they are
      kept.push(data.subarray(markerPos));
      return Buffer.concat(kept);
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      kept.push(data.subarray(markerPos, markerPos + 2));
      pos = markerPos + 2;
      continue;
    }
    if (markerPos + 4 > data.length) throw new Error('truncated');
    const end = markerPos + 2 + data.readUInt16BE(markerPos + 2);
    if (end > data.length) throw new Error('truncated segment');
    if (!JPEG_DROPPED.has(marker)) kept.push(data.subarray(markerPos, end));
    pos = end;
  }
  throw new Error('no image data');
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_DROPPED = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

function stripPng(data: Buffer): Buffer {
  if (!data.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG');
  const kept: Buffer[] = [PNG_SIGNATURE];
  let pos = 8;
  while (pos + 12 <= data.length) {
    const length = data.readUInt32BE(pos);
    const type = data.toString('latin1', pos + 4, pos + 8);
    const end = pos + 12 + length;
    if (end > data.length) throw new Error('truncated chunk');
    if (!PNG_DROPPED.has(type)) kept.push(data.subarray(pos, end));
    pos = end;
    if (type === 'IEND') return Buffer.concat(kept);
  }
  throw new Error('no IEND chunk');
}
