/**
 * What `touchline import` checks of a file's rows before they are sent, and the line each came
 * from: a refused row is still sent (as its raw text, which the collector quarantines in
 * failed_events: nothing is lost), and the CLI names its line and the reason.
 */

/** One row of an import file: the event (or the raw text of a refused row), its line, and why it was refused. */
export interface ImportRow {
  readonly line: number;
  readonly event: unknown;
  /** Set when the import itself refused the row (the collector is sent its raw text). */
  readonly refused?: string;
}

/** Columns that must hold an e-mail address: `email`, `traits.email`, `contact_email`, `email_address`… */
const EMAIL_COLUMN = /(^|[._])(e-?mail|e-?mail_address|contact_email|mail)$/i;
/** An address as a CRM or an ad network would take it: one `@`, a dot in the domain, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Why a CSV row cannot be imported as it stands, or undefined: more values than columns, an e-mail column without an address. */
export function csvRowProblem(header: readonly string[], values: readonly string[]): string | undefined {
  if (values.length > header.length && values.slice(header.length).some((v) => v !== '')) {
    return `${values.length} values for ${header.length} columns: a value holds an unquoted comma, or a column is missing from the header`;
  }
  for (let i = 0; i < header.length; i++) {
    const v = values[i]?.trim() ?? '';
    if (v !== '' && EMAIL_COLUMN.test(header[i]!.trim()) && !EMAIL.test(v)) return `column "${header[i]}" does not hold an e-mail address`;
  }
  return undefined;
}

/** The header and values as a record (the values past the header dropped, missing ones empty). */
export function csvRecord(header: readonly string[], values: readonly string[]): Record<string, string> {
  return Object.fromEntries(header.map((h, i) => [h, values[i] ?? '']));
}

/** The rows the import refused or the collector quarantined, by line: the first `keep`, and how many in all. */
export interface BadRows {
  add(line: number, reason: string): void;
  readonly total: number;
  readonly shown: readonly { readonly line: number; readonly reason: string }[];
}

export function badRows(keep = 100): BadRows {
  const shown: { line: number; reason: string }[] = [];
  let total = 0;
  return {
    add(line, reason) {
      total++;
      if (shown.length < keep) shown.push({ line, reason });
    },
    get total() {
      return total;
    },
    get shown() {
      return [...shown].sort((a, b) => a.line - b.line);
    },
  };
}
