import type { AttributionConfig } from './attribution-config.js';

/**
 * The tracker's site rules the derived model reads (sessions, self-referrals): the fields of the
 * `tracker` section it needs, spelled here so that identity and attribution never import the
 * tracker endpoint or the root configuration.
 */
export interface SiteTouchSettings {
  readonly siteDomains: readonly string[];
  /** @defaultValue the protocol's `DEFAULT_REFERRAL_EXCLUSIONS` */
  readonly referralExclusions?: readonly string[] | undefined;
  readonly sessionTimeoutMinutes: number;
}

/**
 * What the derived model and attribution runs read: the `attribution` section and the site rules.
 * The composition root hands these two sections down; a whole `Config` fits the shape, but no
 * module below the apps names it.
 */
export interface ModelSettings {
  readonly attribution: AttributionConfig;
  readonly tracker: SiteTouchSettings;
}
