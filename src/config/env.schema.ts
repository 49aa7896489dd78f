import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBooleanString,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

export enum NodeEnv {
  Development = 'development',
  Production = 'production',
  Test = 'test',
}

export enum StorageDriver {
  Local = 'local',
  S3 = 's3',
}

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** Every variable the api and the worker read. `.env.example` lists the same names. */
export class EnvironmentVariables {
  @IsEnum(NodeEnv)
  NODE_ENV: NodeEnv = NodeEnv.Development;

  /** 0 lets the OS pick a free port (tests). */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  WS_PORT = 3001;

  /** Connection of the api and workers: role huntzen_app (non-owner, NOBYPASSRLS). */
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgresql:// URL' })
  APP_DATABASE_URL: string;

  /** Connection for system work (login lookup, workers, report refresh): role huntzen_system. */
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgresql:// URL' })
  SYSTEM_DATABASE_URL: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** Connections of the system pool (huntzen_system: login lookup, identity resolution, jobs). */
  @Transform(toInt) @IsInt() @Min(1) @Max(200)
  SYSTEM_DATABASE_POOL_SIZE = 4;

  /** Connections per api process for the realtime hot path (chat messages, plain node-postgres, huntzen_app). */
  @Transform(toInt) @IsInt() @Min(1) @Max(200)
  REALTIME_DATABASE_POOL_SIZE = 4;

  /** Longest a request's transaction may stay open (its queries run in one transaction as the caller). */
  @Transform(toInt) @IsInt() @Min(1000) @Max(600_000)
  REQUEST_TRANSACTION_TIMEOUT_MS = 15_000;

  /** `npm run bench` only: enables GET /api/bench/baseline (one-row read, node-postgres); refused in production. */
  @IsOptional() @IsBooleanString()
  BENCH_BASELINE_ROUTE = 'false';

