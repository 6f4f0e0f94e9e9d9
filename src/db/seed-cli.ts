import { ConfigError, loadConfig } from "../config.js";
import { createDatabase } from "./database.js";
import { describeSeedResult, seed } from "./seed.js";

try {
  const db = createDatabase(loadConfig().db);
  try {
    console.log(describeSeedResult(await seed(db.prisma)));
  } finally {
    await db.close();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `seed failed: ${(err as Error).message}`);
  process.exit(1);
}
