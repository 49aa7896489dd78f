import { deflateSync } from 'node:zlib';

/** Small, well-formed files built in memory for upload tests (no fixtures on disk). */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export const PNG_TEXT_SECRET = 'GPS 48.8566,2.3522 Marie Dupont';

/**
 * A valid 2×2 RGB PNG. With `metadata`, it carries a tEXt chunk that uploads of public images must strip.
 * `seed` varies the pixels so that two images differ.
 */
export function makePng(opts: { metadata?: boolean; seed?: number } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const seed = opts.seed ?? 7;
  const rows = [0, 1].map((y) => Buffer.from([0, seed, y * 100, 200, 255 - seed, 50, y * 30]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...(opts.metadata ? [pngChunk('tEXt', Buffer.from(`Comment\0${PNG_TEXT_SECRET}`, 'latin1'))] : []),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** `makePng({ metadata: true })` as the server should store it: the same image without its tEXt chunk. */
export function pngWithoutMetadata(seed?: number): Buffer {
  return makePng({ metadata: false, seed });
}

export const JPEG_EXIF_SECRET = 'GPSLatitude 48.8566';

function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/**
 * A 1×1 grey baseline-structured JPEG (SOI, APP0 JFIF, optional APP1 Exif, DQT, SOF, SOS, scan, EOI):
 * enough for magic-byte detection and for walking its segments.
 */
export function makeJpeg(opts: { exif?: boolean } = {}): Buffer {
  const jfif = segment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x01, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00]));
  const exif = segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.from(JPEG_EXIF_SECRET, 'latin1')]));
  const dqt = segment(0xdb, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)]));
  const sof = segment(0xc0, Buffer.from([0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00]));
  const dht = segment(0xc4, Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(15, 0), Buffer.from([0x00])]));
  const sos = segment(0xda, Buffer.from([0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]));
  return Buffer.concat([Buffer.from([0xff, 0xd8]), jfif, ...(opts.exif ? [exif] : []), dqt, sof, dht, sos, Buffer.from([0x00, 0x3f]), Buffer.from([0xff, 0xd9])]);
}

export const PDF_SECRET = 'Attestation-ADELI-0123456789';

/** A one-page PDF with a correct cross-reference table, whose text is `text`. */
export function makePdf(text = PDF_SECRET): Buffer {
  const content = `BT /F1 12 Tf 20 100 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Plain text: no magic number, whatever name or MIME type the client gives it. */
export function makeText(): Buffer {
  return Buffer.from('Ceci est un simple fichier texte, pas une image.\n', 'utf8');
}

/** A buffer larger than MAX_FILE_SIZE (10 MB) that starts like a PNG. */
export function makeOversized(bytes = 11 * 1024 * 1024): Buffer {
  const big = Buffer.alloc(bytes, 0);
  makePng().copy(big);
  return big;
}

/** supertest parser that keeps binary bodies as Buffers: `.buffer(true).parse(binaryParser)`. */
// supertest types the first argument as its Response, but in Node it is the raw IncomingMessage stream
export function binaryParser(res: any, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
  res.on('error', (e: Error) => done(e, Buffer.alloc(0)));
}
