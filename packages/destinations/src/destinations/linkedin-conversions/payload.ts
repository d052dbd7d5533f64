/** One conversion event element (activation-contracts.md §4.2). */
export interface LinkedinConversionEvent {
  conversion: string;
  /** Epoch milliseconds. */
  conversionHappenedAt: number;
  conversionValue?: { currencyCode: string; amount: string };
  eventId: string;
  user: {
    userIds: { idType: 'SHA256_EMAIL' | 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID'; idValue: string }[];
    userInfo?: { firstName: string; lastName: string; companyName?: string; title?: string; countryCode?: string };
  };
}
