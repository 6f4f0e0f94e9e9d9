// A TCP proxy in front of MariaDB that counts what clients send: commands (COM_QUERY, COM_STMT_EXECUTE,
// COM_STMT_BULK_EXECUTE: each one a round trip), the SQL statements in them (a COM_QUERY may hold several,
// separated by semicolons outside quotes), and COM_STMT_PREPARE apart. A command is a client packet with
// sequence id 0. Used by the bench to count the statements of one server process, unaffected by anyone else
// using the same MariaDB.
import { createServer, connect } from "node:net";

const COM_QUERY = 0x03;
const COM_STMT_PREPARE = 0x16;
const COM_STMT_EXECUTE = 0x17;
const COM_STMT_BULK_EXECUTE = 0xfa;

/** Statements in a query text: semicolons outside quotes and comments split it; empty parts do not count. */
export function countStatements(text) {
  let count = 0;
  let content = false;
  let quote = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      quote = c;
      content = true;
    } else if (c === ";") {
      if (content) count++;
      content = false;
    } else if (!/\s/.test(c)) content = true;
  }
  return count + (content ? 1 : 0);
}

export async function startSqlCounter(target) {
  const counts = { commands: 0, statements: 0, prepares: 0 };
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    // Bytes of the current packet still to pass once its header has been read, and the SQL text of a
    // COM_QUERY being collected.
    let skip = 0;
    let sql = null;
    client.on("data", (chunk) => {
      upstream.write(chunk);
      let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      pending = Buffer.alloc(0);
      while (data.length > 0) {
        if (skip > 0) {
          const n = Math.min(skip, data.length);
          if (sql) sql.push(data.subarray(0, n));
          skip -= n;
          data = data.subarray(n);
          if (skip === 0 && sql) {
            counts.statements += countStatements(Buffer.concat(sql).subarray(1).toString("utf8"));
            sql = null;
          }
          continue;
        }
        if (data.length < 5) {
          pending = Buffer.from(data);
          break;
        }
        const length = data.readUIntLE(0, 3);
        const sequence = data[3];
        const command = data[4];
        if (sequence === 0) {
          if (command === COM_QUERY) {
            counts.commands++;
            sql = [];
          } else if (command === COM_STMT_EXECUTE || command === COM_STMT_BULK_EXECUTE) {
            counts.commands++;
            counts.statements++;
          } else if (command === COM_STMT_PREPARE) counts.prepares++;
        }
        skip = length;
        data = data.subarray(4);
      }
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    counts: () => ({ ...counts }),
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
