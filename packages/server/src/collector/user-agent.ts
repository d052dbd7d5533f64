import { isbot } from 'isbot';
import UAParser from 'ua-parser-js';

export interface UserAgentInfo {
  readonly browser?: string | undefined;
  readonly browser_version?: string | undefined;
  readonly os?: string | undefined;
  readonly os_version?: string | undefined;
  readonly device_type?: string | undefined;
  readonly device_vendor?: string | undefined;
  readonly device_model?: string | undefined;
  readonly is_bot: boolean;
}

/**
 * Parses user agents with ua-parser-js and flags bots with isbot. Real traffic repeats a few
 * hundred user agents, so results are cached (bounded; the oldest half is dropped when full).
 */
export function createUserAgentParser(capacity = 5000): (ua: string | undefined) => UserAgentInfo {
  let cache = new Map<string, UserAgentInfo>();
  const none: UserAgentInfo = { is_bot: false };
  return (ua) => {
    if (!ua) return none;
    const hit = cache.get(ua);
    if (hit) return hit;
    const r = new UAParser(ua).getResult();
    const info: UserAgentInfo = strip({
      browser: r.browser.name,
      browser_version: r.browser.version,
      os: r.os.name,
      os_version: r.os.version,
      device_type: r.device.type ?? (r.os.name || r.browser.name ? 'desktop' : undefined),
      device_vendor: r.device.vendor,
      device_model: r.device.model,
      is_bot: isbot(ua),
    });
    if (cache.size >= capacity) cache = new Map([...cache].slice(cache.size >> 1));
    cache.set(ua, info);
    return info;
  };
}

function strip<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
