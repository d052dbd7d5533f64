/**
 * A warehouse row as the sync engine hands it to a destination: column name -> value.
 *
 * Destinations see plain data only (STYLE.md "Destinations are small"): no ORM model, no
 * host internals. Each destination's README section lists the columns it reads.
 */
export type Row = Readonly<Record<string, unknown>>;

/** Identifies a row in the caller's terms (its primary key, or its index in the input). */
export type RowRef = string | number;
