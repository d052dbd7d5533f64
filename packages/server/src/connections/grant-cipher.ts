import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Sealed value layout: format byte, 12-byte IV, 16-byte GCM tag, ciphertext. */
const FORMAT = 1;

/**
 * Seals grant tokens for the control store with AES-256-GCM. The key (secrets.json `grantKey`,
 * 32 random bytes) never lives in control.sqlite, so a copy of that file (a backup, a support
 * bundle) holds no usable token. The additional data binds each sealed value to its destination
 * and column: a value copied into another row does not open.
 */
export interface GrantCipher {
  seal(plain: string, context: string): Buffer;
  open(sealed: Buffer, context: string): string;
}

export function grantCipher(keyText: string): GrantCipher {
  const key = Buffer.from(keyText, 'base64url');
  if (key.length !== 32) throw new Error('secrets.json grantKey must be 32 bytes (base64url): restore secrets.json from a backup of the data dir');
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([FORMAT]), iv, cipher.getAuthTag(), body]);
    },
    open(sealed, context) {
      if (sealed.length < 29 || sealed[0] !== FORMAT) throw new Error(`a sealed ${context} is damaged`);
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(sealed.subarray(13, 29));
      try {
        return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
      } catch {
        // Wrong key (secrets.json from another data dir) or a changed row: never a partial token.
        throw new Error(`the stored ${context} does not open with this data dir's grantKey: reconnect the destination`);
      }
    },
  };
}
