import { layout } from './layout.js';

/** Company news e-mails (issue 8): never the news itself, only that there is one. */
export const contentTemplates = {
  'news-published': (d: { companyName: string; link: string }) =>
    layout('Nouvelle actualité de votre entreprise', [`Bonjour,`, `${d.companyName} a publié une nouvelle actualité sur HuntZen Care.`], { label: 'Lire l’actualité', link: d.link }),
};
