/** One `OfflineConversion` (PascalCase, activation-contracts.md §5.1). */
export interface MicrosoftOfflineConversion {
  MicrosoftClickId?: string;
  ConversionName: string;
  /** ISO-8601 UTC, `2026-11-20T19:05:00Z`. */
  ConversionTime: string;
  ConversionValue?: number;
  ConversionCurrencyCode?: string;
  HashedEmailAddress?: string;
  HashedPhoneNumber?: string;
}
