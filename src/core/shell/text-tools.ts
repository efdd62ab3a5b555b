// Judges of file and text tools with their own rules: find, sed (with a sed-script parser), awk, jq, yq, xxd, ps,
// date, man.

import { judgeCommand } from "./command";
import { ASSIGNMENT, judge, type Judgement, literalWord, nameRisk, READ_ONLY, type Situation, synthetic, worst } from "./judgement";
import { has, options, parseArgs, valueRisks, valuesOf } from "./options";
import type { Word } from "./parse";
import { absolutePath, DEVICE_OK, pathRisk } from "./paths";

export function judgeFind(args: Word[], sit: Situation): Judgement {
  const results: (Judgement | undefined)[] = [];
  let k = 0;
  for (; k < args.length; k++) {
    const t = args[k]!.text;
    if (args[k]!.dynamic) return judge("unknown", `find ${t}: an argument computed at run time`);
    if (t === "-H" || t === "-L" || t === "-P" || /^-O\d*$/.test(t)) continue;
    if (t === "-D") {
      k++;
      continue;
    }
    break;
  }
  const starts: Word[] = [];
  while (k < args.length && !/^[-(!),]/.test(args[k]!.text)) starts.push(args[k++]!);
  results.push(pathRisk(starts, sit, "reads"));
  const start = starts[0] ?? literalWord(".");

  const NO_ARG = new Set(
    "-true -false -empty -readable -writable -executable -nouser -nogroup -depth -d -mount -xdev -noleaf -ignore_readdir_race -noignore_readdir_race -daystart -follow -print -print0 -ls -prune -quit -not -a -and -o -or ( ) ! , -help --help -version --version -warn -nowarn".split(
      " ",
    ),
  );
  const ONE_ARG = new Set(
    "-name -iname -path -ipath -wholename -iwholename -regex -iregex -regextype -type -xtype -size -mtime -mmin -atime -amin -ctime -cmin -perm -user -group -uid -gid -links -inum -maxdepth -mindepth -lname -ilname -fstype -used -context -printf".split(
      " ",
    ),
  );
  for (; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic) return judge("unknown", `find ${t}: an expression computed at run time`);
    if (NO_ARG.has(t)) continue;
    if (ONE_ARG.has(t)) {
      const value = args[++k];
      if (value?.dynamic && value.split) return judge("unknown", `find ${t} ${value.text}: a value computed at run time may split into more of the expression`);
      continue;
    }
    if (["-newer", "-anewer", "-cnewer", "-samefile"].includes(t) || /^-newer[aBcmt][aBcm]$/.test(t)) {
      results.push(pathRisk(args.slice(k + 1, k + 2), sit, "reads"));
      k++;
      continue;
    }
    if (/^-newer[aBcm]t$/.test(t)) {
      k++;
      continue;
    }
    if (t === "-delete") {
      results.push(judge("destructive", "find -delete deletes files"));
      continue;
    }
    if (["-fprint", "-fprint0", "-fls", "-fprintf"].includes(t)) {
      const file = args[k + 1];
      results.push(file ? (pathRisk([file], sit, "touches") ?? judge("write", `find ${t} writes ${file.text}`)) : judge("unknown", `find ${t} without a file`));
      k += t === "-fprintf" ? 2 : 1;
      continue;
    }
    if (["-exec", "-execdir", "-ok", "-okdir"].includes(t)) {
      let end = k + 1;
      while (end < args.length && !(args[end]!.text === ";" || (args[end]!.text === "+" && args[end - 1]?.text === "{}"))) end++;
      const inDir = t === "-execdir" || t === "-okdir";
      const placeholder = inDir ? literalWord(absolutePath(start.text, sit)) : start;
      // the found names replace {}; pasted into a longer word they can carry anything a file name can
      const inner = args.slice(k + 1, end).map((a) => (a.text === "{}" ? placeholder : a.text.includes("{}") ? { ...a, dynamic: true, leadDynamic: a.leadDynamic || a.text.startsWith("{}") } : a));
      if (inner.length) results.push(judgeCommand(synthetic(inner), { ...sit, cwd: inDir ? undefined : sit.cwd }));
      k = end;
      continue;
    }
    if (t === "-files0-from") return judge("unknown", "find -files0-from reads its starting points from a file");
    return judge("unknown", `find ${t} is not an expression known to be safe`);
  }
  return worst(results);
}

