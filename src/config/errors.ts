// The one error configuration problems raise: its message names the key and what is wrong, so the CLI can print one
// clear line instead of a stack trace.
import { homedir } from "node:os";
import { join } from "node:path";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function expandHome(p: string): string {
  return p === "~" ? homedir() : p.startsWith("~/") ? join(homedir(), p.slice(2)) : p;
}
