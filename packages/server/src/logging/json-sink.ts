import { pino, stdTimeFunctions, type DestinationStream } from 'pino';
import type { LogSink } from './log.js';

/**
 * Log lines as JSON, one object a line, through pino (the logger fastify ships with): what log
 * stacks (journald → Loki, Vector, Fluent Bit, Elastic) read without a parsing rule.
 *
 * ```json
 * {"level":"info","time":"2026-12-07T19:20:00.000Z","pid":4242,"msg":"load failed; …","requestIds":["k3x9a1-1f"]}
 * ```
 *
 * Redaction happens before (createLog, at every level but `debug`); pino only writes. Level
 * filtering happens before too, so pino itself lets everything through.
 */
export function jsonSink(destination: DestinationStream = pino.destination({ fd: 2, sync: true })): LogSink {
  const logger = pino(
    {
      level: 'debug',
      base: { pid: process.pid },
      timestamp: stdTimeFunctions.isoTime,
      // Level names, not pino's numbers: what a person filtering a log stack types.
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return (msg, fields, level = 'info') => logger[level](fields ?? {}, msg);
}
