// The tables of programs: read-only programs with their harmless options, programs that change files inside the root,
// build and run tools, shells and interpreters, and the destructive ones.

import { judge, type Judgement, type Situation, worst } from "./judgement";
import { options, type OptionTable, parseArgs, type ParsedArgs, type ParseRules, valueRisks, valuesOf } from "./options";
import type { Word } from "./parse";
import { pathRisk } from "./paths";

interface ProgramSpec {
  table?: OptionTable;
  rules?: ParseRules;
  /** paths: every operand is a path it reads; none: operands are not paths; pattern: the first operand is a pattern
   *  (unless an option in `patternFrom` gave it), the rest are paths. */
  operands: "paths" | "none" | "pattern";
  patternFrom?: string[];
  /** Extra checks after the options are known. */
  check?(parsed: ParsedArgs, sit: Situation, name: string): Judgement | undefined;
}

export const SPECS = new Map<string, ProgramSpec>();
const spec = (names: string, s: ProgramSpec) => {
  for (const n of names.split(" ")) SPECS.set(n, s);
};

// programs none of whose options can write, run anything or name a path
spec("ls cat head tail nl tac rev fold fmt paste join od stat realpath readlink column lsof comm cmp df", { operands: "paths", rules: { any: true, numeric: true } });
spec("cut", { operands: "paths", table: options("nszb:c:d:f:", "bytes= characters= delimiter= fields= complement only-delimited output-delimiter= zero-terminated help version") });
spec("basename dirname pwd true false : whoami id groups uname uptime free nproc arch lsb_release locale getconf tty cal printenv sleep seq expr clear help pgrep alias unalias logout which whereis type netstat top", {
  operands: "none",
  rules: { any: true, dynamicOk: true },
});
spec("echo", { operands: "none", rules: { any: true, dynamicOk: true } });
spec("tr", { operands: "none", rules: { any: true } });
spec("less more", { operands: "paths", table: options("") });
spec("strings", {
  operands: "paths",
  rules: { any: true },
  check: (p) => (p.operands.some((w) => w.text.startsWith("@")) ? judge("unknown", "strings @FILE reads more options from a file") : undefined),
});
spec("grep egrep fgrep", {
  operands: "pattern",
  patternFrom: ["-e", "-f", "--regexp", "--file"],
  rules: { numeric: true, globSafe: true },
  table: options(
    "abcEFGhHiIlLnoPqrRsTuUvVwxyzZA:B:C:d:D:e:f<m:",
    "extended-regexp fixed-strings basic-regexp perl-regexp regexp= file=< ignore-case no-ignore-case word-regexp line-regexp null-data no-messages invert-match " +
      "version help max-count= byte-offset line-number no-line-number line-buffered with-filename no-filename label= only-matching quiet silent binary-files= text " +
      "directories= devices= recursive dereference-recursive include= exclude= exclude-from=< exclude-dir= files-without-match files-with-matches count initial-tab " +
      "null color? colour? after-context= before-context= context= binary unix-byte-offsets",
  ),
});
spec("rg", {
  operands: "pattern",
  patternFrom: ["-e", "-f", "--regexp", "--file", "--files", "--type-list"],
  table: options(
    "abcFhHiIlLnNopqsSuUvVwxz0P.A:B:C:d:e:E:f<g:j:m:M:r:t:T:",
    "after-context= before-context= binary block-buffered byte-offset case-sensitive color= colors= column context= context-separator= count count-matches crlf " +
      "debug dfa-size-limit= encoding= engine= field-context-separator= field-match-separator= file=< files files-with-matches files-without-match fixed-strings " +
      "follow glob= glob-case-insensitive heading hidden iglob= ignore-case ignore-file=< ignore-file-case-insensitive include-zero invert-match json " +
      "line-buffered line-number line-regexp max-columns= max-columns-preview max-count= max-depth= max-filesize= mmap multiline multiline-dotall no-config " +
      "no-filename no-heading no-ignore no-ignore-dot no-ignore-exclude no-ignore-files no-ignore-global no-ignore-messages no-ignore-parent no-ignore-vcs " +
      "no-line-number no-messages no-mmap no-pcre2-unicode no-require-git no-unicode null null-data one-file-system only-matching passthru path-separator= pcre2 " +
      "pcre2-version pretty quiet regex-size-limit= regexp= replace= search-zip smart-case sort= sortr= stats text threads= trim type= type-add= type-clear= " +
      "type-list type-not= unrestricted vimgrep with-filename word-regexp pre! pre-glob= hostname-bin! hyperlink-format= help version",
  ),
});
spec("ag", {
  operands: "pattern",
  table: options(
    "acDfhHilLnoQsSuUvwz0A:B:C:G:g:m:p<",
    "ackmate all-types all-text after= before= break nobreak case-sensitive color nocolor color-line-number= color-match= color-path= column context= count debug " +
      "depth= file-search-regex= files-with-matches files-without-matches filename nofilename follow fixed-strings group nogroup heading noheading hidden ignore= " +
      "ignore-case ignore-dir= invert-match line-numbers literal max-count= numbers nonumbers one-device only-matching path-to-ignore=< print-long-lines recurse " +
      "norecurse search-binary search-zip silent skip-vcs-ignores smart-case stats unrestricted vimgrep word-regexp workers= null print0 pager! version help",
  ),
});
spec("wc", { operands: "paths", rules: { globSafe: false }, table: options("clmwL", "bytes chars lines words max-line-length total= files0-from! help version") });
spec("du", {
  operands: "paths",
  table: options(
    "0abcDhHklLmPsSxB:d:t:X<",
    "null all apparent-size block-size= bytes total dereference-args dereference human-readable inodes kilo max-depth= si summarize separate-dirs threshold= time? " +
      "time-style= exclude-from=< exclude= one-file-system count-links no-dereference files0-from! help version",
  ),
});
spec("diff", {
  operands: "paths",
  rules: { numeric: true, globSafe: true },
  table: options(
    "abBcdeEhHilnNpPqrsStTuvwyZC:D:F:I:L:S:U:W:x:X<",
    "normal brief report-identical-files context? unified? ed rcs side-by-side width= left-column suppress-common-lines show-c-function show-function-line= label= " +
      "expand-tabs initial-tab tabsize= suppress-blank-empty paginate new-file unidirectional-new-file ignore-case ignore-tab-expansion ignore-trailing-space " +
      "ignore-space-change ignore-all-space ignore-blank-lines ignore-matching-lines= text strip-trailing-cr recursive no-dereference starting-file= exclude= " +
      "exclude-from=< ignore-file-name-case no-ignore-file-name-case from-file=< to-file=< minimal horizon-lines= speed-large-files old-line-format= new-line-format= " +
      "unchanged-line-format= line-format= old-group-format= new-group-format= unchanged-group-format= changed-group-format= ifdef= color? palette= help version binary",
  ),
});
spec("sort", {
  operands: "paths",
  table: options(
    "bcCdfghiMmnRrsuVzk:o>S:t:T>",
    "ignore-leading-blanks dictionary-order ignore-case general-numeric-sort ignore-nonprinting month-sort human-numeric-sort numeric-sort random-sort " +
      "random-source=< reverse sort= version-sort batch-size= check? compress-program! debug files0-from! key= merge output=> stable buffer-size= field-separator= " +
      "temporary-directory=> parallel= unique zero-terminated help version",
  ),
});
spec("uniq", {
  operands: "none",
  table: options("cdDiuzf:s:w:", "count repeated all-repeated? group? skip-fields= skip-chars= ignore-case unique zero-terminated check-chars= help version"),
  // uniq [INPUT [OUTPUT]]: the second operand is written
  check: (p, sit) => worst([pathRisk(p.operands.slice(0, 1), sit, "reads"), p.operands[1] ? (pathRisk(p.operands.slice(1), sit, "touches") ?? judge("write", `uniq writes ${p.operands[1].text}`)) : undefined]),
});
spec("hexdump", {
  operands: "paths",
  table: options("bcCdoxvLe:f<n:s:", "canonical format= format-file=< length= skip= no-squeezing color? one-byte-octal one-byte-char one-byte-hex two-bytes-decimal two-bytes-octal two-bytes-hex help version"),
});
spec("md5sum sha1sum sha224sum sha256sum sha384sum sha512sum b2sum cksum", {
  operands: "paths",
  table: options("btwzc!l:a:", "binary text tag zero quiet status strict warn ignore-missing check! length= algorithm= base64 raw untagged debug help version"),
});
spec("file", {
  operands: "paths",
  table: options(
    "bcdEhiIklLNnprsSvz0ZC!e:f!F:m<P:",
    "brief compile! checking-printout dereference no-dereference exclude= exclude-quiet= extension files-from! separator= mime mime-type mime-encoding apple " +
      "keep-going list magic-file=< no-buffer no-pad print0 parameter= preserve-date raw special-files uncompress uncompress-noreport help version",
  ),
});
spec("tree", {
  operands: "paths",
  table: options(
    "adlfFiqNQpugshDrtcUvCnASJXxL:P:I:H:T:o>R!",
    "noreport dirsfirst filesfirst du si prune matchdirs ignore-case charset= filelimit= sort= gitignore gitfile=< infofile=< timefmt= inodes device nolinks " +
      "fromfile! fromtabfile! metafirst hyperlink= scheme= authority= help version",
  ),
});
spec("hostname", {
  operands: "none",
  table: options("adfisyAIvF!b!", "alias domain fqdn long ip-address all-fqdns all-ip-addresses short yp nis verbose file! boot! help version"),
  check: (p) => (p.operands.length ? judge("unknown", "hostname NAME changes the host name") : undefined),
});
spec("ss", {
  operands: "none",
  table: options(
    "hVHnraloeOmpisEZzbxuwSt46M0TK!D>F<A:f:N:",
    "help version no-header numeric resolve all listening options extended memory processes threads info tos cgroup summary events context contexts net= bpf " +
      "kill! diag=> filter=< query= socket= family= ipv4 ipv6 packet tcp udp dccp raw unix sctp vsock xdp mptcp tipc inet-sockopt oneline no-queues",
  ),
});
spec("jobs", { operands: "none", table: options("lnprs") });
spec("dirs", { operands: "none", rules: { any: true } });

