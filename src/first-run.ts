// First run from the command line: the generated API key is kept in the workspace (so a restart does not sign the
// browser out or break scripts) and `penguin token --rotate` replaces it; started with no project root from the
// server's own checkout or install folder, the agent works in the workspace's files/ instead of the server's source.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Config } from "./config";

export const TOKEN_FILE = "api-token";

const sha256Hex = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex");
const newToken = () => Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");

/** The kept token, or a new one written with mode 0600 (also when `rotate`). */
export function keptToken(workspace: string, rotate = false): { token: string; file: string; created: boolean } {
  const file = join(workspace, TOKEN_FILE);
  if (!rotate && existsSync(file)) {
    const token = readFileSync(file, "utf8").trim();
    if (token.length >= 16) {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600); // never readable by others, even if copied in so
      return { token, file, created: false };
    }
  }
  mkdirSync(workspace, { recursive: true });
  const token = newToken();
  writeFileSync(file, token + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, file, created: true };
}

/** Replaces the config's one-run startup token by the kept one (nothing to do when keys are configured). */
export function useKeptToken(config: Config): void {
  const generated = config.auth.startupToken;
  if (!config.auth.enabled || !generated) return;
  const { token } = keptToken(config.workspace);
  const generatedHash = sha256Hex(generated);
  config.auth.keys = config.auth.keys.map((k) => (k.sha256 === generatedHash ? { ...k, sha256: sha256Hex(token) } : k));
  config.auth.startupToken = token;
}

/** Whether `dir` is this server's own checkout (package.json named "penguin") or the install folder of its binary
 *  (the binary and nothing else to work on: a folder of the user's files beside the binary stays a project). */
export function isServerFolder(dir: string): boolean {
  const real = resolve(dir);
  if (real === dirname(process.execPath) && !/\bbun$/.test(process.execPath)) {
    const others = readdirSync(real).filter((name) => !name.startsWith(".") && join(real, name) !== process.execPath);
    if (!others.length) return true;
  }
  try {
    return (JSON.parse(readFileSync(join(real, "package.json"), "utf8")) as { name?: string }).name === "penguin";
  } catch {
    return false;
  }
}

/** With no root given (flag, env or config file) and the current folder the server's own, the workspace's files/.
 *  Returns the note for the banner when it chose so. */
export function chooseDefaultRoot(config: Config, given: boolean, cwd = process.cwd()): string | undefined {
  if (given || resolve(config.projectRoot) !== resolve(cwd) || !isServerFolder(cwd)) return undefined;
  const files = join(config.workspace, "files");
  mkdirSync(files, { recursive: true });
  config.projectRoot = files;
  return `started in Penguin's own folder, so the agent works in ${files}; choose a project with --project-root <dir> (or PENGUIN_PROJECT_ROOT) or from the page`;
}
