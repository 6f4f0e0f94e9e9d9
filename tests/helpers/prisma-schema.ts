/** Just enough of a parser for prisma/schema.prisma to compare it with a migrated database. */
import { readFileSync } from "node:fs";

export interface SchemaField {
  name: string;
  column: string;
  type: string;
  optional: boolean;
  nativeType: string | undefined;
  unique: boolean;
}

export interface SchemaModel {
  name: string;
  table: string;
  fields: SchemaField[];
  /** Column lists of @@unique / @unique and @@index. */
  uniques: string[][];
  indexes: string[][];
}

export interface PrismaSchema {
  models: SchemaModel[];
  enums: Map<string, string[]>;
}

const BLOCK = /^(model|enum)\s+(\w+)\s*\{([\s\S]*?)^\}/gm;

export function parsePrismaSchema(file: string): PrismaSchema {
  const text = readFileSync(file, "utf8").replace(/\/\/.*$/gm, "");
  const blocks = [...text.matchAll(BLOCK)];
  const enums = new Map<string, string[]>();
  for (const [, kind, name, body] of blocks) {
    if (kind === "enum") enums.set(name, body.split(/\s+/).filter(Boolean));
  }
  const modelNames = new Set(blocks.filter((b) => b[1] === "model").map((b) => b[2]));

  const models = blocks
    .filter((b) => b[1] === "model")
    .map(([, , name, body]): SchemaModel => {
      const lines = body
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
      const attr = (line: string, re: RegExp) => line.match(re)?.[1];
      const fields: SchemaField[] = lines
        .filter((l) => !l.startsWith("@@"))
        .map((l) => {
          const [fieldName, rawType] = l.split(/\s+/);
          return { fieldName, rawType, line: l };
        })
        .filter(({ rawType }) => !modelNames.has(rawType.replace(/[?[\]]/g, "")))
        .map(({ fieldName, rawType, line }) => ({
          name: fieldName,
          column: attr(line, /@map\("([^"]+)"\)/) ?? fieldName,
          type: rawType.replace("?", ""),
          optional: rawType.endsWith("?"),
          nativeType: attr(line, /@db\.(\w+(?:\([^)]*\))?)/),
          unique: /@unique\b/.test(line),
        }));
      const columnOf = (f: string) => fields.find((x) => x.name === f)?.column ?? f;
      const lists = (re: RegExp) =>
        lines.flatMap((l) => {
          const m = l.match(re);
          return m ? [m[1].split(",").map((s) => columnOf(s.trim()))] : [];
        });
      return {
        name,
        table: lines.map((l) => attr(l, /^@@map\("([^"]+)"\)/)).find(Boolean) ?? name,
        fields,
        uniques: [
          ...fields.filter((f) => f.unique).map((f) => [f.column]),
          ...lists(/^@@unique\(\[([^\]]+)\]/),
        ],
        indexes: lists(/^@@index\(\[([^\]]+)\]/),
      };
    });
  return { models, enums };
}
