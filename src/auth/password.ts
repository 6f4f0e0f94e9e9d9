import argon2 from "argon2";

export interface PasswordParams {
  memoryCost: number; // KiB
  timeCost: number;
  parallelism: number;
}

/** argon2id hashing with configured parameters. */
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(private readonly params: PasswordParams) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.params });
  }

  /** Verifies against `hash`, or, for an unknown user, against a dummy hash so both cost the same. */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    this.dummy ??= this.hash("dummy password for unknown users");
    const target = hash ?? (await this.dummy);
    const ok = await argon2.verify(target, password).catch(() => false);
    return ok && hash !== undefined;
  }

  /** True when `hash` was made with other parameters than the configured ones. */
  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, { ...this.params });
  }
}