export function judgeBySpec(name: string, s: ProgramSpec, args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs(name, args, s.table, s.rules);
  if (parsed.problem) return judge("unknown", parsed.problem);
  const results: (Judgement | undefined)[] = valueRisks(name, parsed, sit);
  if (s.operands === "paths") results.push(pathRisk(parsed.operands, sit, "reads"));
  else if (s.operands === "pattern") {
    const given = s.patternFrom?.some((o) => parsed.flags.has(o));
    results.push(pathRisk(given ? parsed.operands : parsed.operands.slice(1), sit, "reads"));
  }
  results.push(s.check?.(parsed, sit, name));
  return worst(results);
}

// ---------------------------------------------------------------------------------------------------------------
// Programs that change files inside the root (their paths checked) and the build and run tools

export const WRITE_SPECS = new Map<string, { table: OptionTable; check?(parsed: ParsedArgs, sit: Situation): Judgement | undefined }>();
const writeSpec = (names: string, table: OptionTable, check?: (parsed: ParsedArgs, sit: Situation) => Judgement | undefined) => {
  for (const n of names.split(" ")) WRITE_SPECS.set(n, { table, check });
};
const suffixCheck = (p: ParsedArgs): Judgement | undefined =>
  valuesOf(p, "-S", "--suffix").some((w) => w.text.includes("/") || w.dynamic) ? judge("unknown", "a backup suffix containing / names a path of its own") : undefined;
