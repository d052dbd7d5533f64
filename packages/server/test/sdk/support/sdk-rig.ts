/**
 * What every vendor-browser-SDK test starts with: a Touchline harness listening on a port, the
 * collector edge in front of it, the shop that serves the SDK, and a Chromium — plus a desktop
 * user agent, because headless Chromium says "HeadlessChrome", which isbot rightly calls a bot,
 * and the visitors in these tests are people.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../../tracker/test/support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { serveCollectorEdge, serveSdkShop, type Edge, type SdkShop } from './sdk-site.js';

export interface SdkRig {
  readonly h: Harness;
  readonly edge: Edge;
  readonly shop: SdkShop;
  readonly browser: Browser;
  readonly userAgent: string;
  close(): Promise<void>;
}

/** Starts the rig; `config` is the harness's server config (e.g. the tracker's site domains). */
export async function startSdkRig(config: Record<string, unknown> = {}): Promise<SdkRig> {
  const h = await startHarness(config, { listen: true });
  const edge = await serveCollectorEdge(h.url);
  const shop = await serveSdkShop();
  const browser = await launchChromium();
  const userAgent = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version().split('.')[0]}.0.0.0 Safari/537.36`;
  return {
    h, edge, shop, browser, userAgent,
    async close() {
      await browser.close();
      await shop.close();
      await edge.close();
      await h.dispose();
    },
  };
}

/** Polls `check` until it returns a value, failing with `what` after `ms` (SDKs deliver on their own schedule). */
export async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
