/** Queue names (SPEC §8.3). */
export const QUEUE = {
  email: 'email',
  notifications: 'notifications',
  reminders: 'reminders',
  outbox: 'outbox',
  noteRetention: 'note-retention',
  articles: 'articles',
  retention: 'retention',
  backup: 'backup',
} as const;
