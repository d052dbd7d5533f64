/**
 * Real-Chromium harness for tracker scenarios, reusable by the collector's end-to-end tests:
 * launch Debian's Chromium (never a downloaded one), serve a test site under realistic host names
 * (every host resolves to 127.0.0.1), read what a page stored. The collector is pluggable: pass
 * the real one's request handler, or use the stand-in (./collector-stand-in.ts).
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { snippetJs, type SnippetOptions } from '../../src/snippet.js';

/** Debian's Chromium; override with TOUCHLINE_CHROMIUM. */
export const CHROMIUM_PATH = process.env['TOUCHLINE_CHROMIUM'] ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
/** Why browser suites are skipped, or `undefined` when they run. */
export const skipReason = hasChromium ? undefined : `Chromium not found at ${CHROMIUM_PATH} (install Debian's chromium or set TOUCHLINE_CHROMIUM)`;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // every host name is this machine: www.shop.test, www.google.test, …
  '--host-resolver-rules=MAP * 127.0.0.1',
];

/** Launches Chromium headless with a fresh temporary profile. Throws (loudly) when it cannot start. */
export async function launchChromium(): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
  } catch (e) {
    throw new Error(`Chromium at ${CHROMIUM_PATH} did not start: ${(e as Error).message}`);
  }
}

/** A new visitor: an isolated context (its own cookies, storage, IndexedDB), as a fresh profile. */
export function newVisitor(browser: Browser): Promise<BrowserContext> {
  return browser.newContext();
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

export interface SiteOptions {
  /** The shop's host name. @defaultValue `'www.shop.test'` */
  host?: string;
  /** The script-tag build (dist/s.js or `buildScript().code`), served at `/_t/s.js`. */
  script: string;
  /** Milliseconds the script is held back (to make calls happen before it loads). @defaultValue `0` */
  scriptDelayMs?: number;
  /** Handles `/_t/*` other than the script: the collector (real or stand-in). */
  collector: Handler;
  /** The HTML of a shop page; default: `sitePage()` with the default snippet. */
  page?: (url: URL) => string;
}

export interface Site {
  port: number;
  /** `http://<host>:<port><path>`; host defaults to the shop. */
  url(path: string, host?: string): string;
  /** A page on another site (`host`) whose link `#go` points at `to` (a click sets the referrer). */
  linkFrom(host: string, to: string): string;
  /** Changes how shop pages are rendered, for the next requests (`/__blank` stays tracker-less). */
  setPage(page: (url: URL) => string): void;
  setScriptDelay(ms: number): void;
  close(): Promise<void>;
}

/** A shop page: the loader snippet in `<head>`, then `head` and `body` as given. */
export function sitePage(opts: { title?: string; snippet?: SnippetOptions; head?: string; body?: string } = {}): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${opts.title ?? 'Shop'}</title>
<script>${snippetJs(opts.snippet)}</script>${opts.head ?? ''}</head>
<body><h1>${opts.title ?? 'Shop'}</h1><a id="home" href="/">home</a>${opts.body ?? ''}</body></html>`;
}

/** Serves the shop (pages, `/_t/s.js`, the collector) and any other host as a link page. */
export async function serveSite(opts: SiteOptions): Promise<Site> {
  const shop = opts.host ?? 'www.shop.test';
  let page = opts.page ?? (() => sitePage());
  let delay = opts.scriptDelayMs ?? 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
        if (url.hostname !== shop) {
          const to = url.searchParams.get('to') ?? '/';
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(`<!doctype html><title>${url.hostname}</title><a id="go" href="${to.replace(/"/g, '&quot;')}">go</a>`);
        }
        if (url.pathname === '/_t/s.js') {
          if (delay) await new Promise((r) => setTimeout(r, delay));
          res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
          return res.end(opts.script);
        }
        if (url.pathname.startsWith('/_t/')) return opts.collector(req, res, Buffer.concat(chunks));
        if (url.pathname === '/favicon.ico') return res.writeHead(404).end();
        if (url.pathname === '/__blank') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end('<!doctype html><title>no tracker</title>');
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(page(url));
      })().catch((e: unknown) => {
        res.writeHead(500).end(String(e));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const url = (path: string, host = shop) => `http://${host}:${port}${path}`;
  return {
    port,
    url,
    linkFrom: (host, to) => url(`/link?to=${encodeURIComponent(to)}`, host),
    setPage: (p) => void (page = p),
    setScriptDelay: (ms) => void (delay = ms),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Arrives at `to` by clicking a link on `from`'s page: the browser sets the referrer itself. */
export async function arriveFrom(page: Page, site: Site, fromHost: string, to: string): Promise<void> {
  await page.goto(site.linkFrom(fromHost, to));
  await Promise.all([page.waitForURL(to), page.click('#go')]);
}

/** Everything script-visible a page has stored on its origin. */
export interface ClientState {
  cookie: string;
  localStorage: Record<string, string>;
  sessionStorage: Record<string, string>;
  indexedDB: string[];
}

export function readClientState(page: Page): Promise<ClientState> {
  return page.evaluate(async () => {
    const dump = (s: Storage) => Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i)!, s.getItem(s.key(i)!)!]));
    return {
      cookie: document.cookie,
      localStorage: dump(localStorage),
      sessionStorage: dump(sessionStorage),
      indexedDB: (await indexedDB.databases()).map((d) => d.name ?? ''),
    };
  });
}

/** Polls `check` until it returns a value (not undefined/false) or `ms` pass. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Deletes the shop's script-writable storage (localStorage, sessionStorage, IndexedDB), keeping
 * cookies: what Safari's ITP does after 7 days without interaction (server-set cookies survive).
 * It runs on the shop's tracker-less page (`/__blank`). The page left behind writes its memory back
 * on `pagehide`, and with the back/forward cache that write is committed from another renderer
 * process, possibly after a first clear: so clear until the storage stays empty.
 */
export async function wipeScriptStorage(page: Page, site: Site): Promise<void> {
  await page.goto(site.url('/__blank'));
  for (let i = 0; i < 20; i++) {
    const left = await page.evaluate(async () => {
      localStorage.clear();
      sessionStorage.clear();
      for (const d of await indexedDB.databases()) {
        await new Promise((r) => {
          const q = indexedDB.deleteDatabase(d.name!);
          q.onsuccess = q.onerror = q.onblocked = r;
        });
      }
      await new Promise((r) => setTimeout(r, 250));
      return localStorage.length + (await indexedDB.databases()).length;
    });
    if (left === 0) return;
  }
  throw new Error(`the script storage of ${site.url('')} does not stay empty`);
}
