// What all uploads together may take: bytes (upload_quota_bytes) and files (upload_max_files), besides the size of
// one file. The folder is measured once and then kept as a running total, so an upload costs no directory walk; it is
// measured again before an upload is refused, so files removed by hand free their room at once. Reserving is
// synchronous and counts uploads still being written, so two concurrent uploads cannot both take the last of it.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../kernel/errors";

export interface UploadLimits {
  /** One file. */
  maxBytes: number;
  /** All stored uploads together. */
  quotaBytes: number;
  maxFiles: number;
}

interface Usage {
  bytes: number;
  files: number;
}

/** Regular files directly in the folder (uploads are stored flat); an absent folder holds nothing. */
function measure(directory: string): Usage {
  const usage = { bytes: 0, files: 0 };
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return usage;
  }
  for (const name of names) {
    try {
      const stat = statSync(join(directory, name));
      if (!stat.isFile()) continue;
      usage.bytes += stat.size;
      usage.files += 1;
    } catch {
      // removed while we looked
    }
  }
  return usage;
}

export class UploadQuota {
  private stored?: Usage & { directory: string };
  /** Reserved for uploads being written now. */
  private readonly writing: Usage = { bytes: 0, files: 0 };

  /**
   * Reserves room for one file of `size` bytes in `directory`, or refuses with 413 PAYLOAD_TOO_LARGE naming the
   * setting that is reached. Call the returned function once the upload is stored (true) or abandoned (false).
   */
  reserve(directory: string, size: number, limits: UploadLimits): (stored: boolean) => void {
    if (this.stored?.directory !== directory || !this.fits(size, limits)) this.stored = { directory, ...measure(directory) };
    const stored = this.stored;
    const files = stored.files + this.writing.files;
    const bytes = stored.bytes + this.writing.bytes;
    if (files + 1 > limits.maxFiles) {
      throw new AppError("PAYLOAD_TOO_LARGE", `Upload refused: the workspace already holds ${files} uploaded files, the limit (upload_max_files) is ${limits.maxFiles}`, {
        setting: "upload_max_files",
        limit: limits.maxFiles,
        files,
      });
    }
    if (bytes + size > limits.quotaBytes) {
      throw new AppError(
        "PAYLOAD_TOO_LARGE",
        `Upload refused: ${size} more bytes would take the workspace's uploads to ${bytes + size} bytes, over the quota (upload_quota_bytes) of ${limits.quotaBytes} bytes`,
        { setting: "upload_quota_bytes", limit: limits.quotaBytes, used: bytes, size },
      );
    }
    this.writing.bytes += size;
    this.writing.files += 1;
    let settled = false;
    return (done) => {
      if (settled) return;
      settled = true;
      this.writing.bytes -= size;
      this.writing.files -= 1;
      // A remeasured folder may already hold it; the next refusal measures again anyway.
      if (done && this.stored === stored) {
        stored.bytes += size;
        stored.files += 1;
      }
    };
  }

  private fits(size: number, limits: UploadLimits): boolean {
    const stored = this.stored!;
    return stored.files + this.writing.files + 1 <= limits.maxFiles && stored.bytes + this.writing.bytes + size <= limits.quotaBytes;
  }
}
