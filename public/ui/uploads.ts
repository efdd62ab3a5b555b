// Attachments and the working directory of a chat. Files picked, pasted or dropped upload at once (the composer
// shows them as chips). A chat's folder is chosen in a dialog and remembered in this browser per conversation;
// the server binds the chat's session to it with the first message.
import type { Api } from "../lib/api";
import { h } from "../lib/dom";
import { icon } from "../lib/icons";
import { readStored, writeStored } from "../lib/storage";
import type { UploadResult } from "../lib/types";
import type { Composer } from "./composer";
import type { ConversationView } from "./conversation";
import { promptDialog } from "./dialogs";
import { toast } from "./toast";

export async function uploadFile(api: Api, file: File): Promise<UploadResult> {
  const form = new FormData();
  form.append("file", file, file.name || "upload");
  try {
    return await api.request<UploadResult>("POST", "/api/v1/upload", form);
  } catch (e) {
    toast(`Could not upload ${file.name}: ${(e as Error).message}`, "error");
    throw e;
  }
}

/** Files dragged over `target` show an overlay on it; dropped files go to `onDrop`. */
export function acceptDroppedFiles(target: HTMLElement, onDrop: (files: File[]) => void): void {
  const overlay = h("div", { class: "drop-overlay", hidden: true }, h("div", null, icon("paperclip"), h("span", null, "Drop files to attach")));
  target.append(overlay);
  // dragenter/dragleave fire for every child crossed, so only the outermost leave hides the overlay.
  let depth = 0;
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes("Files");
  target.addEventListener("dragenter", (e) => {
    if (!hasFiles(e)) return;
    depth++;
    overlay.hidden = false;
  });
  target.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) overlay.hidden = true;
  });
  target.addEventListener("dragover", (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  target.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    onDrop(Array.from(e.dataTransfer?.files ?? []));
  });
}

const directoryKey = (id: string) => `penguin.dir.${id}`;

/** The working directory of each chat, shown on the composer's folder pill. */
export class WorkingDirectories {
  /** Chosen for the new chat before the server has named it. */
  private draft: string | null = null;

  constructor(
    private readonly composer: Composer,
    private readonly current: () => ConversationView,
    /** Why a chosen folder cannot be used (checked when it is chosen), or undefined. */
    private readonly problemOf: (dir: string) => Promise<string | undefined> = async () => undefined,
  ) {}

  of(view: ConversationView): string | null {
    return view.id ? readStored(directoryKey(view.id)) : this.draft;
  }

  async edit(): Promise<void> {
    const view = this.current();
    const value = await promptDialog({
      title: "Working directory",
      message: "Tools in this chat read, write and run commands inside this folder on the server. Leave it empty to use the server's project root.",
      label: "Absolute path on the server",
      value: this.of(view) ?? "",
      placeholder: "/home/me/projects/my-app",
      hint: "A chat is bound to its folder by its first message; it cannot move to another folder afterwards.",
      confirmLabel: "Save",
      check: (value) => (value.trim() ? this.problemOf(value.trim()) : Promise.resolve(undefined)),
    });
    if (value === null) return;
    const dir = value.trim() || null;
    if (view.id) writeStored(directoryKey(view.id), dir);
    else this.draft = dir;
    if (this.current() === view) this.composer.setDirectory(dir);
  }

  /** The server named the new chat: the folder chosen for it is kept under its id from now on. */
  adoptDraft(id: string): void {
    if (!this.draft) return;
    writeStored(directoryKey(id), this.draft);
    this.draft = null;
  }

  /** The folder the server has bound, unless this browser already remembers one for the chat. */
  remember(id: string, directory: string | null | undefined): void {
    if (directory && !readStored(directoryKey(id))) writeStored(directoryKey(id), directory);
  }

  forget(id: string): void {
    writeStored(directoryKey(id), null);
  }
}
