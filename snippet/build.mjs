// Builds segmently.js (the core, one IIFE) and segmently-extras.js (the lazily loaded chunk:
// preview panel and badge) into segmently/web/static/dist/. Called by scripts/build.mjs.
// segmently-editor.js is the visual editor's page side, loaded only inside the editor's frame.
import { build } from "esbuild";
import { join } from "node:path";

export async function buildSnippet(root, out) {
  for (const [entry, file] of [
    ["snippet/core.ts", "segmently.js"],
    ["snippet/extras.ts", "segmently-extras.js"],
    ["snippet/editor.ts", "segmently-editor.js"],
  ]) {
    await build({
      entryPoints: [join(root, entry)],
      outfile: join(out, file),
      bundle: true,
      minify: true,
      format: "iife",
      target: ["es2019"],
      legalComments: "none",
      logLevel: "warning",
    });
  }
}
