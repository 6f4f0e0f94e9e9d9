import { AccountsService } from "./accounts/accounts.service.js";
import { PasswordHasher } from "./auth/password.js";
import { TokenService } from "./auth/tokens.js";
import { CatalogService } from "./catalog/catalog.service.js";
import type { Config } from "./config.js";
import type { Database } from "./db/database.js";

/** The domain services, built once per process and shared by the GraphQL and REST adapters. */
export interface Services {
  accounts: AccountsService;
  catalog: CatalogService;
  tokens: TokenService;
  passwords: PasswordHasher;
}

export function createServices(config: Config, db: Database): Services {
  const passwords = new PasswordHasher(config.argon2);
  const tokens = new TokenService(config.auth);
  return {
    accounts: new AccountsService(db.prisma, passwords, tokens),
    catalog: new CatalogService(db.prisma, config.publicBaseUrl),
    tokens,
    passwords,
  };
}