writeSpec("touch", options("acfhmd:r<t:", "no-create date= no-dereference reference=< time= help version"));
writeSpec("mkdir", options("pvZm:", "mode= parents verbose context? help version"));
writeSpec(
  "cp",
  options(
    "abdfHilLnpPrRsTuvxZS:t>",
    "archive attributes-only backup? copy-contents debug dereference force interactive link no-clobber no-dereference preserve? no-preserve= parents recursive " +
      "reflink? remove-destination sparse= strip-trailing-slashes suffix= symbolic-link target-directory=> no-target-directory update? verbose one-file-system " +
      "context? keep-directory-symlink help version",
  ),
  suffixCheck,
);
writeSpec("mv", options("bfinTuvZS:t>", "backup? debug exchange force interactive no-clobber no-copy strip-trailing-slashes suffix= target-directory=> no-target-directory update? verbose context help version"), suffixCheck);
writeSpec("ln", options("bdFfinLPrsTvS:t>", "backup? directory force interactive logical no-dereference physical relative symbolic suffix= target-directory=> no-target-directory verbose help version"), suffixCheck);
writeSpec("rmdir", options("pv", "ignore-fail-on-non-empty parents verbose help version"));
writeSpec("tee", options("aip", "append ignore-interrupts output-error? help version"));
writeSpec("truncate", options("cor<s:", "no-create io-blocks reference=< size= help version"));
writeSpec(
  "install",
  options("bcCdDpsTvZg:m:o:S:t>", "backup? compare directory group= mode= owner= preserve-timestamps strip strip-program! suffix= target-directory=> no-target-directory verbose preserve-context context? debug help version"),
  suffixCheck,
);
writeSpec(
  "patch",
  options(
    "bcElnNRstTuZfB:d>D:e!F:g!i<o>p:r>V:x:Y:z:",
    "backup backup-if-mismatch no-backup-if-mismatch context prefix= directory=> ifdef= ed! remove-empty-files force fuzz= get! input=< ignore-whitespace normal " +
      "forward output=> strip= reject-file=> reverse silent quiet batch set-time set-utc unified version-control= basename-prefix= suffix= dry-run verbose posix " +
      "merge? quoting-style= read-only= follow-symlinks reject-format= binary help version",
  ),
);
writeSpec("gzip gunzip", options("cdfhklLnNqrtvV123456789S:", "stdout to-stdout decompress uncompress force help keep list license no-name name quiet recursive rsyncable suffix= synchronous test verbose version fast best"), suffixCheck);
writeSpec("bzip2 bunzip2", options("cdzkfvtsqLV123456789", "decompress compress keep force test stdout quiet verbose small fast best help license version"));
writeSpec(
  "xz unxz",
  options(
    "zdtlkfcqvhHV0123456789eT:F:C:M:S:",
    "compress decompress uncompress test list keep force stdout to-stdout suffix= format= check= memlimit= memlimit-compress= memlimit-decompress= threads= quiet " +
      "verbose extreme single-stream no-sparse block-size= no-adjust robot info-memory help long-help version files! files0! lzma1= lzma2= x86 delta=",
  ),
  suffixCheck,
);
writeSpec("unzip", options("acfjlLnoqtTuvVXzZCKd>P:O:I:x:"));

