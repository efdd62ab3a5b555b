// Judges of archive, permission, network and build programs: tar, zip, chmod, curl, wget, make.

import { judge, type Judgement, literalWord, type Situation, worst } from "./judgement";
import { has, options, parseArgs, valueRisks, valuesOf } from "./options";
import type { Word } from "./parse";
import { pathRisk } from "./paths";

const TAR_OPTIONS = options(
  "AcdrtuxzjJZaBhiklmMOpsSvwWUGf:C>T!X<I!F!b:g>H:K:L:N:V:P!",
  "create extract get list append update catenate concatenate delete diff compare file= directory=> gzip gunzip ungzip bzip2 xz lzma lzip lzop zstd compress " +
    "uncompress auto-compress no-auto-compress verbose totals? to-stdout strip-components= exclude= exclude-from=< exclude-vcs exclude-vcs-ignores exclude-backups " +
    "exclude-caches wildcards no-wildcards anchored no-anchored ignore-case transform= xform= owner= group= mode= mtime= sort= numeric-owner same-owner " +
    "no-same-owner same-permissions preserve-permissions no-same-permissions preserve-order same-order format= posix overwrite overwrite-dir keep-old-files " +
    "keep-newer-files skip-old-files unlink-first recursive-unlink remove-files one-file-system dereference hard-dereference ignore-failed-read ignore-zeros " +
    "no-recursion recursion null no-null show-transformed-names show-stored-names checkpoint? checkpoint-action! to-command! use-compress-program! rsh-command! " +
    "rmt-command! info-script! new-volume-script! absolute-names! files-from! index-file=> warning= label= occurrence? touch no-overwrite-dir " +
    "delay-directory-restore no-delay-directory-restore atime-preserve? acls no-acls selinux no-selinux xattrs no-xattrs xattrs-include= xattrs-exclude= " +
    "pax-option= blocking-factor= record-size= sparse sparse-version= full-time utc level= listed-incremental=> incremental tape-length= multi-volume verify " +
    "backup? suffix= help version usage quoting-style= quote-chars= no-quote-chars= quiet",
);

export function judgeTar(args: Word[], sit: Situation): Judgement {
  let words = args;
  // old style: `tar cvzf archive.tar files…`, the first argument is a cluster without a dash
  const first = words[0];
  if (first && !first.dynamic && /^[A-Za-z]+$/.test(first.text)) words = [{ ...first, text: `-${first.text}` }, ...words.slice(1)];
  const parsed = parseArgs("tar", words, TAR_OPTIONS);
  if (parsed.problem) return judge("unknown", parsed.problem);
  const results: (Judgement | undefined)[] = [judge("write"), ...valueRisks("tar", parsed, sit)];
  if (has(parsed, "--remove-files", "--recursive-unlink")) results.push(judge("destructive", "tar --remove-files / --recursive-unlink deletes files"));
  for (const archive of valuesOf(parsed, "-f", "--file")) results.push(pathRisk([archive], sit, "touches"));
  results.push(pathRisk(parsed.operands, sit, "touches"));
  return worst(results);
}

export function judgeZip(args: Word[], sit: Situation): Judgement {
  const FLAGS = new Set("-r -R -q -v -j -D -X -y -u -f -FS -o -l -ll -T -e -A -J -z -sp -0 -1 -2 -3 -4 -5 -6 -7 -8 -9 -d --quiet --verbose --recurse-paths".split(" "));
  const results: (Judgement | undefined)[] = [judge("write")];
  const operands: Word[] = [];
  for (let k = 0; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic && (w.leadDynamic || w.split)) return judge("unknown", `zip ${t}: an argument computed at run time`);
    if (!t.startsWith("-") || t === "-") operands.push(w);
    else if (t === "-m" || t === "--move") results.push(judge("destructive", "zip -m deletes the files it adds"));
    else if (t === "-x" || t === "-i" || t === "--exclude" || t === "--include") {
      while (k + 1 < args.length && !args[k + 1]!.text.startsWith("-")) k++;
    } else if (t === "-b" || t === "-O" || t === "--temp-path" || t === "--output-file") results.push(pathRisk(args.slice(k + 1, k + 2), sit, "touches")), k++;
    else if (["-n", "-t", "-tt", "-P", "-Z", "-s"].includes(t)) k++;
    else if (!FLAGS.has(t)) return judge("unknown", `zip ${t} is not an option known to be safe${t === "-TT" || t.startsWith("--unzip-command") ? " (it runs a command)" : ""}`);
  }
  results.push(pathRisk(operands, sit, "touches"));
  return worst(results);
}

