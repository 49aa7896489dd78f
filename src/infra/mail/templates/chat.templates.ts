import { layout } from './layout.js';

/** Chat e-mails (issue 7): never the message, the sender or its specialty — only that there is one. */
export const chatTemplates = {
  'message-received': (d: { link: string }) =>
    layout('Nouveau message', ['Bonjour,', 'Vous avez reçu un nouveau message sur HuntZen Care.'], { label: 'Ouvrir la messagerie', link: d.link }),
};
