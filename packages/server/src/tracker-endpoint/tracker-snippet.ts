import { snippet } from '@touchline/tracker/snippet';
import type { TrackerConfig } from './tracker-config.js';

/**
 * The loader to paste into the site's `<head>`, for `touchline start` to print. The endpoint is
 * named only when it is not the script's default (`b` next to the script).
 */
export function trackerSnippet(c: TrackerConfig, writeKey: string): string {
  const dir = c.scriptPath.slice(0, c.scriptPath.lastIndexOf('/') + 1);
  const options = {
    writeKey,
    ...(c.endpointPath === `${dir}b` ? {} : { endpoint: c.endpointPath }),
    ...(c.requireConsent ? { requireConsent: true } : {}),
  };
  return snippet({ src: c.scriptPath, options });
}
