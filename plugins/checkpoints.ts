// Checkpoints (Penguin API: /api/v1/checkpoints*): create, list, rollback (optionally restoring files), branch,
// stats, retention cleanup. Thin translation over core.checkpoints (src/core/checkpoints/ holds every rule).
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { toCheckpointView } from "../src/core/checkpoints/checkpoints";
import {
  BranchBody,
  BranchResponse,
  Checkpoint,
  CheckpointList,
  CheckpointListQuery,
  CheckpointParams,
  CheckpointStats,
  CleanupResult,
  CreateCheckpointBody,
  CreatedCheckpoint,
  RollbackBody,
  RollbackResponse,
} from "../src/core/checkpoints/schema";
import { adminOnly, callerOf } from "../src/http/auth";
import { ErrorEnvelope, queryOf, withoutNulls } from "../src/http/schemas";

const errors = { 400: ErrorEnvelope, 404: ErrorEnvelope, 409: ErrorEnvelope, 503: ErrorEnvelope };

export const checkpointsPlugin = (core: Core) => {
  const { checkpoints } = core;
  return new Elysia({ name: "checkpoints", detail: { tags: ["checkpoints"] } })
    .post(
      "/api/v1/checkpoints/create",
      ({ body, request }) => {
        const b = withoutNulls(body ?? {});
        const c = checkpoints.create({ name: b.name, description: b.description, conversationId: b.conversation_id, sessionId: b.session_id, viewer: callerOf(request) });
        return { checkpoint_id: c.id, status: "created" as const, name: c.name, description: c.description, conversation_id: c.conversation_id, session_id: c.session_id, message_count: c.message_count, created_at: c.created_at };
      },
      {
        body: CreateCheckpointBody,
        response: { 200: CreatedCheckpoint, ...errors },
        detail: {
          summary: "Create a manual checkpoint",
          description:
            "Checkpoints the end of a conversation: `conversation_id`, else the most recent conversation of `session_id`, else the most recently active conversation. " +
            "Unknown ids → 404; no conversation at all → 400; checkpoints disabled → 503.",
        },
      },
    )
    .get(
      "/api/v1/checkpoints",
      ({ query, request }) => ({
        checkpoints: checkpoints.list({ sessionId: query.session_id, conversationId: query.conversation_id, type: query.type, limit: query.limit, viewer: callerOf(request) }),
      }),
      {
        query: queryOf(CheckpointListQuery),
        response: { 200: CheckpointList },
        detail: { summary: "List checkpoints, newest first", description: "Filters: session_id, conversation_id, type (auto, manual, branch)." },
      },
    )
    .get("/api/v1/checkpoints/stats", () => checkpoints.stats(), {
      response: { 200: CheckpointStats },
      detail: { summary: "Checkpoint statistics and configuration" },
    })
    .post(
      "/api/v1/checkpoints/cleanup",
      async () => {
        const n = await checkpoints.cleanup();
        return { status: "completed" as const, cleaned_count: n, message: `Cleaned up ${n} old checkpoint${n === 1 ? "" : "s"}` };
      },
      {
        ...adminOnly("Applying the checkpoint retention policy"),
        response: { 200: CleanupResult, 403: ErrorEnvelope },
        detail: {
          summary: "Apply the retention policy now",
          description: "Removes automatic checkpoints older than retention_hours and every checkpoint older than max_age_days (it also runs hourly).",
        },
      },
    )
    .get("/api/v1/checkpoints/:checkpoint_id", ({ params, request }) => toCheckpointView(checkpoints.get(params.checkpoint_id, callerOf(request))), {
      params: CheckpointParams,
      response: { 200: Checkpoint, 404: ErrorEnvelope },
      detail: { summary: "One checkpoint" },
    })
    .post(
      "/api/v1/checkpoints/:checkpoint_id/rollback",
      async ({ params, body, request }) => {
        const r = await checkpoints.rollback(params.checkpoint_id, { restoreFiles: body?.restore_files === true }, callerOf(request));
        const restored = r.restoredFiles;
        const skipped = restored?.filter((f) => f.action === "skipped").length ?? 0;
        const fileNote = restored ? `; ${restored.length - skipped} file(s) restored${skipped ? `, ${skipped} skipped` : ""}` : "";
        return {
          status: "success" as const,
          checkpoint_id: r.checkpoint.id,
          message: `Successfully rolled back to checkpoint ${r.checkpoint.id}${fileNote}`,
          conversation_id: r.conversationId,
          removed_messages: r.removedMessages,
          archived_conversation_id: r.archivedConversationId,
          ...(restored ? { restored_files: restored } : {}),
        };
      },
      {
        params: CheckpointParams,
        body: RollbackBody,
        response: { 200: RollbackResponse, ...errors },
        detail: {
          summary: "Roll a conversation back to a checkpoint",
          description:
            "Later messages leave the conversation's history (and are no longer sent to the model); the previous state is kept as an archived copy. " +
            "With `restore_files: true`, files are brought back to the checkpoint too: when the session's root is inside a git work tree, every " +
            "file git does not ignore is restored from the checkpoint's snapshot (changed or deleted files come back, files added since are " +
            "deleted), whoever changed it, shell commands included; the user's branch, index and stash are never touched. Other files the " +
            "agent's file tools changed are restored from the content they had before (or deleted if they did not exist). " +
            "409 while a turn is streaming in the conversation.",
        },
      },
    )
    .post(
      "/api/v1/checkpoints/:checkpoint_id/branch",
      async ({ params, body, request }) => {
        const b = await checkpoints.branch(params.checkpoint_id, withoutNulls(body ?? {}), callerOf(request));
        return {
          branch_id: b.branchId,
          source_checkpoint_id: params.checkpoint_id,
          status: "created" as const,
          name: b.checkpoint.name,
          description: b.checkpoint.description,
          conversation_id: b.branchId,
          branch_checkpoint_id: b.checkpoint.id,
          message_count: b.copiedMessages,
        };
      },
      {
        params: CheckpointParams,
        body: BranchBody,
        response: { 200: BranchResponse, ...errors },
        detail: {
          summary: "Branch a new conversation from a checkpoint",
          description: "The new conversation's history is the source conversation up to the checkpoint; the source conversation is untouched.",
        },
      },
    );
};
