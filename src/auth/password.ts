import argon2 from "argon2";
import { RateLimitedError } from "../errors.js";

export interface PasswordParams {
  memoryCost: number; // KiB
  timeCost: number;
  parallelism: number;
  /** Hashes computed at once; each holds memoryCost KiB and a libuv thread while it runs. */
  maxConcurrency: number;
  /** Hashes allowed to wait for a slot; beyond that a request is refused at once. */
  maxQueue: number;
}

/**
 * argon2id hashing with configured parameters, and a bound on concurrent hashes, so that a login flood
 * cannot exhaust memory or take every libuv thread from the other requests: excess work queues, and past the
 * queue limit it is refused with RATE_LIMITED.
 */
export class PasswordHasher {
  private dummy: Promise<string> | undefined;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly params: PasswordParams) {}

  hash(password: string): Promise<string> {
    const { memoryCost, timeCost, parallelism } = this.params;
    return this.bounded(() =>
      argon2.hash(password, { type: argon2.argon2id, memoryCost, timeCost, parallelism }),
    );
  }

  /** Verifies against `hash`, or, for an unknown user, against a dummy hash so both cost the same. */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    const target = hash ?? (await this.dummyHash());
    const ok = await this.bounded(() => argon2.verify(target, password)).catch((err: unknown) => {
      if (err instanceof RateLimitedError) throw err;
      return false;
    });
    return ok && hash !== undefined;
  }

  // Made once, outside the concurrency bound: a refused attempt must not leave unknown users with an error
  // that known users do not get (that would tell them apart).
  private dummyHash(): Promise<string> {
    const { memoryCost, timeCost, parallelism } = this.params;
    this.dummy ??= argon2.hash("dummy password for unknown users", {
      type: argon2.argon2id,
      memoryCost,
      timeCost,
      parallelism,
    });
    return this.dummy.catch((err: unknown) => {
      this.dummy = undefined;
      throw err;
    });
  }

  /** True when `hash` was made with other parameters than the configured ones. */
  needsRehash(hash: string): boolean {
    const { memoryCost, timeCost, parallelism } = this.params;
    return argon2.needsRehash(hash, { memoryCost, timeCost, parallelism });
  }

  private async bounded<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.params.maxConcurrency) {
      if (this.waiting.length >= this.params.maxQueue) {
        throw new RateLimitedError("the server is busy with sign-ins; try again in a moment", 1);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
