// `npm start`: build if needed, then run the server (which applies migrations and seeds an empty catalogue).
import { ensureBuild } from "./ensure-build.mjs";

ensureBuild();
await import("../dist/main.js");