/** Build and run tools: ordinary development work (they run the project's own code). */
export const RUNS_CODE = new Set(
  (
    "make cmake ninja npm pnpm yarn pip pip3 pipx uv poetry pytest cargo rustc rustup go gcc g++ cc clang javac java mvn gradle tsc eslint prettier jest " +
    "vitest mocha ruff black isort mypy flake8 pylint dotnet swift bundle rake gem composer git-lfs gofmt rustfmt clang-format shellcheck"
  ).split(" "),
);

export const POSIX_SHELLS = new Set(["sh", "bash", "dash"]);
export const OTHER_SHELLS = new Set(["zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "yash"]);
export const INTERPRETER = /^(python[0-9.]*|pypy[0-9.]*|node|nodejs|bun|deno|perl|ruby|php|lua|luajit|R|Rscript|julia)$/;
/** Programs that run whatever they read on stdin (for process_write_stdin). */
export const READS_CODE = new Set([
  ...POSIX_SHELLS, ...OTHER_SHELLS, "xargs", "parallel", "ed", "ex", "vi", "vim", "nvim", "gdb", "lldb", "sqlite3", "psql", "mysql", "mongo", "mongosh", "redis-cli",
  "irb", "pry", "ipython", "jshell", "ghci", "iex", "erl", "scala", "tclsh", "wish", "nc", "ncat", "socat", "telnet", "ssh", "ftp",
]);

export const DESTRUCTIVE: Record<string, string> = {
  dd: "dd writes raw data to files or devices",
  shred: "shred destroys file contents",
  wipefs: "wipefs erases file-system signatures",
  fdisk: "fdisk changes partition tables",
  sfdisk: "sfdisk changes partition tables",
  parted: "parted changes partition tables",
  mkswap: "mkswap formats a device",
  mount: "mount changes mounted file systems",
  umount: "umount changes mounted file systems",
  shutdown: "shuts the machine down",
  reboot: "reboots the machine",
  halt: "halts the machine",
  poweroff: "powers the machine off",
  systemctl: "systemctl controls system services",
  service: "service controls system services",
  crontab: "crontab changes scheduled jobs",
  iptables: "iptables changes the firewall",
  useradd: "changes system users",
  userdel: "changes system users",
  usermod: "changes system users",
  passwd: "changes passwords",
  chattr: "chattr changes file attributes",
  killall: "killall kills processes by name",
  pkill: "pkill kills processes by pattern",
  sudo: "sudo runs a command with elevated privileges",
  doas: "doas runs a command with elevated privileges",
  su: "su switches user",
  pkexec: "pkexec runs a command with elevated privileges",
};

export const LEADING_KEYWORDS = new Set(["if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "fi", "done", "esac"]);
/** Loop headers and function declarations start no program themselves. */
export const HEADER_KEYWORDS = new Set(["for", "select", "function", "case", "in"]);
/** Where a program named with a path is still the system's own. */
export const SYSTEM_BIN = new Set(["/bin", "/usr/bin", "/usr/local/bin", "/sbin", "/usr/sbin", "/usr/local/sbin", "/opt/homebrew/bin"]);
