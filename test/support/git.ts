// Real git repositories in temp folders, for the suites that check what checkpoints do to a work tree.
import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Runs git in `cwd` and returns what it printed; throws with git's error output when it fails. */
export function runGit(cwd: string, ...args: string[]): string {
  const proc = Bun.spawnSync(["git", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  if (proc.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${proc.stderr.toString()}`);
  return proc.stdout.toString();
}

/** A new, empty repository (branch main) in a temp folder named after `prefix`; its real path (no symlinks). */
export function tempRepo(prefix: string): string {
  const repo = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  runGit(repo, "init", "-q", "-b", "main");
  return repo;
}
