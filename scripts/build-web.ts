// Builds the web UI (public/) with Bun.build. Prints the output files as JSON ({path: {type, base64}}) for the
// bundle-time macro in src/assets/web.macro.ts; run from the repository root.
export async function buildWeb(): Promise<Record<string, { type: string; base64: string }>> {
  const result = await Bun.build({
    entrypoints: ["./public/index.html"],
    target: "browser",
    minify: true,
    naming: { entry: "[name].[ext]", chunk: "assets/[name]-[hash].[ext]", asset: "assets/[name]-[hash].[ext]" },
  });
  if (!result.success) throw new Error("web UI build failed:\n" + result.logs.map(String).join("\n"));
  const files: Record<string, { type: string; base64: string }> = {};
  for (const out of result.outputs) {
    const path = "/" + out.path.replace(/^\.\//, "");
    files[path] = { type: out.type, base64: Buffer.from(await out.arrayBuffer()).toString("base64") };
  }
  return files;
}

if (import.meta.main) process.stdout.write(JSON.stringify(await buildWeb()));
