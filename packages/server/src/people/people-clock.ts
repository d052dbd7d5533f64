import { randomBytes } from 'node:crypto';

/** The time and the ids the people stores use, passed in (tests fix both). */
export interface PeopleClock {
  now(): Date;
  /** A new id: `<prefix>_<16 hex>`. */
  newId(prefix: string): string;
}

export const systemPeopleClock = (now: () => Date = () => new Date()): PeopleClock => ({
  now,
  newId: (prefix) => `${prefix}_${randomBytes(8).toString('hex')}`,
});
