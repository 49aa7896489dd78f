/** Shared HTML/text layout of every e-mail. Content is escaped; links point to FRONTEND_URL only. */
export interface MailAttachment {
  filename: string;
  content: string;
  contentType: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
}

/** Per-recipient choices applied when the worker renders a mail (not part of the template data). */
export interface RenderOptions {
  /** The recipient opted in to calendar invitations (NotificationSettings.calendarInvites); absent = none. */
  calendarInvite?: boolean;
}

export function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function layout(title: string, paragraphs: string[], action?: { label: string; link: string }): RenderedMail {
  const text = [...paragraphs, action ? `${action.label} : ${action.link}` : '', "L'équipe HuntZen Care"].filter(Boolean).join('\n\n');
  const html = `<!doctype html><html lang="fr"><body style="font-family:Arial,sans-serif;color:#1f2937">
<h2 style="color:#4A90E2">${escape(title)}</h2>
${paragraphs.map((p) => `<p>${escape(p)}</p>`).join('\n')}
${action ? `<p><a href="${escape(action.link)}" style="background:#4A90E2;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escape(action.label)}</a></p><p style="font-size:12px">Lien : ${escape(action.link)}</p>` : ''}
<p>L'équipe HuntZen Care</p></body></html>`;
  return { subject: title, text, html };
}

export const SECURITY_FOOTER = "Si vous n'êtes pas à l'origine de cette action, contactez immédiatement le support HuntZen Care.";
