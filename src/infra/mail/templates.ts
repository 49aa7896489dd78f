/**
 * E-mail templates (FR). Each takes only non-sensitive data: names and links. Nothing clinical, no
 * reasons, no message text ever goes into an e-mail (SPEC §8.2).
 */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface TemplateData {
  'email-verification': { firstName?: string; link: string };
  'password-reset': { link: string };
  'password-reset-confirmation': Record<string, never>;
  'password-changed': Record<string, never>;
  'two-factor-enabled': Record<string, never>;
  'two-factor-disabled': Record<string, never>;
}
export type TemplateName = keyof TemplateData;

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(title: string, paragraphs: string[], action?: { label: string; link: string }): RenderedMail {
  const text = [...paragraphs, action ? `${action.label} : ${action.link}` : '', '', "L'équipe HuntZen Care"]
    .filter((l, i, a) => l !== '' || a[i - 1] !== '')
    .join('\n\n');
  const html = `<!doctype html><html lang="fr"><body style="font-family:Arial,sans-serif;color:#1f2937">
<h2 style="color:#4A90E2">${escape(title)}</h2>
${paragraphs.map((p) => `<p>${escape(p)}</p>`).join('\n')}
${action ? `<p><a href="${escape(action.link)}" style="background:#4A90E2;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escape(action.label)}</a></p><p style="font-size:12px">Lien : ${escape(action.link)}</p>` : ''}
<p>L'équipe HuntZen Care</p></body></html>`;
  return { subject: title, text, html };
}

const SECURITY_FOOTER = "Si vous n'êtes pas à l'origine de cette action, contactez immédiatement le support HuntZen Care.";

export const templates: { [K in TemplateName]: (d: TemplateData[K]) => RenderedMail } = {
  'email-verification': (d) =>
    layout(
      'Confirmez votre adresse e-mail',
      [`Bonjour${d.firstName ? ` ${d.firstName}` : ''},`, 'Merci de confirmer votre adresse e-mail pour activer votre compte HuntZen Care. Ce lien est valable 24 heures.'],
      { label: 'Confirmer mon e-mail', link: d.link },
    ),
  'password-reset': (d) =>
    layout(
      'Réinitialisation de votre mot de passe',
      ['Une réinitialisation du mot de passe a été demandée pour votre compte. Ce lien est valable 1 heure et ne peut servir qu’une fois.', "Si vous n'avez rien demandé, ignorez ce message."],
      { label: 'Choisir un nouveau mot de passe', link: d.link },
    ),
  'password-reset-confirmation': () =>
    layout('Votre mot de passe a été réinitialisé', ['Votre mot de passe a bien été modifié et toutes vos sessions ont été fermées.', SECURITY_FOOTER]),
  'password-changed': () =>
    layout('Votre mot de passe a été modifié', ['Le mot de passe de votre compte a été modifié et vos autres sessions ont été fermées.', SECURITY_FOOTER]),
  'two-factor-enabled': () =>
    layout('Double authentification activée', ['La double authentification (TOTP) est maintenant active sur votre compte. Conservez vos codes de secours en lieu sûr.', SECURITY_FOOTER]),
  'two-factor-disabled': () =>
    layout('Double authentification désactivée', ['La double authentification a été désactivée sur votre compte.', SECURITY_FOOTER]),
};

export function render<K extends TemplateName>(name: K, data: TemplateData[K]): RenderedMail {
  return templates[name](data);
}
