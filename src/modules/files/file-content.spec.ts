import { AppException } from '../../common/errors/app.exception.js';
import { makeJpeg, makePng, pngWithoutMetadata } from '../../../test/helpers/files.js';
import { checkUpload, safeOriginalName, stripImageMetadata } from './file-content.js';

const multerFile = (buffer: Buffer, originalname = 'x', mimetype = 'image/png') => ({ buffer, originalname, mimetype }) as Express.Multer.File;

describe('upload content checks', () => {
  it('detects the type from the bytes and maps it to a stored extension', async () => {
    await expect(checkUpload(multerFile(makeJpeg(), 'a.png', 'image/png'), 'image')).resolves.toMatchObject({ mimeType: 'image/jpeg', ext: 'jpg' });
    await expect(checkUpload(multerFile(Buffer.alloc(0)), 'image')).rejects.toMatchObject({ status: 400 });
    await expect(checkUpload(undefined, 'document')).rejects.toMatchObject({ status: 400 });
  });

  it('strips metadata and anything appended after the end of a PNG', () => {
    const polyglot = Buffer.concat([makePng({ metadata: true }), Buffer.from('PK\u0003\u0004hidden archive')]);
    expect(stripImageMetadata(polyglot, 'image/png').equals(pngWithoutMetadata())).toBe(true);
    expect(stripImageMetadata(makeJpeg({ exif: true }), 'image/jpeg').equals(makeJpeg())).toBe(true);
  });

  it('refuses an image whose structure cannot be walked (415) instead of publishing its metadata', () => {
    const truncatedJpeg = makeJpeg({ exif: true }).subarray(0, 30);
    const png = makePng({ metadata: true });
    const brokenPng = Buffer.from(png);
    brokenPng.writeUInt32BE(0x7fffffff, 8); // IHDR claims a huge length
    for (const [data, mime] of [[truncatedJpeg, 'image/jpeg'], [brokenPng, 'image/png'], [png.subarray(0, png.length - 12), 'image/png']] as const) {
      let error: unknown;
      try {
        stripImageMetadata(data, mime);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppException);
      expect((error as AppException).getStatus()).toBe(415);
    }
  });

  it('keeps only a clean base name of the client file name', () => {
    expect(safeOriginalName('C:\\Users\\marie\\arrêt "maladie".pdf', 'pdf')).toBe('arrêt maladie.pdf');
    expect(safeOriginalName('../../etc/passwd', 'pdf')).toBe('passwd');
    expect(safeOriginalName('\u0000\u0001', 'png')).toBe('fichier.png');
  });
});