/** The risky commands of a GNU sed script; undefined when it can't be parsed (so nothing is known about it). */
function sedScript(script: string): { exec: boolean; writes: string[]; reads: string[] } | undefined {
  const found = { exec: false, writes: [] as string[], reads: [] as string[] };
  const s = script;
  let i = 0;
  const ws = () => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  const restOfLine = () => {
    const end = s.indexOf("\n", i);
    const text = s.slice(i, end < 0 ? s.length : end);
    i = end < 0 ? s.length : end;
    return text;
  };
  const delimited = (delim: string): boolean => {
    // up to the next unescaped delimiter; false when there is none
    while (i < s.length) {
      if (s[i] === "\\") i += 2;
      else if (s[i] === delim) {
        i++;
        return true;
      } else i++;
    }
    return false;
  };
  const address = (): boolean => {
    if (/[0-9]/.test(s[i] ?? "")) {
      while (/[0-9~]/.test(s[i] ?? "")) i++;
    } else if (s[i] === "$") i++;
    else if (s[i] === "/") {
      i++;
      if (!delimited("/")) return false;
      while (/[IM]/.test(s[i] ?? "")) i++;
    } else if (s[i] === "\\") {
      const delim = s[i + 1];
      if (!delim || delim === "\n") return false;
      i += 2;
      if (!delimited(delim)) return false;
      while (/[IM]/.test(s[i] ?? "")) i++;
    } else if (s[i] === "+" || s[i] === "~") {
      i++;
      while (/[0-9]/.test(s[i] ?? "")) i++;
    }
    return true;
  };
  const end = (): boolean => {
    ws();
    if (i >= s.length || s[i] === "\n" || s[i] === ";" || s[i] === "}") return true;
    if (s[i] === "#") {
      restOfLine();
      return true;
    }
    return false;
  };
  while (i < s.length) {
    while (i < s.length && /[\s;]/.test(s[i]!)) i++;
    if (i >= s.length) break;
    if (s[i] === "#") {
      restOfLine();
      continue;
    }
    if (!address()) return undefined;
    ws();
    if (s[i] === ",") {
      i++;
      ws();
      if (!address()) return undefined;
      ws();
    }
    while (s[i] === "!") {
      i++;
      ws();
    }
    const c = s[i++];
    switch (c) {
      case "{":
      case "}":
        continue;
      case "=":
      case "d":
      case "D":
      case "g":
      case "G":
      case "h":
      case "H":
      case "n":
      case "N":
      case "p":
      case "P":
      case "x":
      case "z":
      case "F":
        if (!end()) return undefined;
        continue;
      case "l":
      case "L":
      case "q":
      case "Q":
        ws();
        while (/[0-9]/.test(s[i] ?? "")) i++;
        if (!end()) return undefined;
        continue;
      case ":":
      case "b":
      case "t":
      case "T":
      case "v": {
        ws();
        while (i < s.length && s[i] !== "\n" && s[i] !== ";") i++;
        continue;
      }
      case "a":
      case "i":
      case "c":
        // text to the end of the line, continued by a trailing backslash
        for (;;) {
          const line = restOfLine();
          if (!line.endsWith("\\") || i >= s.length) break;
          i++;
        }
        continue;
      case "r":
      case "R":
      case "w":
      case "W": {
        ws();
        const file = restOfLine();
        if (!file) return undefined;
        (c === "r" || c === "R" ? found.reads : found.writes).push(file);
        continue;
      }
      case "e":
        found.exec = true;
        restOfLine();
        continue;
      case "s":
      case "y": {
        const delim = s[i++];
        if (!delim || delim === "\n" || delim === "\\") return undefined;
        if (!delimited(delim) || !delimited(delim)) return undefined;
        if (c === "y") {
          if (!end()) return undefined;
          continue;
        }
        for (;;) {
          const f = s[i];
          if (f && /[gpiImM0-9]/.test(f)) i++;
          else if (f === "e") {
            found.exec = true;
            i++;
          } else if (f === "w") {
            i++;
            ws();
            const file = restOfLine();
            if (!file) return undefined;
            found.writes.push(file);
            break;
          } else break;
        }
        if (!end()) return undefined;
        continue;
      }
      default:
        return undefined;
    }
  }
  return found;
}

const SED_OPTIONS = options(
  "nErszubl:e:f<i?",
  "quiet silent debug expression= file=< in-place? line-length= null-data zero-terminated posix regexp-extended separate sandbox unbuffered binary follow-symlinks help version",
);

