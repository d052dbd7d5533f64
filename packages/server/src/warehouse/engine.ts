/** The warehouse engines Touchline runs on: the `warehouse.engine` config key's values. */
export const WarehouseEngine = { DuckDB: 'duckdb', ClickHouse: 'clickhouse' } as const;
export type WarehouseEngine = (typeof WarehouseEngine)[keyof typeof WarehouseEngine];