export function judgeChmod(name: string, args: Word[], sit: Situation): Judgement {
  const table =
    name === "chmod"
      ? options("cfvR", "changes silent quiet verbose no-preserve-root preserve-root reference=< recursive dereference no-dereference help version")
      : options("cfhvHLPR", "changes silent quiet verbose dereference no-dereference from= no-preserve-root preserve-root reference=< recursive help version");
  // chmod -x, chmod -rw: a mode, not an option
  const words = name === "chmod" ? args.map((w) => (!w.dynamic && /^-[rwxXstugoa0-7,=+-]+$/.test(w.text) ? { ...w, text: `mode${w.text}` } : w)) : args;
  const parsed = parseArgs(name, words, table);
  if (parsed.problem) return judge("unknown", parsed.problem);
  if (has(parsed, "-R", "--recursive")) return judge("destructive", `${name} -R changes permissions recursively`);
  const reference = has(parsed, "--reference");
  return worst([judge("write"), ...valueRisks(name, parsed, sit), pathRisk(reference ? parsed.operands : parsed.operands.slice(1), sit, "touches")]);
}

const CURL_OPTIONS = options(
  "0123469aBfgGhiIjJklLMnNOpqRsSvVZ#A:b:c>C:d:D>e:E<F:H:K!m:o>P:Q:r:T<t:u:U:w:x:X:y:Y:z:",
  "url= output=> remote-name remote-name-all output-dir=> create-dirs silent show-error fail fail-with-body fail-early location location-trusted head include " +
    "verbose insecure globoff get compressed no-buffer progress-bar http1.0 http1.1 http2 http2-prior-knowledge http3 http3-only tlsv1 tlsv1.0 tlsv1.1 tlsv1.2 " +
    "tlsv1.3 ipv4 ipv6 request= header= user-agent= referer= user= max-time= connect-timeout= retry= retry-delay= retry-max-time= retry-all-errors " +
    "retry-connrefused range= proxy= noproxy= resolve= connect-to= limit-rate= max-filesize= max-redirs= data= data-raw= data-binary= data-ascii= " +
    "data-urlencode= json= form= form-string= cookie= cookie-jar=> dump-header=> upload-file=< cacert=< capath=< cert=< key=< cert-type= key-type= pass= " +
    "write-out= trace=> trace-ascii=> stderr=> libcurl=> etag-save=> etag-compare=< hsts=> alt-svc=> config! next netrc netrc-optional netrc-file=< " +
    "oauth2-bearer= basic digest ntlm negotiate anyauth proto= proto-redir= proto-default= remote-time raw no-keepalive keepalive-time= tcp-nodelay ssl " +
    "ssl-reqd no-progress-meter no-clobber remove-on-error styled-output no-styled-output parallel parallel-max= parallel-immediate continue-at= time-cond= " +
    "ciphers= interface= dns-servers= doh-url= unix-socket=< abstract-unix-socket= path-as-is ftp-pasv disable-epsv list-only append crlf quote= " +
    "request-target= aws-sigv4= sasl-ir variable! help version manual",
);

/** The local file a curl value names: `@file` in data and headers, `name=@file` / `name=<file` in forms. */
function curlFile(option: string, text: string): string | undefined {
  if (["-d", "--data", "--data-binary", "--data-ascii", "--json", "-H", "--header"].includes(option)) return text.startsWith("@") ? text.slice(1) : undefined;
  if (option === "--data-urlencode") return /^[^=]*@/.test(text) ? text.slice(text.indexOf("@") + 1) : undefined;
  if (option === "-F" || option === "--form") {
    const m = /^[^=]*=[@<]([^;]*)/.exec(text);
    return m ? m[1]!.replace(/^"|"$/g, "") : undefined;
  }
  if (option === "-b" || option === "--cookie") return text.includes("=") ? undefined : text;
  if (option === "-w" || option === "--write-out") return text.startsWith("@") ? text.slice(1) : undefined;
  return undefined;
}

