import type sanitizeHtml from 'sanitize-html';

// sanitize-html (with htmlparser2 and postcss, about 1 MB of heap) is loaded on the first article or news
// written, not at every boot of the api
let loaded: Promise<typeof sanitizeHtml> | undefined;
const sanitizer = () => (loaded ??= import('sanitize-html').then((m) => m.default));

/**
 * The HTML subset articles and company news may contain (rich-text editor output): headings,
 * paragraphs, lists, quotes, emphasis, links and https images. Everything else is dropped — script and
 * style elements with their content, every on* handler and style attribute, and any URL scheme other
 * than https/http/mailto (javascript:, data:, vbscript: …). Links open with rel="noopener noreferrer".
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['h2', 'h3', 'h4', 'p', 'br', 'hr', 'ul', 'ol', 'li', 'blockquote', 'strong', 'b', 'em', 'i', 'u', 's', 'code', 'pre', 'a', 'img'],
  allowedAttributes: { a: ['href', 'title', 'target', 'rel'], img: ['src', 'alt', 'title', 'width', 'height'] },
  allowedSchemes: ['https', 'http', 'mailto'],
  allowedSchemesByTag: { img: ['https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'template'],
  // relative or scheme-less image sources pass the scheme check: keep https images only
  exclusiveFilter: (frame) => frame.tag === 'img' && !/^https:\/\//i.test(frame.attribs.src ?? ''),
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer', ...(attribs.target ? { target: '_blank' } : {}) } }),
  },
};

export async function sanitizeRichText(html: string): Promise<string> {
  const sanitizeHtml = await sanitizer();
  return sanitizeHtml(html, OPTIONS).trim();
}

/** The visible text of sanitised HTML, for word counts and emptiness checks. */
export async function plainText(html: string): Promise<string> {
  const sanitizeHtml = await sanitizer();
  // a space before every tag, so "<h2>Titre</h2><p>Un" counts two words
  return sanitizeHtml(html.replace(/</g, ' <'), { allowedTags: [], allowedAttributes: {} }).replace(/&nbsp;|\s+/g, ' ').trim();
}

/** Reading time at 200 words a minute, at least one minute. */
export async function readingTimeMinutes(html: string): Promise<number> {
  const words = (await plainText(html)).split(' ').filter(Boolean).length;
  return Math.max(1, Math.ceil(words / 200));
}
