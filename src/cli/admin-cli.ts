// `npm run admin -- <username>`: creates an admin account, or promotes the existing account of that name when
// the password given is its password. The password comes from ADMIN_PASSWORD or from a prompt that does not
// echo it, never from the command line (where it would stay in the shell history and the process list).
import "../environment.js";
import { ConfigError, loadConfig } from "../config.js";
import { PasswordHasher } from "../auth/password.js";
import { createDatabase } from "../db/database.js";
import { seedAdmin } from "../db/seed.js";

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const { stdin, stdout } = process;
    if (!stdin.isTTY) {
      reject(new Error("no terminal to ask for the password: set ADMIN_PASSWORD"));
      return;
    }
    stdout.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let answer = "";
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off("data", onData);
          stdout.write("\n");
          resolve(answer);
          return;
        }
        if (char === "\u0003") {
          stdin.setRawMode(false);
          reject(new Error("cancelled"));
          return;
        }
        answer = char === "\u007f" ? answer.slice(0, -1) : answer + char;
      }
    };
    stdin.on("data", onData);
  });
}

const username = process.argv[2];
if (!username || process.argv.length > 3) {
  console.error("usage: npm run admin -- <username>   (password from ADMIN_PASSWORD or a prompt)");
  process.exit(2);
}
try {
  // The seed's ADMIN_USERNAME/ADMIN_PASSWORD pair does not apply here: the username is the argument.
  const config = loadConfig({ ...process.env, ADMIN_USERNAME: undefined, ADMIN_PASSWORD: undefined });
  const password = process.env.ADMIN_PASSWORD || (await promptHidden(`password for ${username}: `));
  const db = createDatabase(config.db);
  try {
    const outcome = await seedAdmin(db.prisma, new PasswordHasher(config.argon2), username, password);
    console.log(`admin account ${username} ${outcome}`);
    if (outcome.startsWith("refused")) process.exitCode = 1;
  } finally {
    await db.close();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `admin: ${(err as Error).message}`);
  process.exit(1);
}
