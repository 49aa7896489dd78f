import { layout, SECURITY_FOOTER } from './layout.js';

/** RGPD e-mails (SPEC §6.8): the deletion request's confirmation, its cancellation and its completion. No reason, no content. */
export const privacyTemplates = {
  'deletion-confirmation': (d: { link: string; code: string; deletionDate: string }) =>
    layout(
      'Confirmez la suppression de votre compte',
      [
        'Vous avez demandé la suppression de votre compte HuntZen Care et de vos données personnelles.',
        `Pour confirmer cette demande, ouvrez le lien ci-dessous ou saisissez ce code dans l’application : ${d.code}`,
        `Une fois confirmée, la suppression aura lieu le ${d.deletionDate}. Vous pourrez l’annuler jusqu’à cette date depuis votre compte.`,
        SECURITY_FOOTER,
      ],
      { label: 'Confirmer la suppression', link: d.link },
    ),
  'deletion-cancelled': (_: Record<string, never>) =>
    layout('Suppression de compte annulée', ['Votre demande de suppression de compte a été annulée : votre compte et vos données sont conservés.', SECURITY_FOOTER]),
  'deletion-completed': (_: Record<string, never>) =>
    layout('Votre compte a été supprimé', [
      'Conformément à votre demande, votre compte HuntZen Care a été supprimé et vos données personnelles effacées ou anonymisées.',
      'Les notes cliniques de vos praticiens sont conservées pendant la durée légale, sans lien avec votre identité.',
    ]),
};
