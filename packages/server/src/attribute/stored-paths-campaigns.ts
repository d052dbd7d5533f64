import type { Warehouse } from '../warehouse/warehouse.js';

/** The stored paths' per-key state (stored-paths.ts). */
const STATE = 'attribution_stored_paths_state';
/** The campaign metadata the stored keys were last checked against. */
const SEEN = 'attribution_stored_paths_campaigns';

/**
 * What a stored key's rows read from `ad_campaigns`: each Google Ads campaign's id, ad network
 * type and campaign type, which give an auto-tagged click its GA4 channel on read
 * (identity/google-ads-channel.ts, joined in `resolvedSessionsSql`). Campaign names are not read:
 * the campaign level is the touch's UTM campaign, so a renamed campaign changes no stored row.
 */
const FINGERPRINT = `SELECT md5(CAST(coalesce(list((campaign_id, ad_network_type, channel_type) ORDER BY campaign_id, ad_network_type, channel_type), []) AS VARCHAR))
FROM ad_campaigns WHERE network = 'google_ads'`;

/**
 * The stored paths follow the events (their count and watermark), but a spend pull or import
 * that changes a Google Ads campaign's network or campaign type re-labels its clicks' channel
 * without any event changing. When that metadata differs from what was last seen, every stored
 * key whose statement reads `ad_campaigns` is marked stale (an event count no table has), so the
 * next refresh tick or view recomputes it whole: the stored journeys hold the old labels, so an
 * incremental refresh would not do. Returns how many keys were marked. DuckDB only (where stored
 * paths are kept).
 */
export async function markStaleOnCampaignChange(w: Warehouse): Promise<number> {
  return w.transaction(async (tx) => {
    await tx.run(`CREATE TABLE IF NOT EXISTS ${SEEN} (fingerprint VARCHAR NOT NULL)`);
    const now = String((await tx.run(FINGERPRINT)).rows[0]?.[0] ?? '');
    const seen = (await tx.run(`SELECT fingerprint FROM ${SEEN}`)).rows[0]?.[0];
    if (seen === now) return 0;
    await tx.run(`DELETE FROM ${SEEN}`);
    await tx.run(`INSERT INTO ${SEEN} VALUES ($fingerprint)`, { fingerprint: now });
    const stored = await tx.run(`SELECT count(*) FROM information_schema.tables WHERE table_name = '${STATE}'`);
    if (Number(stored.rows[0]?.[0]) === 0) return 0;
    // Never seen (a first start of this version): the keys may predate a change, so they are marked too.
    const marked = await tx.run(`UPDATE ${STATE} SET events = -1 WHERE contains(statement, 'ad_campaigns') AND events <> -1 RETURNING key`);
    return marked.rows.length;
  });
}
