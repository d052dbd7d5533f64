import { z } from 'zod';

/** The `defaultCountry` config key of destinations that send phone numbers. */
export const defaultCountryConfig = () =>
  z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as US or GB')
    .optional()
    .describe('Country for phone numbers written without +<country code>; a national number that is not valid there is refused, never guessed. Without it national numbers are not sent');
