import { describe, expect, it } from 'vitest';
import { encodeTimestamp, decodeValue, isoFromClickHouse, tsvLine } from '../../src/warehouse/clickhouse/clickhouse-values.js';
import { assertReadOnlySql, errorCode, errorText } from '../../src/warehouse/clickhouse/clickhouse-sql-guard.js';
import { QueryRefusedError } from '../../src/warehouse/warehouse.js';

describe('ClickHouse values', () => {
  it('stores timestamps in the table flavor, normalising what clients send', () => {
    expect(encodeTimestamp('2026-03-01T11:59:58.123Z', 'iso-string')).toBe('2026-03-01T11:59:58.123Z');
    expect(encodeTimestamp('2026-03-01T13:59:58+02:00', 'iso-string')).toBe('2026-03-01T11:59:58.000Z');
    expect(encodeTimestamp('2026-03-01T11:59:58.123456Z', 'datetime64')).toBe('2026-03-01 11:59:58.123');
    expect(encodeTimestamp('2026-02-30T00:00:00.000Z', 'iso-string')).toBeNull();
    expect(encodeTimestamp('yesterday', 'iso-string')).toBeNull();
    expect(encodeTimestamp('+010000-01-01T00:00:00.000Z', 'iso-string')).toBeNull();
  });

  it('decodes results to the values DuckDB gives', () => {
    expect(decodeValue('UInt64', '42', 'n', 'UTC')).toBe(42);
    expect(decodeValue('UInt64', '18446744073709551615', 'n', 'UTC')).toBe('18446744073709551615');
    expect(decodeValue("DateTime64(3, 'UTC')", '2026-03-01 11:59:58.123', 't', 'Europe/Paris')).toBe('2026-03-01T11:59:58.123Z');
    expect(decodeValue('DateTime', '2026-03-01 12:59:58', 't', 'Europe/Paris')).toBe('2026-03-01T11:59:58.000Z');
    expect(decodeValue('Nullable(UInt8)', 1, 'is_bot', 'UTC')).toBe(true);
    expect(decodeValue('UInt8', 1, 'n', 'UTC')).toBe(1);
    expect(decodeValue('Nullable(String)', null, 's', 'UTC')).toBeNull();
    expect(isoFromClickHouse('2026-07-01 02:00:00', 'Europe/Paris')).toBe('2026-07-01T00:00:00.000Z');
  });

  it('writes TabSeparated lines with NULLs and escapes', () => {
    expect(tsvLine({ a: 'x\ty\nz\\', b: null, c: 3, d: '\\N' }, ['a', 'b', 'c', 'd'])).toBe('x\\ty\\nz\\\\\t\\N\t3\t\\\\N');
  });

  it('refuses anything but one read statement, comments and strings aside', () => {
    for (const ok of ['SELECT 1', ' -- note\nselect 1;', "SELECT ';' AS x", '(SELECT 1)', 'WITH 1 AS x SELECT x', 'SHOW TABLES']) {
      expect(() => assertReadOnlySql(ok)).not.toThrow();
    }
    for (const bad of ['DELETE FROM events', 'SELECT 1; DROP TABLE events', '/* SELECT */ DROP TABLE x', 'OPTIMIZE TABLE events', '']) {
      expect(() => assertReadOnlySql(bad)).toThrow(QueryRefusedError);
    }
  });

  it('reads error codes and text from old and current servers', () => {
    const old = new Error('Code: 164, e.displayText() = DB::Exception: Cannot drop table in readonly mode, e.what() = DB::Exception\n');
    const current = new Error('Code: 60. DB::Exception: Unknown table expression identifier \'x\'. (UNKNOWN_TABLE) (version 24.8.1.1)');
    expect([errorCode(old), errorText(old)]).toEqual([164, 'Cannot drop table in readonly mode']);
    expect(errorCode(current)).toBe(60);
    expect(errorText(current)).toMatch(/^Unknown table expression identifier 'x'/);
    const parsed = Object.assign(new Error("Unknown table expression identifier 'x'"), { code: '60' });
    expect(errorCode(parsed)).toBe(60);
  });

  it('says a shard is unreachable, naming the replicas tried, instead of "All connection tries failed"', () => {
    const old = new Error(
      'Code: 279, e.displayText() = DB::NetException: All connection tries failed. Log: \n\n' +
        'Code: 210, e.displayText() = DB::NetException: Connection refused (127.0.0.1:9001, local address: 127.0.0.1:51234), e.what() = DB::NetException\n' +
        'Code: 210, e.displayText() = DB::NetException: Connection refused (ch-2b.internal:9000), e.what() = DB::NetException\n' +
        '2026.12.07 17:00:00.123 retried\n',
    );
    const current = new Error('Code: 279. DB::NetException: All connection tries failed. Log: \n\nTimeout exceeded while connecting to socket ([::1]:9000, connection timeout 1000 ms)\n. (ALL_CONNECTION_TRIES_FAILED) (version 24.8.1.1)');
    expect(errorText(old)).toBe(
      'a shard of the cluster is unreachable: none of its replicas accepted a connection (tried 127.0.0.1:9001, 127.0.0.1:51234, ch-2b.internal:9000). ' +
        'Start them (or fix remote_servers); nothing is lost meanwhile, collectors keep spooling',
    );
    expect(errorText(current)).toContain('(tried [::1]:9000)');
    expect(errorText(new Error('Code: 279. DB::NetException: All connection tries failed. Log: '))).not.toContain('tried');
  });
});
