import { re2Literal } from '@touchline/attribution';
import { WarehouseEngine } from '../engine.js';
import { TimestampFlavor, type ClickHouseFeatures } from './clickhouse-features.js';
import { clickhouseLiteral, clickhouseQuoteIdent, clickhouseValue } from './clickhouse-quoting.js';
import type { BoundDialect, SqlDialect } from './dialect.js';
import { isoOfMs, numberText, type ValueSink } from './dialect-values.js';
import { paramCollector } from './sql-value.js';

/** What the dialect needs to know of the server (see clickhouse-features.ts). */
export type ClickHouseDialectFeatures = Pick<ClickHouseFeatures, 'jsonExtract' | 'timestamps'>;

const WS = '^[\\t\\n\\f\\r ]+|[\\t\\n\\f\\r ]+$';
const NUMERIC = '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$';
// A JSON string's quotes and the whitespace visitParamExtractRaw keeps are not part of the value.
const JSON_BARE = '^[\\t\\n\\r "]+|[\\t\\n\\r "]+$';

/**
 * The ClickHouse dialect for a server with these features, whose values go to `sink`. Long,
 * but one object of one-line spellings, in the same order as the other engine's: split up, the
 * two would be harder to compare.
 */
// long: one object of one-line spellings, kept in the same order as the DuckDB dialect to compare them
function clickhouseDialectWith(f: ClickHouseDialectFeatures, sink: ValueSink): SqlDialect {
  const string = (v: string) => sink(v);
  const lit = clickhouseLiteral;
  const raw = (c: string, k: string) =>
    f.jsonExtract ? `JSONExtractRaw(ifNull(${c}, ''), ${string(k)})` : `visitParamExtractRaw(ifNull(${c}, ''), ${string(k)})`;
  const iso = f.timestamps === TimestampFlavor.IsoString;
  return {
    engine: WarehouseEngine.ClickHouse,
    literal: lit,
    quoteIdent: clickhouseQuoteIdent,
    string,
    value: sink,
    // 18.16 stores fixed-width ISO-8601 text (2026-03-01T11:59:58.123Z); later servers DateTime64(3).
    timestamp: (ms) => {
      const t = isoOfMs(ms);
      return iso ? string(t) : `toDateTime64(${string(`${t.slice(0, 10)} ${t.slice(11, 23)}`)}, 3, 'UTC')`;
    },
    binding: (prefix) => bindingClickhouseDialect(f, prefix),

    present: (e) => `notEmpty(ifNull(${e}, ''))`,
    text: (e) => `ifNull(${e}, '')`,
    nullIfEmpty: (e) => `nullIf(${e}, '')`,
    firstOf: (...es) => es.reduceRight((acc, x) => `if(ifNull(${x}, '') != '', ${x}, ${acc})`, 'NULL'),
    concat: (parts) => `concat(${parts.map((p) => `ifNull(${p}, '')`).join(', ')})`,
    lower: (e) => `lowerUTF8(${e})`,
    upper: (e) => `upperUTF8(${e})`,
    trimWs: (e) => `replaceRegexpAll(${e}, ${lit(WS)}, '')`,
    stripWww: (e) => `replaceRegexpOne(${e}, ${lit('^www\\.')}, '')`,
    replaceAll: (e, p, r) => `replaceRegexpAll(${e}, ${string(p)}, ${string(r)})`,
    endsWith: (e, s) => `endsWith(${e}, ${s})`,
    beforeColon: (e) => `substring(${e}, 1, position(${e}, ':') - 1)`,
    afterColon: (e) => `substring(${e}, position(${e}, ':') + 1)`,
    toText: (e) => `toString(${e})`,
    md5: (e) => `lower(hex(MD5(${e})))`,
    nullable: (e) => `toNullable(${e})`,
    true: '1',
    false: '0',
    notTrue: (e) => `ifNull(${e}, 0) = 0`,
    intDiv: (a, b) => `intDiv(${a}, ${b})`,
    epochMs: (c) =>
      iso
        ? `(toInt64(toDateTime(replaceOne(substring(${c}, 1, 19), 'T', ' '), 'UTC')) * 1000 + toInt64(substring(${c}, 21, 3)))`
        : `toInt64(toDecimal64(${c}, 3) * 1000)`,

    jsonText: (c, k) =>
      f.jsonExtract
        ? `nullIf(JSONExtractString(ifNull(${c}, ''), ${string(k)}), '')`
        : `nullIf(visitParamExtractString(ifNull(${c}, ''), ${string(k)}), '')`,
    jsonNumber: (c, k) => {
      const t = `replaceRegexpAll(${raw(c, k)}, ${lit(JSON_BARE)}, '')`;
      return `if(match(${t}, ${lit(NUMERIC)}) AND isFinite(toFloat64OrZero(${t})), toNullable(toFloat64OrZero(${t})), NULL)`;
    },
    jsonRaw: raw,
    isJunk: (e, junk) =>
      `(isNull(${e}) OR (lengthUTF8(ifNull(${e}, '')) <= ${numberText(junk.maxLength)} AND lowerUTF8(replaceRegexpAll(ifNull(${e}, ''), ${lit(
        WS,
      )}, '')) IN (${junk.values.map(string).join(', ')})))`,

    row: (parts) => `tuple(${parts.join(', ')})`,
    rowField: (r, i) => `tupleElement(${r}, ${i})`,
    argMin: (x, by) => `argMin(${x}, ${by})`,
    argMax: (x, by) => `argMax(${x}, ${by})`,
    // (not argMaxIf above: a tuple cannot be Nullable)
    argMaxRowIf: (r, by, c) => `argMaxIf(${r}, ${by}, ${c})`,
    argMinRowIf: (r, by, c) => `argMinIf(${r}, ${by}, ${c})`,
    // With no matching row ClickHouse answers the type's default ('' or 1970), DuckDB NULL.
    argMinIf: (x, by, c) => `if(countIf(${c}) > 0, toNullable(argMinIf(${x}, ${by}, ${c})), NULL)`,
    argMaxIf: (x, by, c) => `if(countIf(${c}) > 0, toNullable(argMaxIf(${x}, ${by}, ${c})), NULL)`,
    minIf: (x, c) => `if(countIf(${c}) = 0, NULL, minIf(${x}, ${c}))`,
    maxIf: (x, c) => `if(countIf(${c}) = 0, NULL, maxIf(${x}, ${c}))`,
    countIf: (c) => `countIf(${c})`,
    countDistinct: (e) => `uniqExact(${e})`,
    anyTrue: (c) => `max(${c})`,
    listAgg: (e) => `groupArray(${e})`,
    listDistinct: (e) => `groupUniqArray(${e})`,
    sortedDistinctIf: (e, c) => `arraySort(groupUniqArrayIf(assumeNotNull(${e}), ${c}))`,

    leftJoin: 'ANY LEFT JOIN',
    innerJoin: 'ALL INNER JOIN',

    // Channel rules use only functions 18.16 has: lowerUTF8 (lower is ASCII-only, and the
    // TypeScript matcher lower-cases Unicode), ifNull, match, position.
    ruleField: (e) => `lowerUTF8(ifNull(${e}, ''))`,
    regex: (e, p) => `match(${e}, ${string(p)})`,
    hasSubstring: (e, s) => `(position(${e}, ${string(s)}) > 0)`,
    hasPrefix: (e, s) => `match(${e}, ${string('^' + re2Literal(s))})`,
    hasSuffix: (e, s) => `match(${e}, ${string(re2Literal(s) + '$')})`,
  };
}

/** ClickHouse's dialect for a server with these features: values as literals (views, DDL). */
export function clickhouseDialect(f: ClickHouseDialectFeatures): SqlDialect {
  return clickhouseDialectWith(f, clickhouseValue);
}

function bindingClickhouseDialect(f: ClickHouseDialectFeatures, prefix = 'p'): BoundDialect {
  const c = paramCollector(prefix);
  return { ...clickhouseDialectWith(f, c.add), params: c.params };
}
