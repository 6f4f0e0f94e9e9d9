// A TCP proxy in front of MariaDB that counts the commands clients send: COM_QUERY, COM_STMT_EXECUTE and
// COM_STMT_BULK_EXECUTE as statements, COM_STMT_PREPARE apart. It reads only the client's packet headers
// (3-byte length, sequence id, command byte); a command is a packet with sequence id 0. Used by the bench to
// count the statements of one server process, unaffected by anyone else using the same MariaDB.
import { createServer, connect } from "node:net";

const COM_QUERY = 0x03;
const COM_STMT_PREPARE = 0x16;
const COM_STMT_EXECUTE = 0x17;
const COM_STMT_BULK_EXECUTE = 0xfa;

export async function startSqlCounter(target) {
  const counts = { statements: 0, prepares: 0 };
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    // Bytes of the current packet still to skip once its header has been read.
    let skip = 0;
    client.on("data", (chunk) => {
      upstream.write(chunk);
      let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      pending = Buffer.alloc(0);
      while (data.length > 0) {
        if (skip > 0) {
          const n = Math.min(skip, data.length);
          skip -= n;
          data = data.subarray(n);
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
          if (command === COM_QUERY || command === COM_STMT_EXECUTE || command === COM_STMT_BULK_EXECUTE) {
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
