/**
 * Search-engine referrers and the source name GA4 reports for them (a visit from www.google.co.uk
 * is `google / organic`, not `google.co.uk / referral`). Naming the engine rather than the host
 * also puts the source on Google's SEARCH list (`google`, `bing`, `duckduckgo`…), so organic and
 * paid visits from one engine share one source value. Hosts outside this table keep their domain
 * as the source; a host that is itself on Google's SEARCH list (cse.google.com, m.baidu.com) is
 * still treated as search.
 */
export const SEARCH_ENGINES: readonly { readonly source: string; readonly host: RegExp }[] = [
  { source: 'google', host: /^(www\.|m\.)?google\.[a-z]{2,3}(\.[a-z]{2})?$/ },
  { source: 'bing', host: /^((www|cn|m)\.)?bing\.com$/ },
  { source: 'yahoo', host: /^([a-z]{2,}\.)?search\.yahoo\.(com|co\.jp)$/ },
  { source: 'duckduckgo', host: /^(html\.|lite\.)?duckduckgo\.com$/ },
  { source: 'baidu', host: /^(www\.|m\.)?baidu\.com$/ },
  { source: 'yandex', host: /^(www\.)?(yandex\.[a-z]{2,3}(\.[a-z]{2})?|ya\.ru)$/ },
  { source: 'ecosia.org', host: /^(www\.)?ecosia\.org$/ },
  { source: 'naver', host: /^((m\.)?search\.)?naver\.com$/ },
  { source: 'seznam', host: /^(search\.)?seznam\.cz$/ },
  { source: 'qwant', host: /^(www\.|lite\.)?qwant\.com$/ },
  { source: 'ask', host: /^(www\.)?ask\.com$/ },
  { source: 'aol', host: /^search\.aol\.(com|co\.uk)$/ },
  { source: 'sogou', host: /^(www\.|m\.|wap\.)?sogou\.com$/ },
  { source: 'so.com', host: /^(www\.|m\.)?so\.com$/ },
  { source: 'daum', host: /^(search\.)?daum\.net$/ },
  { source: 'startpage', host: /^(www\.)?startpage\.com$/ },
  { source: 'brave', host: /^search\.brave\.com$/ },
];

/** The engine's source name for a referrer host, or undefined when the host is not a search engine. */
export function searchEngineOf(host: string): string | undefined {
  for (const e of SEARCH_ENGINES) if (e.host.test(host)) return e.source;
  return undefined;
}
