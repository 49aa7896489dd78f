import { ClsServiceManager } from 'nestjs-cls';
import { WinstonModule } from 'nest-winston';
import winston from 'winston';

/** Keys whose values never reach a log line: credentials, tokens and anything that may hold health content. */
const SENSITIVE_KEY =
  /pass(word)?|token|secret|authorization|cookie|mfa|otp|code|content|message_?text|journal|note|reason|body|dek|key$/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SENSITIVE_KEY.test(k) ? '[REDACTED]' : redact(v, depth + 1);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'message' || key === 'level' || key === 'timestamp' || key === 'context') continue;
    info[key] = SENSITIVE_KEY.test(key) ? '[REDACTED]' : redact(info[key]);
  }
  return info;
});

const requestIdFormat = winston.format((info) => {
  const cls = ClsServiceManager.getClsService();
  if (cls?.isActive()) {
    info.requestId = cls.getId();
    const identity = cls.get('identity') as { userId?: string } | undefined;
    if (identity?.userId) info.userId = identity.userId;
  }
  return info;
});

/** JSON logs with request id and redaction (ARCHITECTURE §2); one line per event. */
export function createAppLogger(level = process.env.LOG_LEVEL ?? 'info') {
  return WinstonModule.createLogger({
    level,
    format: winston.format.combine(
      winston.format.timestamp(),
      requestIdFormat(),
      redactFormat(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}
