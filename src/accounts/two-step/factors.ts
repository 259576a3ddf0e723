// The second step's ways through: each factor (authenticator app, SMS codes,
// passkeys, recovery codes) lives in its own module and is listed once, in
// services.ts. Two-step sign-in is on for a person once they set up an
// authenticator app or SMS codes; their passkeys and recovery codes then
// serve as a second step too. A passkey alone does not turn it on: signing
// in with one is already two factors (the device, and its unlock).

export type FactorKind = 'passkey' | 'totp' | 'sms' | 'recovery';

export interface SecondFactor {
  readonly kind: FactorKind;
  /** Whether this person has it set up and usable. */
  enrolled(userId: number): Promise<boolean>;
  /** Checks a typed code (every factor but passkeys): true at most once per code. */
  check?(userId: number, code: string): Promise<boolean>;
}

const TURNS_TWO_STEP_ON: readonly FactorKind[] = ['totp', 'sms'];

export class TwoStep {
  constructor(private readonly factors: readonly SecondFactor[]) {}

  /** The factors this person may pass the second step with; empty when two-step sign-in is off for them. */
  async methodsFor(userId: number): Promise<FactorKind[]> {
    const ready = await Promise.all(this.factors.map(async (f) => ((await f.enrolled(userId)) ? f.kind : undefined)));
    const kinds = ready.filter((k): k is FactorKind => k !== undefined);
    return kinds.some((k) => TURNS_TWO_STEP_ON.includes(k)) ? kinds : [];
  }

  /** A typed code for one of the person's factors. */
  async check(userId: number, kind: FactorKind, code: string): Promise<boolean> {
    const factor = this.factors.find((f) => f.kind === kind);
    if (!factor?.check || !(await this.methodsFor(userId)).includes(kind)) return false;
    return factor.check(userId, code.replace(/[\s-]/g, ''));
  }
}
