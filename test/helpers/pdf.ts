import { inflateSync } from 'node:zlib';

// 0x80–0x9F of Windows-1252 (Node's TextDecoder treats the label as Latin-1); the rest is Latin-1.
const CP1252 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const winAnsi = { decode: (b: Buffer) => [...b].map((c) => (c >= 0x80 && c <= 0x9f ? CP1252[c - 0x80] : String.fromCharCode(c))).join('') };

/**
 * The text a PDF shows, enough to assert on: every content stream (inflated when FlateDecode), the hex
 * strings of its TJ/Tj operators decoded as WinAnsi (PDFKit's encoding for the standard fonts), one line
 * per text operator. Kerning splits words inside a TJ array; joining its parts restores them.
 */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const lines: string[] = [];
  // a stream's bytes are exactly /Length long: compressed data may itself end with "\r" (or hold "endstream"),
  // so cutting at the next "endstream" loses a byte once in a while (the date in the text changes the bytes)
  for (const m of raw.matchAll(/<<([^]*?)>>\s*stream\r?\n/g)) {
    const length = /\/Length (\d+)/.exec(m[1]);
    if (!length) continue;
    const start = m.index! + m[0].length;
    const data = Buffer.from(raw.slice(start, start + Number(length[1])), 'latin1');
    let content: string;
    try {
      content = (m[1].includes('/FlateDecode') ? inflateSync(data) : data).toString('latin1');
    } catch {
      continue; // not a content stream we can read (fonts, images)
    }
    for (const op of content.matchAll(/\[([^\]]*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g)) {
      const hexes = op[1] !== undefined ? [...op[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]) : [op[2]];
      lines.push(winAnsi.decode(Buffer.from(hexes.join(''), 'hex')));
    }
  }
  return lines.join('\n');
}
