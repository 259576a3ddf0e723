// Small secrets kept at rest (an authenticator app's shared secret), sealed
// with AES-256-GCM under a key derived from SECRET_KEY for one purpose
// (HKDF-SHA-256), so a database dump alone does not give them away. Old keys
// (SECRET_KEY_FALLBACKS) still open what they sealed; the caller seals the
// secret again with the current key when `stale` says it was an old one.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Opened {
  plain: string;
  /** Opened with a fallback key: seal it again. */
  stale: boolean;
}

export class SecretBox {
  private readonly keys: Buffer[];

  /** `secrets`: the current key first, then the fallbacks in the order they are tried. */
  constructor(secrets: readonly string[], purpose: string) {
    if (secrets.length === 0) throw new Error('SecretBox needs a key');
    this.keys = secrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, '', `charcha secret-box ${purpose}`, 32)));
  }

  /** `context` (such as the owner's id) must be given again to open it: a sealed value moved to another row does not open. */
  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, iv).setAAD(Buffer.from(context));
    const sealed = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${sealed.toString('base64url')}`;
  }

  /** The secret, or undefined when no key opens it (altered, another context, or a key no longer configured). */
  open(sealed: string, context: string): Opened | undefined {
    const [version, body, extra] = sealed.split('.');
    if (version !== VERSION || !body || extra !== undefined) return undefined;
    const bytes = Buffer.from(body, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
    const iv = bytes.subarray(0, IV_BYTES);
    const data = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    for (const [index, key] of this.keys.entries()) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context)).setAuthTag(tag);
        const plain = Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
        return { plain, stale: index > 0 };
      } catch {
        // Not this key: try the next one.
      }
    }
    return undefined;
  }
}
