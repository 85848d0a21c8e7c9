// Builds the front-end assets into segmently/web/static/dist/ (git-ignored).
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSnippet } from "../snippet/build.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "segmently/web/static/dist");
mkdirSync(out, { recursive: true });

copyFileSync(join(root, "node_modules/htmx.org/dist/htmx.min.js"), join(out, "htmx.min.js"));

await build({
  entryPoints: [join(root, "segmently/web/ts/dashboard.ts")],
  outfile: join(out, "dashboard.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2019"],
  logLevel: "warning",
});
await buildSnippet(root, out);
console.log("assets built into", out);
