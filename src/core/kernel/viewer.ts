// Who is asking. An API key maps to a user with a role: `admin` sees and changes everything; `user` sees only what it
// owns (conversations, sessions, approvals, tasks, audit entries). Things are owned by the user who created them; a
// null owner (rows from before users existed, or auth turned off) is visible to admins only.
// Domain services take an optional viewer: undefined means the server itself (or auth off), which sees everything.
import { AppError, notFound } from "./errors";

export const ROLES = ["admin", "user"] as const;
export type Role = (typeof ROLES)[number];

export interface Viewer {
  user: string;
  role: Role;
}

/** The owner a viewer is limited to; undefined when it sees everything. */
export const ownerLimit = (viewer?: Viewer): string | undefined => (viewer?.role === "user" ? viewer.user : undefined);

/** Whether the viewer may see a thing with this owner. */
export const canSee = (viewer: Viewer | undefined, owner: string | null | undefined): boolean => viewer?.role !== "user" || owner === viewer.user;

/** The owner recorded for something this viewer creates. */
export const ownerOf = (viewer?: Viewer): string | null => viewer?.user ?? null;

/**
 * Another user's thing is reported exactly like a missing one (404), so ids do not leak. `what` and `id` word the
 * message the way notFound() does.
 */
export function requireVisible<T extends { owner: string | null }>(row: T | undefined, viewer: Viewer | undefined, what: string, id: string): T {
  if (!row || !canSee(viewer, row.owner)) throw notFound(what, id);
  return row;
}

/** Server-wide changes (roots, the current model, retention, other users' data) are for admins. */
export function requireAdmin(viewer: Viewer | undefined, action: string): void {
  if (viewer?.role === "user") throw new AppError("FORBIDDEN", `${action} needs an admin key; this key's role is "user"`, { role: "user" });
}
