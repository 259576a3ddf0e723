// Recovery codes: the way in when the authenticator app's phone is lost. Ten
// at a time, shown once, each working once. They are random (about 79 bits
// each), so a plain SHA-256 is enough to store them: unlike passwords there
// is nothing to guess from a dictionary, and no slow hash is needed.
import { createHash, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { inTransaction } from '../../db/transaction.js';
import type { Clock } from '../../errors.js';
import type { SecondFactor } from './factors.js';

export const RECOVERY_CODE_COUNT = 10;
// No 0/o, 1/l/i: read from paper and typed again.
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const CODE_LENGTH = 16;

const hash = (code: string) => createHash('sha256').update(code).digest('hex');
/** Case and the dashes or spaces of its groups do not matter. */
const normalise = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

function newCode(): string {
  const chars = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

export class RecoveryCodes implements SecondFactor {
  readonly kind = 'recovery';

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: Clock,
  ) {}

  /** A new set, replacing (voiding) the old one: the codes in clear, to show once. */
  async replace(userId: number): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
    const created_at = this.now();
    await inTransaction(this.db, async (trx) => {
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      await trx
        .insertInto('recovery_codes')
        .values(codes.map((code) => ({ user_id: userId, code_hash: hash(normalise(code)), created_at })))
        .execute();
    });
    return codes;
  }

  async left(userId: number): Promise<number> {
    const row = await this.db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async enrolled(userId: number): Promise<boolean> {
    return (await this.left(userId)) > 0;
  }

  /** Right and unused: then used up (deleted in the same statement, so two requests cannot both spend it). */
  async check(userId: number, code: string): Promise<boolean> {
    const result = await this.db.deleteFrom('recovery_codes').where('user_id', '=', userId).where('code_hash', '=', hash(normalise(code))).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
