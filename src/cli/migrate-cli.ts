import "../environment.js";
import { ConfigError, loadConfig } from "../config.js";
import { migrate } from "../db/migrate.js";

try {
  const config = loadConfig();
  const result = await migrate(config.db, { log: (m) => console.log(m) });
  console.log(
    result.applied.length === 0
      ? `database ${config.db.database} is up to date (${result.alreadyApplied.length} migrations applied)`
      : `applied ${result.applied.length} migration(s) to ${config.db.database}`,
  );
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `migration failed: ${(err as Error).message}`);
  process.exit(1);
}
