import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';

/** Where and as whom to reach ClickHouse: the `warehouse.clickhouse` settings. */
export interface ClickHouseConnectionOptions {
  /** HTTP interface, e.g. `http://localhost:8123`. */
  readonly url: string;
  /** Created on migrate if missing. @defaultValue `touchline` */
  readonly database?: string;
  /** @defaultValue `default` */
  readonly username?: string;
  /** @defaultValue empty */
  readonly password?: string;
  /** Per-request timeout. @defaultValue 300 s */
  readonly requestTimeoutMs?: number;
  /**
   * Makes the transport instead of HTTP (the client's experimental `connection` option), e.g.
   * chDB's in-process ClickHouse: the tests use it to run the conformance suite against a current
   * ClickHouse release where only an old server package is installed.
   */
  readonly connection?: () => ClientConnection;
}

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/** A client for one database (or none, to create it), as every Touchline component opens it. */
export function newClickHouseClient(
  o: ClickHouseConnectionOptions,
  database: string | undefined,
  { compressRequest = false }: { compressRequest?: boolean } = {},
): ClickHouseClient {
  return createClient({
    url: o.url,
    username: o.username ?? 'default',
    password: o.password ?? '',
    ...(database === undefined ? {} : { database }),
    // 18.x servers reject some of the newer client defaults: keep the requests plain. A gzipped
    // request body (Content-Encoding) is read by 18.16 too; the loader's bench measures it.
    compression: { request: compressRequest, response: false },
    request_timeout: o.requestTimeoutMs ?? 300_000,
    log: { level: ClickHouseLogLevel.OFF },
    // On a replicated cluster a Distributed table writes each shard's rows to one replica and
    // the others copy them in the background; with the default (random) choice a read right
    // after a load can land on a replica that has not copied them yet, so the loader's dedup
    // lookup and a user's query miss rows just written. In order, every query and insert goes to
    // the first healthy replica of each shard (the next when it is down): reads see the writes.
    // A no-op on one server.
    clickhouse_settings: { load_balancing: 'in_order' },
    ...(o.connection ? { connection: o.connection() } : {}),
  });
}
