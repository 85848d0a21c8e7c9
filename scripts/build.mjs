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

// Dashboard islands: each page loads only the ones it needs.
const islands = [
  ["segmently/web/ts/dashboard.ts", "dashboard.js"],
  ["segmently/web/ts/results.ts", "results.js"],
  ["segmently/web/ts/wizard.ts", "wizard.js"],
  // CodeMirror: loaded by the wizard only when a code change is on screen.
  ["segmently/web/ts/code-editor.ts", "code-editor.js"],
  // The visual editor's modal: loaded by the wizard when "Visual Editor" is clicked.
  ["segmently/web/ts/visual-editor.ts", "visual-editor.js"],
];
for (const [entry, file] of islands) {
  await build({
    entryPoints: [join(root, entry)],
    outfile: join(out, file),
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2019"],
    logLevel: "warning",
  });
}
copyFileSync(join(root, "node_modules/uplot/dist/uPlot.min.css"), join(out, "uplot.min.css"));
await buildSnippet(root, out);
console.log("assets built into", out);