  @Matches(/^rediss?:\/\//, { message: 'must be a redis:// URL' })
  REDIS_URL: string;

  /** Prefix of every Redis key we own (queues, throttler, presence); lets instances share one Redis. */
  @IsString() @Matches(/^[a-zA-Z0-9:_-]{1,64}$/)
  REDIS_PREFIX = 'hz';

  @IsString() @MinLength(32)
  JWT_SECRET: string;

  @IsString() @MinLength(32)
  JWT_REFRESH_SECRET: string;

  @Matches(/^\d+[smhd]$/) JWT_EXPIRES_IN = '15m';
  @Matches(/^\d+[smhd]$/) JWT_REFRESH_EXPIRES_IN = '7d';

  /** `v1:<64 hex>,v2:<64 hex>`; a lone ENCRYPTION_KEY (SPEC §9.3) is read as `v1`. */
  @IsOptional() @Matches(/^(v\d+:[0-9a-fA-F]{64})(,v\d+:[0-9a-fA-F]{64})*$/, {
    message: 'must be a comma list of v<N>:<64 hex characters>',
  })
  ENCRYPTION_KEYS?: string;

  @IsOptional() @Matches(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex characters (32 bytes)' })
  ENCRYPTION_KEY?: string;

  @IsOptional() @Matches(/^v\d+$/)
  ENCRYPTION_KEY_CURRENT?: string;

  /** Rows per batch of `npm run keys:rotate` (each batch is one short UPDATE). */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  KEY_ROTATION_BATCH_SIZE = 500;
  /**
   * Keys the hashes that make encrypted journal tags filterable. Separate from the master keys so a
   * master-key rotation leaves the hashes valid (changing this one means recomputing them).
   */
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex characters (32 bytes)' })
  JOURNAL_TAG_KEY: string;

  @IsString() JITSI_DOMAIN = 'meet.huntzen.care';
  @IsString() JITSI_APP_ID = 'huntzen_app';
  @IsString() @MinLength(16) JITSI_SECRET: string;

  @IsString() SMTP_HOST = 'localhost';
  @Transform(toInt) @IsInt() SMTP_PORT = 587;
  @IsOptional() @IsString() SMTP_USER?: string;
  @IsOptional() @IsString() SMTP_PASSWORD?: string;
  @IsOptional() @IsBooleanString() SMTP_SECURE?: string;
  @IsString() EMAIL_FROM = 'HuntZen Care <noreply@huntzen.care>';

  @IsUrl({ require_tld: false, require_protocol: true }) FRONTEND_URL = 'http://localhost:5173';
  @IsOptional() @IsString() CORS_ORIGINS?: string;

  @Transform(toInt) @IsInt() @Min(1) THROTTLE_TTL = 60;
  @Transform(toInt) @IsInt() @Min(1) THROTTLE_LIMIT = 100;

  /** Sign-in limits (SPEC §7.3; counted by AttemptLimiter): window and lock duration of every counter. */
  @Transform(toInt) @IsInt() @Min(60) @Max(86400) AUTH_LIMIT_WINDOW_SECONDS = 900;
  /** Every login attempt per IP, successful ones included: high enough for an office behind one NAT. */
  @Transform(toInt) @IsInt() @Min(1) LOGIN_MAX_ATTEMPTS_PER_IP = 100;
  /** Wrong logins per IP: the next attempt answers 429 (SPEC §6.10 criterion 9: the 6th). */
  @Transform(toInt) @IsInt() @Min(1) LOGIN_MAX_FAILURES_PER_IP = 5;
  /** Wrong logins per account (any IP): stops guessing spread over many IPs. */
  @Transform(toInt) @IsInt() @Min(1) LOGIN_MAX_FAILURES_PER_ACCOUNT = 10;
  /** Wrong 2FA codes per account (login, /2fa/verify, /2fa/disable) before a lock. */
  @Transform(toInt) @IsInt() @Min(1) MFA_MAX_FAILURES = 5;
  /** Wrong current passwords per signed-in user (change-password, /2fa/disable) before a lock. */
  @Transform(toInt) @IsInt() @Min(1) PASSWORD_CHECK_MAX_FAILURES = 5;
  /** Two uses of one refresh token this close together both get the same new pair (0 turns it off). */
  @Transform(toInt) @IsInt() @Min(0) @Max(60) REFRESH_REUSE_GRACE_SECONDS = 10;

  /** Express `trust proxy`: nginx sits in front, so the client IP comes from X-Forwarded-For. */
  @IsString() TRUST_PROXY = 'loopback';

  @Transform(toInt) @IsInt() @Min(1) MAX_FILE_SIZE = 10485760;
  @IsString() UPLOAD_PATH = './uploads';

  /** Where uploaded files live: `local` (UPLOAD_PATH) or `s3` (MinIO or any S3-compatible service, MINIO_*). */
  @IsEnum(StorageDriver) STORAGE_DRIVER: StorageDriver = StorageDriver.Local;
  /** S3 endpoint URL, e.g. http://minio:9000; unset for AWS S3 itself. */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) MINIO_ENDPOINT?: string;
  @IsString() MINIO_REGION = 'us-east-1';
  @IsOptional() @IsString() @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'must be a valid bucket name' }) MINIO_BUCKET?: string;
  @IsOptional() @IsString() MINIO_ACCESS_KEY?: string;
  @IsOptional() @IsString() MINIO_SECRET_KEY?: string;
  /** MinIO needs path-style URLs (http://host/bucket/key); AWS prefers virtual-hosted style. */
  @IsBooleanString() MINIO_FORCE_PATH_STYLE = 'true';

  @IsOptional() @IsBooleanString() WORKER_EMBEDDED?: string;
  /** SIGTERM/SIGINT: the process exits by then whatever is unreachable (under Kubernetes' default 30 s). */
  @Transform(toInt) @IsInt() @Min(1000) @Max(120_000) SHUTDOWN_GRACE_MS = 10_000;
  @IsOptional() @IsBooleanString() SWAGGER_ENABLED?: string;

  /** Static bearer token a Prometheus scraper may present on /metrics (SUPER_ADMIN tokens also work). */
  @IsOptional() @IsString() @MinLength(24) METRICS_TOKEN?: string;

  /** Slots starting sooner than this many minutes from now are not bookable (SPEC §6.1, PROPOSED). */
  @Transform(toInt) @IsInt() @Min(0) @Max(10080) BOOKING_MIN_LEAD_MINUTES = 0;

  /** Booking horizon in days: later slots are shown unavailable (SPEC §6.1, PROPOSED). */
  @Transform(toInt) @IsInt() @Min(1) @Max(365) BOOKING_MAX_DAYS_AHEAD = 90;

  /** Cancelling later than this before the start needs an explicit confirmation (SPEC §6.2). */
  @Transform(toInt) @IsInt() @Min(0) @Max(168) CANCELLATION_WINDOW_HOURS = 24;
  /** A room opens this long before the start and closes this long after the scheduled end (SPEC §6.4). */
  @Transform(toInt) @IsInt() @Min(0) @Max(120) JOIN_WINDOW_MINUTES = 15;
  /** While IN_PROGRESS past its planned end, a room token is valid this long after it is issued (rejoining an overrun). */
  @Transform(toInt) @IsInt() @Min(5) @Max(240) ROOM_OVERRUN_TOKEN_MINUTES = 30;
  /** Hard bound of an overrunning session: no room token beyond started_at + this (the room then closes). */
  @Transform(toInt) @IsInt() @Min(30) @Max(1440) ROOM_MAX_SESSION_MINUTES = 240;
  /** ICE servers handed to audio-call clients (comma list of stun: URLs; TURN optional). */
  @IsString() STUN_URLS = 'stun:stun.l.google.com:19302';
  @IsOptional() @IsString() TURN_URL?: string;
  @IsOptional() @IsString() TURN_USERNAME?: string;
  @IsOptional() @IsString() TURN_CREDENTIAL?: string;
  /** Realtime presence and call liveness: a socket not refreshed for this long (its instance died) counts as gone. */
  @Transform(toInt) @IsInt() @Min(3) @Max(600) PRESENCE_TTL_SECONDS = 60;
  /** Signalling events (webrtc:*, call:*) one /audio-call socket may send per 10 s; more get RATE_LIMITED. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10000) CALL_SIGNALS_PER_10S = 200;

  /** Soft-deleted clinical notes are hard-deleted this many years after their deletion (SPEC §6.8: 20 years). */
  @Transform(toInt) @IsInt() @Min(1) @Max(100) CLINICAL_NOTE_RETENTION_YEARS = 20;

  /** Chat stays writable this many days after a consultation is COMPLETED (SPEC §6.5 "during and after"). */
  @Transform(toInt) @IsInt() @Min(0) @Max(3650) CHAT_FOLLOW_UP_DAYS = 30;
  /** A sender may edit a message (I4) this many minutes after sending it. */
  @Transform(toInt) @IsInt() @Min(0) @Max(1440) CHAT_EDIT_WINDOW_MINUTES = 15;
  /** Per user, per 10 s window: chat:message events (other chat events get 4× this). */
  @Transform(toInt) @IsInt() @Min(1) @Max(1000000) CHAT_MESSAGES_PER_10S = 20;
  /** An offline recipient gets at most one MESSAGE_RECEIVED notification per consultation in this many seconds. */
  @Transform(toInt) @IsInt() @Min(0) @Max(86400) CHAT_NOTIFY_COOLDOWN_SECONDS = 300;
  /** RGPD erasure: days between a deletion request and its processing, cancellable meanwhile (SPEC §6.8: 30). */
  @Transform(toInt) @IsInt() @Min(1) @Max(365) DELETION_GRACE_DAYS = 30;
  /** Hours the e-mailed confirmation code of a deletion request stays valid. */
  @Transform(toInt) @IsInt() @Min(1) @Max(720) DELETION_CONFIRMATION_TTL_HOURS = 48;
  /** Current version of the consent texts (TERMS_OF_USE, PRIVACY_POLICY, HEALTH_DATA_PROCESSING); only it can be given. */
  @Matches(/^\d{1,3}(\.\d{1,3}){0,2}$/) CONSENT_CURRENT_VERSION = '1.0';
  /** Crypto-shredding: key-store dumps (subject keys) are kept at most this many days; an erasure is final in every backup after it (README). */
  @Transform(toInt) @IsInt() @Min(1) @Max(90) SUBJECT_KEY_BACKUP_RETENTION_DAYS = 7;
  /** Reports (SPEC §6.7): an aggregate over fewer employees than this is withheld, never shown as a number. */
  @Transform(toInt) @IsInt() @Min(2) @Max(1000) REPORTS_MIN_GROUP_SIZE = 10;
  /** Counters: the materialized views are refreshed every this many hours (SPEC §3.4: 6). */
  @Transform(toInt) @IsInt() @Min(1) @Max(168) STATS_REFRESH_EVERY_HOURS = 6;
  /** Counters: after a consultation ends, one refresh runs this long later for every ending in between (debounce). */
  @Transform(toInt) @IsInt() @Min(0) @Max(3_600_000) STATS_REFRESH_DEBOUNCE_MS = 60_000;
  /** CSV exports of more employees than this run as a job with progress (202 + job id); 0 = always streamed. */
  @Transform(toInt) @IsInt() @Min(0) REPORTS_EXPORT_ASYNC_ROWS = 1_000_000;
  /** Where export jobs write their files (shared by the api and the worker: a shared volume in production). */
  @IsString() REPORTS_EXPORT_DIR = './.data/exports';
  /** Daily retention purges (issue 9 item 5), in days. Delivered outbox rows are kept this long. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) OUTBOX_RETENTION_DAYS = 7;
  /** The outbox sweep runs this often and redelivers messages left undelivered this long (a request that could not queue them, e.g. Redis down). */
  @Transform(toInt) @IsInt() @Min(1000) @Max(3_600_000) OUTBOX_SWEEP_EVERY_MS = 30_000;
  /** In-app notifications older than this are deleted (expired ones too). */
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) NOTIFICATION_RETENTION_DAYS = 90;
  /** Records of sent e-mails (email_queue rows SENT) older than this are deleted. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) SENT_MAIL_RETENTION_DAYS = 30;
  /** Security events (failed logins, token reuse) older than this are deleted. */
  @Transform(toInt) @IsInt() @Min(30) @Max(3650) SECURITY_EVENT_RETENTION_DAYS = 365;
  /** Audit rows older than this are deleted; at least one year (the database refuses younger rows anyway). */
  @Transform(toInt) @IsInt() @Min(365, { message: 'AUDIT_LOG_RETENTION_DAYS must be at least 365 (audit logs are kept one year at least)' }) @Max(36500) AUDIT_LOG_RETENTION_DAYS = 365;

  /** On-demand backups (S5): pg_dump binary (default: next to the server binaries, else on PATH) and the
   * connection it uses (default SYSTEM_DATABASE_URL: BYPASSRLS, so the dump holds every row). */
  @IsOptional() @IsString() PG_DUMP_PATH?: string;
  @IsOptional() @IsString() BACKUP_DATABASE_URL?: string;
  /** Jitsi reachability probe of /api/super-admin/health (default https://JITSI_DOMAIN/). */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) JITSI_HEALTH_URL?: string;

  @IsString() LOG_LEVEL = 'info';

  /** Name of this process in the X-Instance-Id response header (default: the host name, the pod name under Kubernetes). */
  @IsOptional() @IsString() @Matches(/^[a-zA-Z0-9._-]{1,64}$/) INSTANCE_ID?: string;
  /** SIGTERM: how long the api keeps its open connections (answering with `Connection: close`) after it stops accepting new ones; longer than the proxy's upstream keep-alive timeout (nginx/: 4 s). */
  @Transform(toInt) @IsInt() @Min(0) @Max(60_000) SHUTDOWN_DRAIN_MS = 5_000;
  /** BullMQ job lock: a job whose worker died (SIGKILL, OOM) is handed to another worker after about twice this. */
  @Transform(toInt) @IsInt() @Min(1000) @Max(600_000) JOB_LOCK_MS = 30_000;
}

