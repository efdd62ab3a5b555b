// Path containment, judged on real paths: `..` is resolved lexically, symlinks (including dangling ones, which a
// write would follow) through the file system, so a link inside the root that points out is seen as outside.
// Nothing under /proc is ever inside a root: /proc/<pid>/environ, /proc/self/… expose the server's own secrets.
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

const MAX_LINK_HOPS = 40;

/** The real path of `path`, even when it (or its tail) does not exist yet: realpath of the nearest existing
 *  ancestor plus the missing rest. A dangling symlink is followed to where a write would land. */
export function realPathOf(path: string, hops = 0): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    // falls through: abs, or something on the way, does not exist
  }
  if (hops > MAX_LINK_HOPS) return abs;
  try {
    if (lstatSync(abs).isSymbolicLink()) {
      const target = readlinkSync(abs);
      return realPathOf(isAbsolute(target) ? target : join(dirname(abs), target), hops + 1);
    }
  } catch {
    // does not exist at all: judge by the parent
  }
  const parent = dirname(abs);
  if (parent === abs) return abs;
  return join(realPathOf(parent, hops), basename(abs));
}

/** True when `child` is `parent` or lies below it (both absolute, already normalised). */
export function isInside(child: string, parent: string): boolean {
  if (child === parent) return true;
  const base = parent.endsWith(sep) ? parent : parent + sep;
  return child.startsWith(base);
}

/** The path the kernel reaches for `path` (absolute): segment by segment, so `link/..` is the parent of the link's
 *  target, not the directory holding the link (which is what a shell command gets, unlike a lexical `resolve`).
 *  Whatever does not exist yet is appended as written, `..` applied lexically from there. */
export function physicalPath(path: string, hops = 0): string {
  const parts = path.split("/");
  let current = "/";
  for (let k = 0; k < parts.length; k++) {
    const segment = parts[k]!;
    if (!segment || segment === ".") continue;
    if (segment === "..") {
      current = dirname(current);
      continue;
    }
    const next = current === "/" ? `/${segment}` : `${current}/${segment}`;
    let link = false;
    try {
      link = lstatSync(next).isSymbolicLink();
    } catch {
      return resolve(next, ...parts.slice(k + 1).filter(Boolean));
    }
    if (!link) current = next;
    else if (hops > MAX_LINK_HOPS) return resolve(next, ...parts.slice(k + 1).filter(Boolean));
    else {
      const target = readlinkSync(next);
      current = physicalPath(isAbsolute(target) ? target : `${current}/${target}`, hops + 1);
    }
  }
  return current;
}

const PROC = "/proc";

/** True when `path`, after `..` and symlinks, stays inside `root` (also resolved); never for anything under /proc. */
export function isWithinRoot(path: string, root: string): boolean {
  const real = realPathOf(path);
  if (isInside(real, PROC) || isInside(resolve(path), PROC)) return false;
  return isInside(real, realPathOf(root));
}

/** The same for a path a shell command names: resolved physically (see physicalPath). */
export function isShellPathWithinRoot(path: string, root: string): boolean {
  const real = physicalPath(path);
  if (isInside(real, PROC) || isInside(resolve(path), PROC)) return false;
  return isInside(real, realPathOf(root));
}

/** `path` relative to `root` for display ("." for the root itself); absolute when outside. */
export function displayPath(path: string, root: string): string {
  const rel = relative(root, path);
  if (rel === "") return ".";
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}
