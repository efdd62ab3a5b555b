// The environment of a sandboxed command: built from an allow-list, never "the server's minus a deny-list".
// bubblewrap is started with exactly this environment (not the server's), which is what --clearenv + --setenv would
// give, without putting the values on bwrap's command line, where every local user can read them with `ps`.
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";

const PASSED = new Set(["PATH", "LANG", "LANGUAGE", "TERM", "TZ", "COLORTERM"]);
const PASSED_PREFIX = "LC_";
const DEFAULT_PATH = "/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin";

let userName: string | undefined;
function currentUser(): string {
  if (userName !== undefined) return userName;
  const uid = process.getuid?.() ?? -1;
  try {
    // Bun's userInfo() says "unknown" where it cannot ask NSS: /etc/passwd first
    const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.split(":")[2] === String(uid));
    userName = line?.split(":")[0];
  } catch {
    // no passwd file
  }
  if (!userName) {
    try {
      userName = userInfo().username;
    } catch {
      userName = String(uid);
    }
  }
  return userName;
}

export function sandboxEnvironment(options: { home: string; tmp: string; extra?: Record<string, string>; source?: Record<string, string | undefined> }): Record<string, string> {
  const source = options.source ?? process.env;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && (PASSED.has(name) || name.startsWith(PASSED_PREFIX))) env[name] = value;
  }
  env.PATH ??= DEFAULT_PATH;
  Object.assign(env, { HOME: options.home, TMPDIR: options.tmp, USER: currentUser(), LOGNAME: currentUser() }, options.extra ?? {});
  return env;
}
