import "reflect-metadata";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { printGraphQLSchema } from "./schema.js";

// `npm run schema:emit`: writes schema/schema.graphql from the decorated classes.
const file = fileURLToPath(new URL("../../schema/schema.graphql", import.meta.url));
await writeFile(file, await printGraphQLSchema());
console.log(`wrote ${file}`);
