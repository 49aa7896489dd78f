import { layout, SECURITY_FOOTER } from './layout.js';

/** Account and security e-mails (issue: authentication). */
export const authTemplates = {
  'email-verification': (d: { firstName?: string; link: string }) =>
    layout(
      'Confirmez votre adresse e-mail',
      [`Bonjour${d.firstName ? ` ${d.firstName}` : ''},`, 'Merci de confirmer votre adresse e-mail pour activer votre compte HuntZen Care. Ce lien est valable 24 heures.'],
      { label: 'Confirmer mon e-mail', link: d.link },
    ),
  'password-reset': (d: { link: string }) =>
    layout(
      'Réinitialisation de votre mot de passe',
      ['Une réinitialisation du mot de passe a été demandée pour votre compte. Ce lien est valable 1 heure et ne peut servir qu’une fois.', "Si vous n'avez rien demandé, ignorez ce message."],
      { label: 'Choisir un nouveau mot de passe', link: d.link },
    ),
  'password-reset-confirmation': (_: Record<string, never>) =>
    layout('Votre mot de passe a été réinitialisé', ['Votre mot de passe a bien été modifié et toutes vos sessions ont été fermées.', SECURITY_FOOTER]),
  'password-changed': (_: Record<string, never>) =>
    layout('Votre mot de passe a été modifié', ['Le mot de passe de votre compte a été modifié et vos autres sessions ont été fermées.', SECURITY_FOOTER]),
  'two-factor-enabled': (_: Record<string, never>) =>
    layout('Double authentification activée', ['La double authentification (TOTP) est maintenant active sur votre compte. Conservez vos codes de secours en lieu sûr.', SECURITY_FOOTER]),
  'two-factor-disabled': (_: Record<string, never>) =>
    layout('Double authentification désactivée', ['La double authentification a été désactivée sur votre compte.', SECURITY_FOOTER]),
};
