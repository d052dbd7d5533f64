/** The loader snippet the collector prints: what it leaves on the page, and that it is inline-safe. */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { snippet, snippetJs } from '../src/index.js';

/** Runs the snippet against a minimal window/document; returns what it left behind. */
function run(js: string, times = 1) {
  const inserted: { src: string; async: boolean }[] = [];
  const location = { href: 'https://www.shop.test/?utm_source=x' };
  const firstScript = { parentNode: { insertBefore: (el: { src: string; async: boolean }) => inserted.push(el) } };
  const document = {
    referrer: 'https://www.google.com/',
    createElement: () => ({ src: '', async: false }),
    getElementsByTagName: () => [firstScript],
  };
  const window: Record<string, unknown> = {};
  const g = { window, document, location, touchline: undefined as unknown };
  Object.defineProperty(g, 'touchline', { get: () => window['touchline'] });
  for (let i = 0; i < times; i++) runInNewContext(js, g);
  return { stub: window['touchline'] as unknown[] & { o: unknown; c: unknown }, inserted, location };
}

describe('snippet', () => {
  it('captures the landing at once, buffers calls with their URL, and loads the script async', () => {
    const { stub, inserted, location } = run(snippetJs({ src: '/_t/s.js', options: { writeKey: 'wk_1', spa: true } }));
    expect(stub.c).toEqual({ url: 'https://www.shop.test/?utm_source=x', referrer: 'https://www.google.com/' });
    expect(stub.o).toEqual({ writeKey: 'wk_1', spa: true });
    expect(inserted).toEqual([{ src: '/_t/s.js', async: true }]);
    location.href = 'https://www.shop.test/clean';
    (stub as unknown as { track(e: string, p: object): void }).track('Early', { a: 1 });
    expect([...stub]).toEqual([
      ['page', [], 'https://www.shop.test/?utm_source=x'],
      ['track', ['Early', { a: 1 }], 'https://www.shop.test/clean'],
    ]);
  });

  it('is idempotent when pasted twice (one script, one stub)', () => {
    const { inserted, stub } = run(snippetJs({ page: false }), 2);
    expect(inserted).toHaveLength(1);
    expect([...stub]).toEqual([]);
  });

  it('is safe inline: options cannot close the script element', () => {
    const html = snippet({ options: { writeKey: '</script><script>alert(1)</script>\u2028' } });
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).not.toContain('\u2028');
    expect(html.startsWith('<script>\n')).toBe(true);
    expect(run(snippetJs({ options: { writeKey: '</script>\u2028' } })).stub.o).toEqual({ writeKey: '</script>\u2028' });
  });

  it('defaults: /_t/s.js and a page view', () => {
    const js = snippetJs();
    expect(js).toContain('"/_t/s.js"');
    expect(js.endsWith('\ntouchline.page();')).toBe(true);
  });
});
