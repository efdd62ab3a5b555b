// Runs at bundle time (Bun macro): builds the web UI from public/ and returns the output files as an inlined
// literal, so `bun run dev`, `bun test` and the compiled binary all serve the same bytes with no files on disk.
// Bun.build cannot run inside a macro, so the build runs in a child bun. Run and build from the repository root.
export function buildWebAssets(): Record<string, { type: string; base64: string }> {
  const child = Bun.spawnSync([process.execPath, "scripts/build-web.ts"], { stderr: "pipe" });
  if (child.exitCode !== 0) throw new Error("web UI build failed: " + child.stderr.toString());
  return JSON.parse(child.stdout.toString());
}
