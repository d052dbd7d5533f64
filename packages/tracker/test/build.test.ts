/**
 * The build: the script's generated copy of the protocol data equals the protocol, the script
 * stays in its 3 KB budget, and the package metadata agrees with the code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as protocol from '@touchline/protocol';
// @ts-expect-error -- plain JavaScript build module, no declarations
import { browserProtocolModule, buildScript, SCRIPT_BUDGET_BYTES } from '../scripts/build-config.mjs';
import { VERSION } from '../src/index.js';
import { SITE_DOMAIN_TOKEN } from '../src/snippet.js';

describe('build', () => {
  it("the script's protocol data is generated from @touchline/protocol, equal in what the tracker reads", async () => {
    const src: string = await browserProtocolModule();
    const m = await import('data:text/javascript;base64,' + Buffer.from(src).toString('base64'));
    expect(m.CLICK_IDS).toEqual(protocol.CLICK_IDS.map((e) => ({ column: e.column, params: [...e.params] })));
    expect(m.UTM_KEYS).toEqual([...protocol.UTM_KEYS]);
    expect(m.DEFAULT_REFERRAL_EXCLUSIONS).toEqual([...protocol.DEFAULT_REFERRAL_EXCLUSIONS]);
    expect(m.DEFAULT_SESSION_TIMEOUT_MS).toBe(protocol.DEFAULT_SESSION_TIMEOUT_MS);
    expect(m.TRACKER_MAX_PAYLOAD_BYTES).toBe(protocol.TRACKER_MAX_PAYLOAD_BYTES);
  });

  it('dist/s.js (minified IIFE) is at most 3 KB gzip -9', async () => {
    const { code, gzipBytes } = (await buildScript()) as { code: string; gzipBytes: number };
    console.log(`[size] dist/s.js: ${code.length} B minified, ${gzipBytes} B gzip -9 (budget ${SCRIPT_BUDGET_BYTES} B = 3 KiB, ${SCRIPT_BUDGET_BYTES - gzipBytes} B to spare)`);
    expect(gzipBytes).toBeLessThanOrEqual(SCRIPT_BUDGET_BYTES);
    // neutral names only: blockers list these (research §3.5)
    expect(code).not.toMatch(/\/(collect|track|beacon|pixel|analytics)\b/);
  });

  it('keeps the site-domain token as one string literal, for the collector to write the registrable domain over', async () => {
    const { code } = (await buildScript()) as { code: string };
    expect(code.split(JSON.stringify(SITE_DOMAIN_TOKEN))).toHaveLength(2);
    expect(code.split(SITE_DOMAIN_TOKEN)).toHaveLength(2);
  });

  it('context.library.version is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
