import { redactFields, redactMessage } from './redact.js';

/** `info` (the default) keeps personal data and secrets out of every line; `debug` lets them through. */
export const LOG_LEVELS = ['info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

/** Where log lines go: stderr by default; tests capture them. */
export type LogSink = (msg: string, fields?: LogFields) => void;

/**
 * What every module is handed: called as before (`log(msg, fields)`) for what an operator should
 * see, `log.debug(…)` for details only `log.level = debug` shows. The same shape as pino's
 * `info`/`debug` (the operations issue moves the sink to pino), so call sites stay as they are.
 */
export interface Log {
  (msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
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
      : (msg, fields) => {
          const known = [...secrets()];
          o.sink(redactMessage(msg, known), fields === undefined ? undefined : redactFields(fields, known));
        };
  return Object.assign((msg: string, fields?: LogFields) => write(msg, fields), {
    debug: o.level === 'debug' ? (msg: string, fields?: LogFields) => write(msg, fields) : () => undefined,
    level: o.level,
  });
}

/** Writes nothing (one-off CLI work, tests). */
export const silentLog: Log = Object.assign(() => undefined, { debug: () => undefined, level: 'info' as const });

/** `touchline: <message> {fields as JSON}` on stderr. */
export const stderrSink: LogSink = (msg, fields) => console.error(`touchline: ${msg}`, fields ? JSON.stringify(fields) : '');