export function judgeCurl(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs("curl", args, CURL_OPTIONS);
  if (parsed.problem) return judge("unknown", parsed.problem);
  const results: (Judgement | undefined)[] = [judge("write"), ...valueRisks("curl", parsed, sit)];
  for (const v of parsed.values) {
    const file = curlFile(v.option, v.word.text);
    if (file !== undefined && file !== "-") results.push(v.word.dynamic ? judge("unknown", `curl ${v.option} sends a file named at run time`) : pathRisk([literalWord(file)], sit, "reads"));
    if ((v.option === "-w" || v.option === "--write-out") && v.word.text.includes("%output{")) results.push(judge("unknown", "curl --write-out %output{} writes a file"));
  }
  for (const url of [...parsed.operands, ...valuesOf(parsed, "--url")]) {
    if (/^file:/i.test(url.text)) results.push(pathRisk([literalWord(decodeURIComponent(url.text.replace(/^file:(\/\/[^/]*)?/i, "")) || "/")], sit, "reads"));
  }
  return worst(results);
}

const WGET_OPTIONS = options(
  "bcdhHkKmNqrSvV46xa>A:B:D:e!i<I:l:o>O>P>Q:R:t:T:U:w:X:Y:n?",
  "output-document=> output-file=> append-output=> directory-prefix=> input-file=< post-file=< body-file=< load-cookies=< save-cookies=> execute! config! " +
    "use-askpass! quiet verbose no-verbose server-response spider timeout= tries= wait= waitretry= random-wait user= password= http-user= http-password= " +
    "header= user-agent= no-check-certificate ca-certificate=< certificate=< private-key=< continue timestamping no-clobber recursive level= mirror " +
    "page-requisites convert-links no-parent no-directories no-host-directories cut-dirs= accept= reject= accept-regex= reject-regex= domains= " +
    "exclude-domains= include-directories= exclude-directories= span-hosts max-redirect= method= body-data= post-data= inet4-only inet6-only progress= " +
    "show-progress limit-rate= content-disposition trust-server-names no-cache no-cookies keep-session-cookies adjust-extension backups= delete-after quota= " +
    "retry-connrefused retry-on-http-error= default-page= restrict-file-names= ignore-case hsts-file=> no-hsts https-only secure-protocol= compression= " +
    "xattr no-config help version background",
);

export function judgeWget(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs("wget", args, WGET_OPTIONS);
  if (parsed.problem) return judge("unknown", parsed.problem);
  return worst([judge("write"), ...valueRisks("wget", parsed, sit)]);
}

export function judgeMake(args: Word[], sit: Situation): Judgement {
  for (let k = 0; k < args.length; k++) {
    const t = args[k]!.text;
    if (/^--eval(=|$)/.test(t) || /^-[A-Za-z]*E/.test(t)) return judge("unknown", "make --eval runs makefile text given on the command line");
    const file = /^--(?:file|makefile)=(.*)$/.exec(t)?.[1] ?? (t === "-f" || t === "--file" || t === "--makefile" ? args[k + 1]?.text : /^-f(.+)$/.exec(t)?.[1]);
    if (file === "-") return judge("unknown", "make -f - reads a makefile from stdin");
    const dir = /^--directory=(.*)$/.exec(t)?.[1] ?? (t === "-C" || t === "--directory" ? args[k + 1]?.text : /^-C(.+)$/.exec(t)?.[1]);
    if (dir !== undefined) {
      const outside = pathRisk([args[k + 1]?.text === dir ? args[k + 1]! : literalWord(dir)], sit, "reads");
      if (outside) return judge("unknown", `make -C ${dir} runs a makefile outside the project root`);
    }
  }
  return judge("write");
}
