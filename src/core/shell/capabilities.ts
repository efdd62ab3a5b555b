// What a command line needs beyond the sandbox's defaults: the network (the sandbox has none), or write access to a
// repository's `.git` (read-only in the sandbox). Both are permissions: a command that needs one asks (or is allowed
// by a rule) and then runs with it. This is a judgement of intent for asking, not a boundary: a command that needs
// the network without saying so simply finds none.
import { basename } from "node:path";
import { type CommandNeeds, isAssignment } from "./judgement";
import { expandWord, parseCommandLine, type SimpleCommand } from "./parse";
import { LEADING_KEYWORDS, OTHER_SHELLS, POSIX_SHELLS } from "./specs";

/** Programs whose whole purpose is talking to other machines. */
const NETWORK_PROGRAMS = new Set([
  "curl", "wget", "ssh", "scp", "sftp", "rsync", "nc", "ncat", "netcat", "telnet", "ftp", "ping", "ping6", "dig", "nslookup", "host", "whois",
  "aria2c", "http", "https", "gh", "npx", "bunx", "pnpx", "uvx", "pipx", "docker", "podman", "kubectl", "aws", "gcloud", "az", "socat",
]);

/** Package managers and the subcommands of theirs that download. */
const DOWNLOADERS: Record<string, Set<string>> = {
  npm: new Set(["install", "i", "ci", "add", "update", "up", "upgrade", "publish", "exec", "x", "create", "init", "outdated", "view", "info", "audit", "login", "search"]),
  pnpm: new Set(["install", "i", "add", "update", "up", "upgrade", "publish", "dlx", "create", "outdated", "audit"]),
  yarn: new Set(["install", "add", "upgrade", "up", "publish", "dlx", "create", "outdated", "audit", ""]),
  bun: new Set(["install", "i", "add", "update", "upgrade", "publish", "x", "create", "outdated", "pm"]),
  pip: new Set(["install", "download", "search", "index"]),
  pip3: new Set(["install", "download", "search", "index"]),
  uv: new Set(["pip", "add", "sync", "lock", "tool"]),
  poetry: new Set(["install", "add", "update", "lock", "publish", "search"]),
  cargo: new Set(["install", "fetch", "update", "publish", "search", "add"]),
  go: new Set(["get", "install", "mod", "download"]),
  gem: new Set(["install", "update", "push", "fetch", "search"]),
  bundle: new Set(["install", "update"]),
  composer: new Set(["install", "require", "update", "create-project"]),
  apt: new Set(["install", "update", "upgrade", "download", "source"]),
  "apt-get": new Set(["install", "update", "upgrade", "download", "source", "dist-upgrade"]),
  brew: new Set(["install", "update", "upgrade", "fetch"]),
  deno: new Set(["install", "cache", "add"]),
  mvn: new Set(["dependency:resolve", "deploy"]),
};

/** git subcommands that talk to a remote. */
const GIT_REMOTE = new Set(["push", "pull", "fetch", "clone", "ls-remote", "submodule", "remote", "archive"]);
/** git subcommands that only read the repository. */
const GIT_READ = new Set(
  "status log diff show blame ls-files ls-tree rev-parse describe shortlog grep cat-file rev-list whatchanged count-objects version name-rev merge-base for-each-ref show-ref var check-ignore fsck diff-tree diff-index diff-files help ls-remote archive".split(" "),
);
/** git options that take a value as the next word, before the subcommand. */
const GIT_VALUE_OPTIONS = new Set(["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--exec-path"]);

const WRAPPERS = new Set(["env", "sudo", "doas", "nohup", "time", "command", "builtin", "exec", "nice", "stdbuf", "setsid", "xargs", "watch", "timeout", "ionice", "chrt", "taskset"]);

/** The words of a simple command with wrappers (`env X=1`, `sudo`, `timeout 5`) and assignments removed. */
function effectiveWords(cmd: SimpleCommand): string[] {
  let words = cmd.words.flatMap(expandWord).map((w) => w.text);
  for (let guard = 0; guard < 8 && words.length; guard++) {
    const first = words[0]!;
    if (LEADING_KEYWORDS.has(first) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) {
      words = words.slice(1);
      continue;
    }
    const name = basename(first);
    if (!WRAPPERS.has(name)) break;
    words = words.slice(1);
    if (name === "timeout") {
      while (words.length && words[0]!.startsWith("-")) words = words.slice(1);
      words = words.slice(1); // the duration
    }
    while (words.length && (words[0]!.startsWith("-") || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!))) words = words.slice(1);
  }
  return words;
}

function gitSubcommand(args: string[]): string | undefined {
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (GIT_VALUE_OPTIONS.has(a)) {
      k++;
      continue;
    }
    if (a.startsWith("-")) continue;
    return a;
  }
  return undefined;
}

function judgeWords(words: string[], needs: CommandNeeds, depth: number): void {
  if (!words.length) return;
  const program = basename(words[0]!);
  const args = words.slice(1);
  const shown = words.slice(0, 3).join(" ");
  if ((POSIX_SHELLS.has(program) || OTHER_SHELLS.has(program)) && depth < 4) {
    const at = args.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
    if (at >= 0 && args[at + 1] !== undefined) merge(needs, commandNeeds(args[at + 1]!, depth + 1));
    return;
  }
  if (NETWORK_PROGRAMS.has(program)) needs.network.push(`${program} talks to other machines`);
  const downloads = DOWNLOADERS[program];
  if (downloads) {
    const sub = args.find((a) => !a.startsWith("-")) ?? "";
    if (downloads.has(sub)) needs.network.push(`${shown} downloads packages`);
  }
  if (program === "git") {
    const sub = gitSubcommand(args);
    if (sub && GIT_REMOTE.has(sub)) needs.network.push(`git ${sub} talks to a remote`);
    if (sub && !GIT_READ.has(sub)) needs.gitWrite.push(`git ${sub} changes the repository`);
  }
}

function merge(into: CommandNeeds, from: CommandNeeds): void {
  into.network.push(...from.network);
  into.gitWrite.push(...from.gitWrite);
}

/** What a command line needs from the sandbox. An unparsable line needs nothing: it runs with the defaults. */
export function commandNeeds(line: string, depth = 0): CommandNeeds {
  const needs: CommandNeeds = { network: [], gitWrite: [] };
  let commands: SimpleCommand[];
  try {
    commands = parseCommandLine(line);
  } catch {
    return needs;
  }
  for (const cmd of commands) {
    if (cmd.words.length && isAssignment(cmd.words[0]!) && cmd.words.length === 1) continue;
    judgeWords(effectiveWords(cmd), needs, depth);
  }
  needs.network = [...new Set(needs.network)];
  needs.gitWrite = [...new Set(needs.gitWrite)];
  return needs;
}
