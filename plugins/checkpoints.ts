// Checkpoints (Penguin API: /api/v1/checkpoints*): create, list, rollback (optionally restoring files), branch,
// stats, retention cleanup. Thin translation over core.checkpoints (src/core/checkpoints/ holds every rule).
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { checkpointView } from "../src/core/checkpoints/checkpoints";
import { ErrorEnvelope, Id, maybe } from "../src/http/schemas";

const IdParams = t.Object({ checkpoint_id: Id });
const CheckpointType = t.Union([t.Literal("auto"), t.Literal("manual"), t.Literal("branch")]);

const Checkpoint = t.Object({
  id: t.String(),
  name: t.String(),
  description: t.String(),
  created_at: t.String({ description: "ISO 8601" }),
  type: CheckpointType,
  session_id: t.String(),
  conversation_id: t.String(),
  message_count: t.Integer({ description: "Messages in the checkpointed history" }),
  source_checkpoint_id: t.Union([t.String(), t.Null()], { description: "For branch checkpoints: the checkpoint branched from" }),
});

const CreateBody = t.Union([
  t.Object({
    name: maybe(t.String({ maxLength: 200 })),
    description: maybe(t.String({ maxLength: 2000 })),
    conversation_id: maybe(t.String({ ...Id, description: "Checkpoint this conversation" })),
    session_id: maybe(t.String({ ...Id, description: "Checkpoint this session's most recent conversation" })),
  }),
  t.Null(),
]);

const RollbackBody = t.Union([
  t.Object({ restore_files: maybe(t.Boolean({ description: "Also bring the workspace's files back to the checkpoint" })) }),
  t.Null(),
]);

const RestoredFile = t.Object({
  path: t.String(),
  action: t.Union([t.Literal("restored"), t.Literal("deleted"), t.Literal("skipped")]),
  reason: t.Optional(t.String()),
});

const BranchBody = t.Union([t.Object({ name: maybe(t.String({ maxLength: 200 })), description: maybe(t.String({ maxLength: 2000 })) }), t.Null()]);

const errors = { 400: ErrorEnvelope, 404: ErrorEnvelope, 409: ErrorEnvelope, 503: ErrorEnvelope };

export const checkpointsPlugin = (core: Core) => {
  const { checkpoints } = core;
  return new Elysia({ name: "checkpoints", detail: { tags: ["checkpoints"] } })
    .post(
      "/api/v1/checkpoints/create",
      ({ body }) => {
        const c = checkpoints.create({
          name: body?.name ?? undefined,
          description: body?.description ?? undefined,
          conversationId: body?.conversation_id ?? undefined,
          sessionId: body?.session_id ?? undefined,
        });
        return { checkpoint_id: c.id, status: "created" as const, name: c.name, description: c.description, conversation_id: c.conversation_id, session_id: c.session_id, message_count: c.message_count, created_at: c.created_at };
      },
      {
        body: CreateBody,
        response: {
          200: t.Object({
            checkpoint_id: t.String(),
            status: t.Literal("created"),
            name: t.String(),
            description: t.String(),
            conversation_id: t.String(),
            session_id: t.String(),
            message_count: t.Integer(),
            created_at: t.String(),
          }),
          ...errors,
        },
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
      ({ query }) => ({
        checkpoints: checkpoints.list({ sessionId: query.session_id, conversationId: query.conversation_id, type: query.type, limit: query.limit }),
      }),
      {
        query: t.Object({
          session_id: t.Optional(Id),
          conversation_id: t.Optional(Id),
          type: t.Optional(CheckpointType),
          limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, default: 50, description: "Maximum number of checkpoints (default 50)" })),
        }),
        response: { 200: t.Object({ checkpoints: t.Array(Checkpoint) }) },
        detail: { summary: "List checkpoints, newest first", description: "Filters: session_id, conversation_id, type (auto, manual, branch)." },
      },
    )
    .get("/api/v1/checkpoints/stats", () => checkpoints.stats(), {
      response: {
        200: t.Object({
          enabled: t.Boolean(),
          total_checkpoints: t.Integer(),
          auto_checkpoints: t.Integer(),
          manual_checkpoints: t.Integer(),
          branch_checkpoints: t.Integer(),
          config: t.Object({ frequency: t.Integer(), retention_hours: t.Integer(), max_age_days: t.Integer() }),
        }),
      },
      detail: { summary: "Checkpoint statistics and configuration" },
    })
    .post(
      "/api/v1/checkpoints/cleanup",
      async () => {
        const n = await checkpoints.cleanup();
        return { status: "completed" as const, cleaned_count: n, message: `Cleaned up ${n} old checkpoint${n === 1 ? "" : "s"}` };
      },
      {
        response: { 200: t.Object({ status: t.Literal("completed"), cleaned_count: t.Integer(), message: t.String() }) },
        detail: {
          summary: "Apply the retention policy now",
          description: "Removes automatic checkpoints older than retention_hours and every checkpoint older than max_age_days (it also runs hourly).",
        },
      },
    )
    .get("/api/v1/checkpoints/:checkpoint_id", ({ params }) => checkpointView(checkpoints.get(params.checkpoint_id)), {
      params: IdParams,
      response: { 200: Checkpoint, 404: ErrorEnvelope },
      detail: { summary: "One checkpoint" },
    })
    .post(
      "/api/v1/checkpoints/:checkpoint_id/rollback",
      async ({ params, body }) => {
        const r = await checkpoints.rollback(params.checkpoint_id, { restoreFiles: body?.restore_files === true });
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
        params: IdParams,
        body: RollbackBody,
        response: {
          200: t.Object({
            status: t.Literal("success"),
            checkpoint_id: t.String(),
            message: t.String(),
            conversation_id: t.String(),
            removed_messages: t.Integer({ description: "Messages after the checkpoint, now gone from the conversation" }),
            archived_conversation_id: t.Union([t.String(), t.Null()], {
              description: "A copy of the conversation as it was before the rollback (holding the checkpoints that pointed past it); null when nothing was removed",
            }),
            restored_files: t.Optional(t.Array(RestoredFile, { description: "With restore_files: what happened to each file that differed from the checkpoint" })),
          }),
          ...errors,
        },
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
      async ({ params, body }) => {
        const b = await checkpoints.branch(params.checkpoint_id, { name: body?.name ?? undefined, description: body?.description ?? undefined });
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
        params: IdParams,
        body: BranchBody,
        response: {
          200: t.Object({
            branch_id: t.String({ description: "The new conversation's id" }),
            source_checkpoint_id: t.String(),
            status: t.Literal("created"),
            name: t.String(),
            description: t.String(),
            conversation_id: t.String({ description: "Same as branch_id" }),
            branch_checkpoint_id: t.String({ description: "The branch checkpoint at the start of the new conversation" }),
            message_count: t.Integer(),
          }),
          ...errors,
        },
        detail: {
          summary: "Branch a new conversation from a checkpoint",
          description: "The new conversation's history is the source conversation up to the checkpoint; the source conversation is untouched.",
        },
      },
    );
};
