// `node scripts/run.mjs cli/migrate-cli.js`: build if needed, then run one compiled entry point from dist/.
import { ensureBuild } from "./ensure-build.mjs";

const entry = process.argv[2];
if (!entry) {
  console.error("usage: node scripts/run.mjs <path under dist/>");
  process.exit(2);
}
ensureBuild();
// The entry point sees its own arguments where it would when run directly: `npm run admin -- <username>`.
process.argv.splice(2, 1);
await import(new URL(`../dist/${entry}`, import.meta.url).href);
