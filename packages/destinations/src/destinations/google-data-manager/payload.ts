/** Data Manager v1 `Event` fields Touchline sends (google/ads/datamanager/v1/event.proto). */
export interface DataManagerEvent {
  destinationReferences: string[];
  transactionId?: string;
  /** RFC 3339, UTC: `2026-11-20T19:05:00Z`. */
  eventTimestamp: string;
  eventSource: string;
  adIdentifiers?: { gclid?: string; gbraid?: string; wbraid?: string };
  userData?: { userIdentifiers: DataManagerUserIdentifier[] };
  consent: { adUserData: 'CONSENT_GRANTED'; adPersonalization?: 'CONSENT_GRANTED' | 'CONSENT_DENIED' };
  conversionValue?: number;
  currency?: string;
}

/** Exactly one of the three (user_data.proto `UserIdentifier` oneof). */
export type DataManagerUserIdentifier =
  | { emailAddress: string }
  | { phoneNumber: string }
  | { address: { givenName: string; familyName: string; regionCode: string; postalCode: string } };
