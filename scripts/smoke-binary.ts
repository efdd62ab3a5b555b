// Smoke test of the compiled binary: copied alone into an empty folder (HOME there too, no Node/Bun on PATH),
// it must start, create its workspace and database, serve /health, /, /api/docs, /api/redoc and answer an
// authenticated API call with the printed startup token, run a chat turn against the scripted LLM upstream in which
// the model calls grep_search (engine, provider adapter and the search worker, all inside the binary), and one in which
// it runs a command in the sandbox (which must not see the server's database) — then stop cleanly on SIGTERM.
// Usage: bun scripts/smoke-binary.ts [dist/penguin]
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startUpstream } from "../test/support/upstream";

export async function smokeBinary(binary: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "penguin-smoke-"));
  const checks: string[] = [];
  const exe = join(dir, "penguin");
  copyFileSync(resolve(binary), exe);
  writeFileSync(join(dir, "notes.txt"), "first line\nthe needle is here\nlast line\n");
  const upstream = await startUpstream();
  upstream.script({ toolCalls: [{ name: "grep_search", arguments: { pattern: "needle" } }] }, { text: "Found the needle in notes.txt." });
  const probe = "grep needle notes.txt; test -e penguin_workspace/penguin.db && echo DB-VISIBLE || echo db-hidden";
  upstream.script({ key: "[shell]", toolCalls: [{ name: "execute_command", arguments: { command: probe } }] }, { key: "[shell]", text: "Ran it." });
  const child = Bun.spawn([exe], {
    cwd: dir,
    env: { HOME: dir, PATH: "/usr/bin:/bin", PORT: "0", PENGUIN_MODEL: "openai/smoke-model", OPENAI_API_KEY: "x", OPENAI_BASE_URL: upstream.openaiBaseUrl },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    // Read the banner until the URL and the startup token are printed.
    const reader = child.stdout.getReader();
    let banner = "";
    const deadline = Date.now() + 20_000;
    while (!/#token=\S+/.test(banner)) {
      if (Date.now() > deadline) throw new Error("no banner within 20 s:\n" + banner);
      const { value, done } = await reader.read();
      if (done) throw new Error("binary exited early:\n" + banner + (await new Response(child.stderr).text()));
      banner += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const url = banner.match(/listening on (http:\/\/\S+)/)![1]!;
    const token = banner.match(/#token=(\S+)/)![1]!;
    const expect = async (path: string, status: number, init: RequestInit = {}, contains?: string) => {
      const res = await fetch(url + path, init);
      const text = await res.text();
      if (res.status !== status) throw new Error(`${path}: expected ${status}, got ${res.status}: ${text.slice(0, 200)}`);
      if (contains && !text.includes(contains)) throw new Error(`${path}: body lacks ${JSON.stringify(contains)}`);
      checks.push(`${path} → ${status}`);
    };
    await expect("/health", 200, {}, '"ok"');
    await expect("/", 200, {}, "<html");
    await expect("/api/docs", 200, {}, "swagger-ui");
    await expect("/api/docs/assets/swagger-ui-bundle.js", 200);
    await expect("/api/redoc", 200, {}, "redoc");
    await expect("/api/docs/assets/redoc.standalone.js", 200);
    await expect("/api/docs/json", 200, {}, '"openapi"');
    await expect("/metrics", 200, {}, "uptime_seconds");
    await expect("/api/v1/health", 200, {}, '"agent_capacity"');
    await expect("/api/v1/conversations", 401);
    await expect("/api/v1/conversations", 200, { headers: { "x-api-key": token } }, '"conversations"');
    const chat = await fetch(url + "/api/v1/chat/message", {
      method: "POST",
      headers: { "x-api-key": token, "content-type": "application/json" },
      body: JSON.stringify({ text: "Where is the needle?" }),
    });
    const answer = (await chat.json()) as { response?: string; action_results?: { action: string; status: string; result: string }[] };
    const grep = answer.action_results?.[0];
    if (chat.status !== 200 || grep?.action !== "grep_search" || grep.status !== "completed" || !grep.result.includes("the needle is here")) {
      throw new Error(`chat turn with grep_search failed: ${chat.status} ${JSON.stringify(answer).slice(0, 500)}`);
    }
    if (answer.response !== "Found the needle in notes.txt.") throw new Error(`unexpected answer: ${answer.response}`);
    checks.push("chat turn with grep_search (worker) → completed");
    const shell = await fetch(url + "/api/v1/chat/message", {
      method: "POST",
      headers: { "x-api-key": token, "content-type": "application/json" },
      body: JSON.stringify({ text: "Run the probe [shell]" }),
    });
    const ran = ((await shell.json()) as typeof answer).action_results?.[0];
    if (ran?.status !== "completed" || !ran.result.includes("the needle is here") || !ran.result.includes("db-hidden")) {
      throw new Error(`sandboxed command failed or saw the database: ${JSON.stringify(ran).slice(0, 500)}`);
    }
    checks.push(`chat turn with execute_command (${banner.match(/sandbox +(\S+)/)?.[1] ?? "?"} sandbox) → completed, database hidden`);
    for (const f of ["penguin_workspace", "penguin_workspace/penguin.db"]) {
      if (!existsSync(join(dir, f))) throw new Error(`${f} was not created`);
      checks.push(`${f} exists`);
    }
    child.kill("SIGTERM");
    const code = await Promise.race([child.exited, Bun.sleep(10_000).then(() => "timeout")]);
    if (code !== 0) throw new Error(`SIGTERM: expected a clean exit 0, got ${code}`);
    checks.push("SIGTERM → exit 0");
    return checks;
  } finally {
    child.kill("SIGKILL");
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const checks = await smokeBinary(process.argv[2] ?? "dist/penguin");
  for (const c of checks) console.log("ok  " + c);
  console.log("binary smoke test passed");
}
