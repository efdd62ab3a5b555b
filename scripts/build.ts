// `npm run build`: compiles the server, web UI, docs UIs and migrations into one executable at dist/penguin.
// Run from the repository root (the web UI macro builds public/ relative to it).
import { rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
// A Worker's entry file is only inside the binary when it is an entrypoint of its own (see src/core/tools/search.ts).
const entrypoints = ["src/index.ts", "src/core/tools/grep-worker.ts"];
const args = ["build", "--compile", "--minify", "--sourcemap", ...entrypoints, "--outfile", "dist/penguin"];
const child = Bun.spawnSync([process.execPath, ...args], { stdout: "inherit", stderr: "inherit" });
if (child.exitCode !== 0) process.exit(child.exitCode ?? 1);
const size = Bun.file("dist/penguin").size;
console.log(`built dist/penguin (${(size / 1024 / 1024).toFixed(1)} MiB)`);
