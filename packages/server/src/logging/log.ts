import { redactFields, redactMessage } from './redact.js';

/**
 * `log.level`, least to most said: `error`, `warn`, `info` (the default) keep personal data and
 * secrets out of every line; `debug` adds a line per request and per load, and lets them through.
 */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

/** Where log lines go, each with its level: JSON on stderr by default (json-sink.ts); tests capture them. */
export type LogSink = (msg: string, fields?: LogFields, level?: LogLevel) => void;

/**
 * What every module is handed: called as before (`log(msg, fields)`) for what an operator should
 * see, `log.debug(…)` for details only `log.level = debug` shows. The same shape as pino's
 * `info`/`debug` (the operations issue moves the sink to pino), so call sites stay as they are.
 */
export interface Log {
  (msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  /** Something failed and Touchline recovers (a load retried, a seal retried). */
  warn(msg: string, fields?: LogFields): void;
  /** Something failed that an operator must see to (an unexpected error, an audit record lost). */
  error(msg: string, fields?: LogFields): void;
  readonly level: LogLevel;
}

export interface LogOptions {
  readonly level: LogLevel;
  readonly sink: LogSink;
  /** Values that must never appear in a line at `info` (the admin token, write keys): read at each line. */
  readonly secrets?: () => Iterable<string>;
}

/**
 * A log whose `info` lines are redacted (docs/security.md, "Logs"): e-mail addresses, IP
 * addresses, tokens, quoted values from error messages, SQL excerpts and query strings are
 * replaced before the line reaches the sink. At `debug` every line goes out as it is.
 */
export function createLog(o: LogOptions): Log {
  const secrets = o.secrets ?? (() => []);
  const write: LogSink =
    o.level === 'debug'
      ? o.sink
      : (msg, fields, level) => {
          const known = [...secrets()];
          o.sink(redactMessage(msg, known), fields === undefined ? undefined : redactFields(fields, known), level);
        };
  const rank = LOG_LEVELS.indexOf(o.level);
  // A level below the configured one is a no-op function: nothing is built for a line not written.
  const at = (level: LogLevel) => (LOG_LEVELS.indexOf(level) <= rank ? (msg: string, fields?: LogFields) => write(msg, fields, level) : () => undefined);
  return Object.assign(at('info'), { debug: at('debug'), warn: at('warn'), error: at('error'), level: o.level });
}

/** Writes nothing (one-off CLI work, tests). */
export const silentLog: Log = Object.assign(() => undefined, { debug: () => undefined, warn: () => undefined, error: () => undefined, level: 'info' as const });
