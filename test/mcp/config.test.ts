// [mcp.<name>] in penguin.toml: what a valid table becomes, and one clear line per mistake.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function load(toml: string) {
  const workspace = mkdtempSync(join(tmpdir(), "penguin-mcp-config-"));
  dirs.push(workspace);
  writeFileSync(join(workspace, "penguin.toml"), toml);
  return loadConfig({ env: { PENGUIN_WORKSPACE: workspace, PENGUIN_AUTH: "off" }, cwd: "/srv/project" });
}

describe("[mcp.<name>] configuration", () => {
  test("a stdio and an HTTP server, with their defaults", () => {
    const config = load(`
[mcp.everything]
command = ["npx", "-y", "@modelcontextprotocol/server-everything", "stdio"]
environment = { LOG_LEVEL = "warn" }
read_only_roots = ["~/tools", "vendor"]

[mcp.docs]
url = "https://mcp.example.com/mcp"
headers = { Authorization = "Bearer {env:DOCS_TOKEN}" }
enabled = false
timeout_ms = 5000
`);
    expect(config.mcp).toEqual([
      {
        name: "everything",
        transport: "stdio",
        enabled: true,
        timeoutMs: 60_000,
        command: ["npx", "-y", "@modelcontextprotocol/server-everything", "stdio"],
        environment: { LOG_LEVEL: "warn" },
        network: true,
        readOnlyRoots: [join(homedir(), "tools"), "/srv/project/vendor"],
        writableRoots: [],
      },
      { name: "docs", transport: "http", enabled: false, timeoutMs: 5000, url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer {env:DOCS_TOKEN}" } },
    ]);
    expect(load("").mcp).toEqual([]);
  });

  const mistakes: [string, string, RegExp][] = [
    ["neither command nor url", `[mcp.x]\nenabled = true\n`, /mcp\.x: give either command \(a stdio server\) or url/],
    ["both command and url", `[mcp.x]\ncommand = ["a"]\nurl = "http://h/mcp"\n`, /mcp\.x: give either command/],
    ["a name that cannot prefix tool names", `[mcp."my_server"]\ncommand = ["a"]\n`, /mcp\.my_server: a server name is 1-32 letters, digits or hyphens/],
    ["headers for a stdio server", `[mcp.x]\ncommand = ["a"]\nheaders = { A = "b" }\n`, /mcp\.x\.headers: only for a server reached by url/],
    ["environment for an HTTP server", `[mcp.x]\nurl = "http://h/mcp"\nenvironment = { A = "b" }\n`, /mcp\.x\.environment: only for a server started with command/],
    ["a url that is not http(s)", `[mcp.x]\nurl = "ftp://h/mcp"\n`, /mcp\.x\.url: "ftp:\/\/h\/mcp" is not an http\(s\) URL/],
    ["an empty command", `[mcp.x]\ncommand = []\n`, /mcp\.x\.command/],
    ["an unknown key", `[mcp.x]\ncommand = ["a"]\nargs = ["b"]\n`, /mcp\.x\.args is not a known setting/],
    ["a timeout too small", `[mcp.x]\ncommand = ["a"]\ntimeout_ms = 5\n`, /mcp\.x\.timeout_ms/],
  ];
  for (const [what, toml, message] of mistakes) {
    test(`refused: ${what}`, () => {
      const run = () => load(toml);
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(message);
    });
  }
});
