/** A `ClickConversion` (conversion_upload_service.proto, activation-contracts.md §1.4). */
export interface GoogleAdsClickConversion {
  gclid?: string;
  gbraid?: string;
  wbraid?: string;
  conversionAction: string;
  /** `yyyy-mm-dd hh:mm:ss+hh:mm`. */
  conversionDateTime: string;
  conversionValue?: number;
  currencyCode?: string;
  orderId?: string;
  userIdentifiers?: ({ userIdentifierSource: 'FIRST_PARTY'; hashedEmail: string } | { userIdentifierSource: 'FIRST_PARTY'; hashedPhoneNumber: string })[];
  consent: { adUserData: 'GRANTED'; adPersonalization?: 'GRANTED' | 'DENIED' };
}
