import * as mariadb from "mariadb";
import type { DatabaseConfig } from "../config.js";
import { connectionOptions } from "../db/database.js";
import type { BinlogPosition } from "./position-store.js";

/**
 * The current end of the server's binlog (SHOW MASTER STATUS), where a worker with no stored position starts.
 * Also checks the settings the worker relies on, so that a server without a row binlog fails with a message
 * that says how to fix it instead of a worker that silently sees nothing.
 */
export async function binlogEnd(db: DatabaseConfig, replica = false): Promise<BinlogPosition> {
  const conn = await mariadb.createConnection(connectionOptions(db));
  try {
    const [settings] = await conn.query<
      { logBin: number | bigint; format: string; slaveUpdates: number | bigint }[]
    >("SELECT @@log_bin AS logBin, @@binlog_format AS format, @@log_slave_updates AS slaveUpdates");
    if (replica && Number(settings.slaveUpdates) !== 1) {
      throw new Error(
        `the replica at ${db.host}:${db.port} has log_slave_updates off: its binlog lacks the replicated ` +
          "changes the CDC worker follows (set log_slave_updates=ON and binlog_format=ROW there)",
      );
    }
    if (Number(settings.logBin) !== 1 || settings.format !== "ROW") {
      throw new Error(
        `MariaDB at ${db.host}:${db.port} has log_bin=${settings.logBin}, binlog_format=${settings.format}; ` +
          "the CDC worker needs a row binlog (run scripts/enable-binlog.sh)",
      );
    }
    const [status] = await conn.query<{ File: string; Position: number | bigint }[]>("SHOW MASTER STATUS");
    if (!status)
      throw new Error("SHOW MASTER STATUS returned nothing (binlog off, or REPLICATION CLIENT missing)");
    return { file: status.File, position: Number(status.Position) };
  } finally {
    await conn.end();
  }
}
