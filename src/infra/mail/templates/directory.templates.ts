import { layout } from './layout.js';

/** Directory e-mails: companies, employees, practitioners (issue #3). Names and links only. */
export const directoryTemplates = {
  'company-welcome': (d: { companyName: string }) =>
    layout(
      'Bienvenue sur HuntZen Care',
      [
        `Bonjour,`,
        `L'entreprise ${d.companyName} a été enregistrée sur HuntZen Care. Notre équipe vérifie actuellement votre dossier ; vous recevrez un e-mail dès que l'accès de votre entreprise sera validé.`,
      ],
    ),
  'company-validated': (d: { companyName: string; link: string }) =>
    layout(
      'Votre entreprise est validée sur HuntZen Care',
      [`Bonjour,`, `L'accès de ${d.companyName} à HuntZen Care est désormais actif. Vous pouvez inviter vos collaborateurs depuis votre espace RH.`],
      { label: 'Accéder à mon espace', link: d.link },
    ),
  'employee-invitation': (d: { firstName: string; companyName: string; link: string }) =>
    layout(
      'Votre invitation à HuntZen Care',
      [
        `Bonjour ${d.firstName},`,
        `${d.companyName} vous offre un accès confidentiel à HuntZen Care. Activez votre compte en choisissant votre mot de passe. Ce lien est valable 7 jours et ne peut servir qu'une fois.`,
      ],
      { label: 'Activer mon compte', link: d.link },
    ),
  'practitioner-invitation': (d: { title: string; lastName: string; link: string }) =>
    layout(
      'Votre espace praticien HuntZen Care',
      [
        `Bonjour ${d.title} ${d.lastName},`,
        "Un compte praticien a été créé pour vous sur HuntZen Care. Choisissez votre mot de passe pour l'activer, puis complétez votre profil et déposez vos justificatifs (diplômes, assurance, ADELI/RPPS) : notre équipe les vérifiera avant de vous rendre visible. Ce lien est valable 7 jours et ne peut servir qu'une fois.",
      ],
      { label: 'Activer mon compte', link: d.link },
    ),
  'practitioner-validated': (d: { title: string; lastName: string; link: string }) =>
    layout(
      'Votre profil praticien est validé',
      [`Bonjour ${d.title} ${d.lastName},`, 'Votre profil a été validé par HuntZen Care : les salariés de nos entreprises clientes peuvent désormais vous trouver et réserver vos créneaux.'],
      { label: 'Gérer mes disponibilités', link: d.link },
    ),
  'practitioner-rejected': (d: { title: string; lastName: string; link: string }) =>
    layout(
      'Votre profil praticien n’a pas pu être validé',
      [`Bonjour ${d.title} ${d.lastName},`, 'Après examen, votre dossier n’a pas pu être validé en l’état. Consultez votre espace pour voir les justificatifs à compléter, puis déposez-les à nouveau.'],
      { label: 'Accéder à mon espace', link: d.link },
    ),
};
