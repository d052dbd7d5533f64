/**
 * `touchline destinations` through a running server: list, connect with a pasted refresh token
 * (read from a file, never the command line), connect in the browser (the URL printed, the
 * callback awaited), disconnect.
 */
import { startGoogleOAuthStandIn, startLinkedinOAuthStandIn, type OAuthStandIn } from '@touchline/destinations/testing';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeServerFile } from '../../src/cli/server-handle.js';
import { main } from '../../src/cli/main.js';
import { destinationsCommand } from '../../src/cli/commands/destinations.js';
import { resolveConfig, type ConfigInput } from '../../src/config/config.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('touchline destinations', () => {
  let google: OAuthStandIn;
  let linkedin: OAuthStandIn;
  let t: Harness;
  let configFile: string;
  const activation = (): ConfigInput => ({
    destinations: {
      gdm: { type: 'google-data-manager', config: { operatingAccountId: '1234567890', conversionActionId: '7' }, oauth: { clientId: 'client-id', clientSecret: 'client-secret', tokenUrl: `${google.url}/token` } },
      li: { type: 'linkedin-conversions', config: { conversionRuleId: '123' }, oauth: { clientId: 'client-id', clientSecret: 'client-secret', tokenUrl: `${linkedin.url}/oauth/v2/accessToken` } },
    },
  });

  beforeAll(async () => {
    google = await startGoogleOAuthStandIn();
    linkedin = await startLinkedinOAuthStandIn({ partner: false });
    t = await startHarness(activation(), { listen: true });
    configFile = join(t.dataDir, 'touchline.config.json');
    await writeFile(configFile, JSON.stringify({ dataDir: t.dataDir, ...activation() }));
    await writeServerFile(resolveConfig({ dataDir: t.dataDir }, {}, {}), { pid: process.pid, url: t.url, adminUrl: t.adminUrl, adminToken: t.adminToken });
  });
  afterAll(async () => {
    await t.dispose();
    await google.close();
    await linkedin.close();
  });

  const run = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await main(['destinations', ...args, '--config', configFile], (s) => lines.push(s));
    return { code, text: lines.join('\n') };
  };

  it('lists, connects from a refresh-token file, and disconnects; the token never reaches the output', async () => {
    expect((await run('list')).text).toMatch(/gdm\s+google-data-manager\s+not connected\n\s+run: touchline destinations connect gdm/);
    const token = google.issueRefreshToken();
    const file = join(t.dataDir, 'rt.txt');
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    const connected = await run('connect', 'gdm', '--refresh-token-file', file);
    expect(connected).toEqual({ code: 0, text: 'gdm: connected to google' });
    const listed = await run('list', '--json');
    expect(JSON.parse(listed.text)).toEqual(expect.arrayContaining([expect.objectContaining({ destination: 'gdm', state: 'connected', connectedBy: 'admin token' })]));
    expect(listed.text).not.toContain(token);
    await writeFile(file, 'not-a-live-token');
    await expect(run('connect', 'li', '--refresh-token-file', file)).rejects.toThrow(/linkedin refused the grant for destination li/);
    expect(await run('disconnect', 'gdm')).toEqual({ code: 0, text: 'gdm: grant removed' });
    await expect(run('disconnect', 'gdm')).rejects.toThrow(/no grant is stored for destination gdm/);
    await expect(run('connect')).rejects.toThrow(/usage:/);
  });

  it('connect prints the sign-in URL and returns once the callback stored the grant', async () => {
    const lines: string[] = [];
    let checks = 0;
    const config = resolveConfig({ dataDir: t.dataDir }, {}, {});
    const code = await destinationsCommand(config, ['connect', 'li'], {
      json: false,
      refreshTokenFile: undefined,
      // The browser's part happens during the first wait: consent at LinkedIn, then the callback.
      sleep: async () => {
        if (checks++ > 0) return;
        const url = new URL(/https?:\/\/\S+/.exec(lines[0]!)![0]);
        const c = linkedin.consent({ redirectUri: url.searchParams.get('redirect_uri')! });
        const res = await fetch(`${t.adminUrl}/admin/oauth/callback?code=${c}&state=${url.searchParams.get('state')}`);
        expect(res.status).toBe(200);
      },
    }, (s) => lines.push(s));
    expect(code).toBe(0);
    expect(lines.at(-1)).toBe('li: connected');
    expect(lines[0]).toContain('https://www.linkedin.com/oauth/v2/authorization?');
  });
});
