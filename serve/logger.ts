import pino, { type DestinationStream, type Logger } from 'pino';
import { redactDeep, redactSecrets, REDACT_PATHS } from './log-redact';

const errSerializer = (e: unknown) => redactDeep(pino.stdSerializers.err(e as Error));

/** `destination` (default stdout) lets tests read what is logged. */
export function createLogger(level: string, name = 'memocha', destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: errSerializer, error: errSerializer },
    hooks: {
      // messages are often built from upstream error text: redact them too
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
