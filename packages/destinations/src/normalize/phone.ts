/**
 * Normalises a phone number to E.164 (`+` country code and subscriber digits, 8 to 15 digits in
 * all), the form Google documents ("Include the plus sign and the country code. All characters
 * after the plus sign must be digits": (800)555-0100 -> +18005550100; activation-contracts.md §1.5).
 *
 * A number written with `+` or an international `00` prefix keeps its own country code. A
 * national number (no prefix) takes `defaultCallingCode` (e.g. `"1"`, `"44"`), after dropping a
 * national trunk `0` (UK `020 7946 0958` with 44 -> +442079460958). Without a calling code a
 * national number cannot be made E.164 and `null` is returned: guessing the country would send
 * another person's hash.
 */
export function toE164(raw: string, defaultCallingCode?: string): string | null {
  const withoutExtension = raw.trim().replace(/\s*(?:ext\.?|x)\s*\d+$/i, '');
  if (withoutExtension === '' || /[a-z]/i.test(withoutExtension)) return null;
  let digits: string;
  if (withoutExtension.startsWith('+')) {
    digits = withoutExtension.slice(1).replace(/\D/g, '');
  } else {
    const national = withoutExtension.replace(/\D/g, '');
    if (national.startsWith('00')) {
      digits = national.slice(2);
    } else {
      const cc = defaultCallingCode?.replace(/\D/g, '');
      if (!cc) return null;
      digits = cc + national.replace(/^0+/, '');
    }
  }
  if (digits.startsWith('0')) return null; // no country code starts with 0
  if (digits.length < 8 || digits.length > 15) return null;
  return `+${digits}`;
}

/**
 * Meta's phone form: digits only with the country code, no `+`, no leading zeros
 * (`16505551212`; activation-contracts.md §2.4).
 */
export function normalizePhoneForMeta(raw: string, defaultCallingCode?: string): string | null {
  return toE164(raw, defaultCallingCode)?.slice(1) ?? null;
}
