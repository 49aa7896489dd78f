/** Queue names (SPEC §8.3). */
export const QUEUE = {
  email: 'email',
  notifications: 'notifications',
  reminders: 'reminders',
  outbox: 'outbox',
  noteRetention: 'note-retention',
  articles: 'articles',
  rgpd: 'rgpd',
  reports: 'reports',
  reportExports: 'report-exports',
  retention: 'retention',
  backup: 'backup',
} as const;