/** Values that mean "somebody copied the example file": refused in production. */
const PLACEHOLDER = /change[-_ ]?me|placeholder|example|secret123|^x+$|dev[-_]only/i;
const SECRET_NAMES = ['JWT_SECRET', 'JWT_REFRESH_SECRET', 'JITSI_SECRET', 'SMTP_PASSWORD', 'METRICS_TOKEN'] as const;

export function validateEnv(raw: Record<string, unknown>): EnvironmentVariables {
  // an empty value counts as unset (`VAR=` in .env, `${VAR:-}` in docker-compose.yml): the default applies
  const given = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
  const env = plainToInstance(EnvironmentVariables, given, { exposeDefaultValues: true });
  const problems = validateSync(env, { skipMissingProperties: false, whitelist: false }).map(
    (e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ') || 'invalid'}`,
  );

  if (!env.ENCRYPTION_KEYS && !env.ENCRYPTION_KEY) problems.push('ENCRYPTION_KEYS: required (or ENCRYPTION_KEY)');
  if (env.JWT_SECRET && env.JWT_SECRET === env.JWT_REFRESH_SECRET) {
    problems.push('JWT_REFRESH_SECRET: must differ from JWT_SECRET');
  }
  if (env.STORAGE_DRIVER === StorageDriver.S3) {
    for (const name of ['MINIO_BUCKET', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY'] as const) {
      if (!env[name]) problems.push(`${name}: required when STORAGE_DRIVER=s3`);
    }
  }
  if (env.NODE_ENV === NodeEnv.Production) {
    for (const name of SECRET_NAMES) {
      const value = env[name];
      if (typeof value === 'string' && PLACEHOLDER.test(value)) problems.push(`${name}: placeholder value refused in production`);
    }
    if (env.STORAGE_DRIVER === StorageDriver.S3 && env.MINIO_SECRET_KEY && PLACEHOLDER.test(env.MINIO_SECRET_KEY)) {
      problems.push('MINIO_SECRET_KEY: placeholder value refused in production');
    }
    const keys = `${env.ENCRYPTION_KEYS ?? ''}${env.ENCRYPTION_KEY ?? ''}`;
    if (/(0{64}|1{64}|(0123456789abcdef){4})/i.test(keys)) problems.push('ENCRYPTION_KEYS: placeholder key refused in production');
    if (/^(0{64}|1{64}|(0123456789abcdef){4})$/i.test(env.JOURNAL_TAG_KEY ?? '')) problems.push('JOURNAL_TAG_KEY: placeholder key refused in production');
    if (env.BENCH_BASELINE_ROUTE === 'true') problems.push('BENCH_BASELINE_ROUTE: the bench-only route is refused in production');
    if (/localhost|127\.0\.0\.1/.test(env.FRONTEND_URL)) problems.push('FRONTEND_URL: must be the public app URL in production');
  }
  if (problems.length) {
    throw new Error(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return env;
}