export function judgeSed(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs("sed", args, SED_OPTIONS);
  if (parsed.problem) return judge("unknown", parsed.problem);
  const results: (Judgement | undefined)[] = valueRisks("sed", parsed, sit);
  const scriptFiles = valuesOf(parsed, "-f", "--file");
  let scripts = valuesOf(parsed, "-e", "--expression");
  let files = parsed.operands;
  if (!scripts.length && !scriptFiles.length) [scripts, files] = [parsed.operands.slice(0, 1), parsed.operands.slice(1)];
  if (scriptFiles.length) results.push(judge("write", `sed runs the script in ${scriptFiles[0]!.text}, which may run commands or write files`));
  for (const script of scripts) {
    if (script.dynamic) return judge("unknown", "sed script computed at run time");
    const found = sedScript(script.text);
    if (!found) return judge("unknown", `sed script not understood: ${script.text.slice(0, 40)}`);
    if (found.exec) return judge("unknown", "sed's e command (or s///e) runs shell commands");
    for (const file of found.reads) results.push(pathRisk([literalWord(file)], sit, "reads"));
    for (const file of found.writes) if (!DEVICE_OK.test(file)) results.push(pathRisk([literalWord(file)], sit, "touches") ?? judge("write", `sed writes ${file}`));
  }
  const inPlace = has(parsed, "-i", "--in-place");
  if (inPlace) results.push(judge("write"), pathRisk(files, sit, "touches"));
  else results.push(pathRisk(files, sit, "reads"));
  return worst(results);
}

export function judgeAwk(name: string, args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs(
    name,
    args,
    options(
      "F:v:f<e:bcghMNnOPrsStVdDEilLopW",
      "field-separator= assign= file=< source= characters-as-bytes traditional copyright bignum use-lc-numeric no-optimize optimize posix re-interval sandbox version help csv " +
        "dump-variables! debug! exec! include! load! lint? profile! pretty-print!",
    ),
  );
  // -d -D -E -i -l -L -o -p -W: dump files, debugger, extensions, includes, profiles
  if (!parsed.problem) {
    const bad = [...parsed.flags].find((f) => /^-[dDEilLopW]$/.test(f));
    if (bad) return judge("unknown", `${name} ${bad} loads code or writes files`);
  } else return judge("unknown", parsed.problem);
  const results: (Judgement | undefined)[] = valueRisks(name, parsed, sit);
  for (const v of valuesOf(parsed, "-v", "--assign")) results.push(nameRisk({ ...v, text: v.text.split("=")[0]! }, "sets"));
  const programFiles = valuesOf(parsed, "-f", "--file");
  let programs = valuesOf(parsed, "-e", "--source");
  let operands = parsed.operands;
  if (!programs.length && !programFiles.length) [programs, operands] = [parsed.operands.slice(0, 1), parsed.operands.slice(1)];
  if (programFiles.length) results.push(judge("write", `${name} runs the program in ${programFiles[0]!.text}, which may run commands or write files`));
  for (const program of programs) {
    if (program.dynamic) return judge("unknown", `${name} program computed at run time`);
    if (/\bsystem\b|\bgetline\b|[|>]|\bARGV\b|\bARGC\b|@(load|include)|\bextension\b|\bfflush\b|\bclose\b/.test(program.text)) {
      return judge("unknown", `${name} program may run commands, write files or read other files`);
    }
  }
  // operands like var=value are assignments, not files
  results.push(pathRisk(operands.filter((w) => !ASSIGNMENT.test(w.text)), sit, "reads"));
  return worst(results);
}

export function judgeJq(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs(
    "jq",
    args,
    options(
      "cCeajnrRsSMhVf<L!",
      "compact-output null-input exit-status slurp raw-output raw-output0 join-output ascii-output sort-keys color-output monochrome-output raw-input tab indent= " +
        "unbuffered stream stream-errors seq from-file=< arg=2 argjson=2 slurpfile=2< rawfile=2< args jsonargs help version build-configuration library-path!",
    ),
  );
  if (parsed.problem) return judge("unknown", parsed.problem);
  const results: (Judgement | undefined)[] = valueRisks("jq", parsed, sit);
  const fromFile = has(parsed, "-f", "--from-file");
  const program = fromFile ? undefined : parsed.operands[0];
  if (program?.dynamic) return judge("unknown", "jq program computed at run time");
  if (program && /\b(import|include|modulemeta|get_search_list)\b/.test(program.text)) return judge("unknown", "jq program imports modules or data files");
  let files = fromFile ? parsed.operands : parsed.operands.slice(1);
  if (has(parsed, "--args", "--jsonargs")) files = [];
  results.push(pathRisk(files, sit, "reads"));
  return worst(results);
}

