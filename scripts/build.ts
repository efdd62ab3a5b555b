// `npm run build`: compiles the server, web UI, docs UIs and migrations into one executable at dist/penguin.
// Run from the repository root (the web UI macro builds public/ relative to it).
import { rmSync } from "node:fs";

// A Worker's entry file is only inside the binary when it is an entrypoint of its own (see src/core/tools/search.ts).
const ENTRYPOINTS = ["src/index.ts", "src/core/tools/grep-worker.ts"];

/** Compiles the single executable to `outfile`; returns the compiler's stderr on failure. */
export function buildBinary(outfile: string, options: { sourcemap?: boolean } = {}): { ok: boolean; stderr: string } {
  const args = ["build", "--compile", "--minify", ...(options.sourcemap ? ["--sourcemap"] : []), ...ENTRYPOINTS, "--outfile", outfile];
  const child = Bun.spawnSync([process.execPath, ...args], { cwd: `${import.meta.dir}/..`, stdout: "inherit", stderr: "pipe" });
  const stderr = child.stderr.toString();
  process.stderr.write(stderr);
  return { ok: child.exitCode === 0, stderr };
}

if (import.meta.main) {
  rmSync("dist", { recursive: true, force: true });
  if (!buildBinary("dist/penguin", { sourcemap: true }).ok) process.exit(1);
  console.log(`built dist/penguin (${(Bun.file("dist/penguin").size / 1024 / 1024).toFixed(1)} MiB)`);
}
