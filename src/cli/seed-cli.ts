import "../environment.js";
import { ConfigError, loadConfig } from "../config.js";
import { PasswordHasher } from "../auth/password.js";
import { createDatabase } from "../db/database.js";
import { describeSeedResult, seed, seedAdminFromConfig } from "../db/seed.js";

try {
  const config = loadConfig();
  const db = createDatabase(config.db);
  try {
    console.log(describeSeedResult(await seed(db)));
    const admin = await seedAdminFromConfig(db.prisma, config.admin, new PasswordHasher(config.argon2));
    if (admin) console.log(admin);
  } finally {
    await db.close();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `seed failed: ${(err as Error).message}`);
  process.exit(1);
}