export function judgeYq(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs(
    "yq",
    args,
    options(
      "CMNPenrsvyYjcaSRiI:o:p:",
      "colors no-colors null-input exit-status output-format= input-format= indent= inplace in-place prettyPrint expression= from-file=< front-matter= " +
        "header-preprocess no-doc nul-output unwrapScalar? raw-output compact-output yaml-output yaml-roundtrip tab arg=2 argjson=2 slurpfile=2< rawfile=2< help version",
    ),
  );
  if (parsed.problem) return judge("unknown", parsed.problem);
  const expressions = [...valuesOf(parsed, "--expression"), ...parsed.operands];
  for (const e of expressions) {
    if (e.dynamic) return judge("unknown", "yq expression computed at run time");
    if (/\b(load|load_str|load_props|load_xml|load_base64|eval|system|include|import)\b/.test(e.text)) return judge("unknown", "yq expression loads other files or runs commands");
  }
  const inPlace = has(parsed, "-i", "--inplace", "--in-place");
  return worst([...valueRisks("yq", parsed, sit), inPlace ? judge("write", "yq -i rewrites the file") : undefined, pathRisk(parsed.operands, sit, inPlace ? "touches" : "reads")]);
}

export function judgeXxd(args: Word[], sit: Situation): Judgement {
  const flags = new Set("-a -autoskip -b -bits -C -capitalize -E -EBCDIC -e -h -help -i -include -p -ps -postscript -plain -u -uppercase -v -version -d -decimal -r -revert".split(" "));
  const valued = new Set("-c -cols -g -groupsize -l -len -n -name -o -offset -s -seek -R".split(" "));
  const operands: Word[] = [];
  let revert = false;
  for (let k = 0; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic && (w.leadDynamic || w.split)) return judge("unknown", `xxd ${t}: an argument computed at run time`);
    if (!t.startsWith("-") || t === "-") operands.push(w);
    else if (flags.has(t)) revert ||= t === "-r" || t === "-revert";
    else if (valued.has(t)) k++;
    else if (!/^-(c|g|l|o|s|n)[-+0-9a-fx]+$/i.test(t)) return judge("unknown", `xxd ${t} is not an option known to be safe`);
  }
  // xxd [infile [outfile]]
  const out = operands[1];
  return worst([
    pathRisk(operands.slice(0, 1), sit, "reads"),
    out ? (pathRisk([out], sit, "touches") ?? judge("write", `xxd writes ${out.text}`)) : undefined,
    revert ? judge("write", "xxd -r writes binary data") : undefined,
  ]);
}

export function judgePs(args: Word[]): Judgement {
  const UNIX_VALUES = new Set("-o -O -p -q -u -U -g -G -t -C -s -N".split(" "));
  const LONG_VALUES = new Set("--sort --format --pid --ppid --user --User --group --Group --sid --tty --cols --columns --width --rows --lines --quick-pid".split(" "));
  for (let k = 0; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic) return judge("unknown", `ps ${t}: an argument computed at run time`);
    if (t.startsWith("--")) {
      if (LONG_VALUES.has(t)) k++;
      continue;
    }
    const letters = t.startsWith("-") ? t.slice(1) : t;
    if (letters.includes("e")) return judge("unknown", "ps with e can show the environment of processes, which holds the server's keys");
    if (t.startsWith("-") ? UNIX_VALUES.has(t.slice(0, 2)) && t.length === 2 : /[oOpUt]$/.test(t)) k++;
  }
  return READ_ONLY;
}

export function judgeDate(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs(
    "date",
    args,
    options("uRd:f<r<I?s!", "date= file=< iso-8601? rfc-3339= rfc-email rfc-822 rfc-2822 reference=< universal utc debug resolution set! help version"),
    { dynamicOk: false },
  );
  if (parsed.problem) return judge("unknown", parsed.problem.replace(/date -s can run.*/, "date -s sets the clock"));
  const setting = parsed.operands.find((w) => !w.text.startsWith("+") || w.leadDynamic);
  if (setting) return judge("unknown", `date ${setting.text} sets the clock`);
  return worst(valueRisks("date", parsed, sit));
}

export function judgeMan(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs(
    "man",
    args,
    options("afkKwWiIuhVls:S:L:m:M<e:E:", "all whatis apropos where path where-cat location location-cat ignore-case match-case sections= systems= locale= manpath=< local-file regex wildcard names-only exact no-subpages no-hyphenation no-justification encoding= help version usage"),
  );
  if (parsed.problem) return judge("unknown", parsed.problem);
  const local = has(parsed, "-l", "--local-file");
  return worst([...valueRisks("man", parsed, sit), local ? pathRisk(parsed.operands, sit, "reads") : undefined]);
}
