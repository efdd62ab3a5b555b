// Uploads: stored under <workspace>/uploads/ with a generated name; the content type comes from the bytes, not from
// what the client claimed (a ".png" that is really text is stored and reported as text; bytes nobody recognises
// are application/octet-stream with a .bin name). All uploads together are bounded too (./quota.ts).
import { readFileSync, realpathSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { AppError, badRequest } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Roots } from "../fs/roots";
import { looksBinary } from "../tools/define";
import { UploadQuota, type UploadLimits } from "./quota";
import type { StoredUpload } from "./schema";

const TEXT_BY_EXTENSION: Record<string, [string, string]> = {
  ".md": ["text/markdown", "md"],
  ".markdown": ["text/markdown", "md"],
  ".json": ["application/json", "json"],
  ".csv": ["text/csv", "csv"],
  ".tsv": ["text/tab-separated-values", "tsv"],
  ".html": ["text/html", "html"],
  ".htm": ["text/html", "html"],
  ".xml": ["application/xml", "xml"],
  ".yaml": ["application/yaml", "yaml"],
  ".yml": ["application/yaml", "yaml"],
  ".svg": ["image/svg+xml", "svg"],
};

/** The content type and file extension the bytes really are. */
export function sniffContentType(bytes: Uint8Array, filename = ""): { type: string; ext: string } {
  const at = (i: number, ...values: number[]) => values.every((v, k) => bytes[i + k] === v);
  const ascii = (i: number, s: string) => at(i, ...[...s].map((c) => c.charCodeAt(0)));
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { type: "image/png", ext: "png" };
  if (at(0, 0xff, 0xd8, 0xff)) return { type: "image/jpeg", ext: "jpg" };
  if (ascii(0, "GIF87a") || ascii(0, "GIF89a")) return { type: "image/gif", ext: "gif" };
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return { type: "image/webp", ext: "webp" };
  if (ascii(0, "RIFF") && ascii(8, "WAVE")) return { type: "audio/wav", ext: "wav" };
  if (ascii(0, "BM") && bytes.length > 14) return { type: "image/bmp", ext: "bmp" };
  if (ascii(0, "%PDF-")) return { type: "application/pdf", ext: "pdf" };
  if (at(0, 0x50, 0x4b, 0x03, 0x04)) return { type: "application/zip", ext: "zip" };
  if (at(0, 0x1f, 0x8b)) return { type: "application/gzip", ext: "gz" };
  if (ascii(4, "ftyp")) return { type: "video/mp4", ext: "mp4" };
  if (ascii(0, "ID3") || at(0, 0xff, 0xfb)) return { type: "audio/mpeg", ext: "mp3" };
  if (ascii(0, "OggS")) return { type: "audio/ogg", ext: "ogg" };
  if (!looksBinary(bytes) && isUtf8(bytes)) {
    const known = TEXT_BY_EXTENSION[extname(filename).toLowerCase()];
    if (known) return { type: known[0], ext: known[1] };
    return { type: "text/plain", ext: "txt" };
  }
  return { type: "application/octet-stream", ext: "bin" };
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, 64 * 1024));
    return true;
  } catch (error) {
    // a multi-byte character cut at the 64 KiB probe boundary is not a reason to call it binary
    return bytes.length > 64 * 1024 && error instanceof TypeError;
  }
}

/** A display name without directories, control characters or anything a shell or a path would misread. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, "").replace(/^\.+/, "").trim().slice(0, 200);
  return cleaned || "upload";
}

/** Where an upload's original name is kept: <data dir>/upload-names/<stored name>, beside the uploads folder so that
 *  folder holds only the uploads (which the quota counts). */
const namesDir = (uploadsDir: string) => join(dirname(uploadsDir), "upload-names");

async function rememberName(uploadsDir: string, path: string, filename: string): Promise<void> {
  try {
    await mkdir(namesDir(uploadsDir), { recursive: true });
    await Bun.write(join(namesDir(uploadsDir), basename(path)), filename);
  } catch {
    // the name is a courtesy to the model; the upload itself succeeded
  }
}

/**
 * The name a file had when it was uploaded, for a path stored in `uploadsDir` (the stored name is generated, and the
 * model should see "report.csv", not a UUID); undefined for any other path.
 */
export function uploadedName(uploadsDir: string, path: string): string | undefined {
  const dir = dirname(path);
  if (dir !== uploadsDir) {
    try {
      if (dir !== realpathSync(uploadsDir)) return undefined; // a path given with symlinks resolved
    } catch {
      return undefined;
    }
  }
  try {
    return readFileSync(join(namesDir(uploadsDir), basename(path)), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

export class Uploads {
  private readonly quota = new UploadQuota();

  constructor(
    private readonly roots: Roots,
    private readonly limits: () => UploadLimits,
  ) {}

  get directory(): string {
    return join(this.roots.dataDir, "uploads");
  }

  /** See uploadedName. */
  originalName(path: string): string | undefined {
    return uploadedName(this.directory, path);
  }

  async store(file: Blob, originalName?: string): Promise<StoredUpload> {
    const limits = this.limits();
    const limit = limits.maxBytes;
    if (file.size > limit) throw new AppError("PAYLOAD_TOO_LARGE", `Upload of ${file.size} bytes exceeds the limit of ${limit} bytes`, { limit, size: file.size });
    if (file.size === 0) throw badRequest("The uploaded file is empty");
    const done = this.quota.reserve(this.directory, file.size, limits);
    let stored = false;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const filename = safeFilename(originalName ?? (file as File).name ?? "upload");
      const { type, ext } = sniffContentType(bytes, filename);
      await mkdir(this.directory, { recursive: true });
      const path = join(this.directory, `${newId()}.${ext}`);
      await Bun.write(path, bytes);
      stored = true;
      await rememberName(this.directory, path, filename);
      return { path, filename, content_type: type, size: bytes.length };
    } finally {
      done(stored);
    }
  }
}
