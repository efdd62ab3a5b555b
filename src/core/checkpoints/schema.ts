// The shapes of the checkpoint API (/api/v1/checkpoints*), declared once: plugins/checkpoints.ts validates and
// documents with them, the core returns Static<> of them.
import { Type as T, type Static } from "@sinclair/typebox";
import { Id, maybe, Nullable, Timestamp } from "../kernel/shapes";

const Name = T.String({ maxLength: 200 });
const Description = T.String({ maxLength: 2000 });

export const CheckpointType = T.Union([T.Literal("auto"), T.Literal("manual"), T.Literal("branch")]);
export type CheckpointType = Static<typeof CheckpointType>;

export const Checkpoint = T.Object({
  id: T.String(),
  name: T.String(),
  description: T.String(),
  created_at: Timestamp(),
  type: CheckpointType,
  session_id: T.String(),
  conversation_id: T.String(),
  message_count: T.Integer({ description: "Messages in the checkpointed history" }),
  source_checkpoint_id: Nullable(T.String(), { description: "For branch checkpoints: the checkpoint branched from" }),
});
export type CheckpointView = Static<typeof Checkpoint>;

export const RestoredFile = T.Object({
  path: T.String(),
  action: T.Union([T.Literal("restored"), T.Literal("deleted"), T.Literal("skipped")]),
  reason: T.Optional(T.String()),
});
export type RestoredFile = Static<typeof RestoredFile>;

export const CheckpointStats = T.Object({
  enabled: T.Boolean(),
  total_checkpoints: T.Integer(),
  auto_checkpoints: T.Integer(),
  manual_checkpoints: T.Integer(),
  branch_checkpoints: T.Integer(),
  config: T.Object({ frequency: T.Integer(), retention_hours: T.Integer(), max_age_days: T.Integer() }),
});
export type CheckpointStats = Static<typeof CheckpointStats>;

// ── requests ────────────────────────────────────────────────────────────────────────────────────────────────

export const CheckpointParams = T.Object({ checkpoint_id: Id });

export const CheckpointListQuery = T.Object({
  session_id: T.Optional(Id),
  conversation_id: T.Optional(Id),
  type: T.Optional(CheckpointType),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 50, description: "Maximum number of checkpoints (default 50)" })),
});

export const CreateCheckpointBody = T.Union([
  T.Object({
    name: maybe(Name),
    description: maybe(Description),
    conversation_id: maybe(T.String({ ...Id, description: "Checkpoint this conversation" })),
    session_id: maybe(T.String({ ...Id, description: "Checkpoint this session's most recent conversation" })),
  }),
  T.Null(),
]);

export const RollbackBody = T.Union([
  T.Object({ restore_files: maybe(T.Boolean({ description: "Also bring the workspace's files back to the checkpoint" })) }),
  T.Null(),
]);

export const BranchBody = T.Union([T.Object({ name: maybe(Name), description: maybe(Description) }), T.Null()]);

// ── responses ───────────────────────────────────────────────────────────────────────────────────────────────

export const CreatedCheckpoint = T.Object({
  checkpoint_id: T.String(),
  status: T.Literal("created"),
  name: T.String(),
  description: T.String(),
  conversation_id: T.String(),
  session_id: T.String(),
  message_count: T.Integer(),
  created_at: T.String(),
});

export const CheckpointList = T.Object({ checkpoints: T.Array(Checkpoint) });

export const CleanupResult = T.Object({ status: T.Literal("completed"), cleaned_count: T.Integer(), message: T.String() });

export const RollbackResponse = T.Object({
  status: T.Literal("success"),
  checkpoint_id: T.String(),
  message: T.String(),
  conversation_id: T.String(),
  removed_messages: T.Integer({ description: "Messages after the checkpoint, now gone from the conversation" }),
  archived_conversation_id: Nullable(T.String(), {
    description: "A copy of the conversation as it was before the rollback (holding the checkpoints that pointed past it); null when nothing was removed",
  }),
  restored_files: T.Optional(T.Array(RestoredFile, { description: "With restore_files: what happened to each file that differed from the checkpoint" })),
});

export const BranchResponse = T.Object({
  branch_id: T.String({ description: "The new conversation's id" }),
  source_checkpoint_id: T.String(),
  status: T.Literal("created"),
  name: T.String(),
  description: T.String(),
  conversation_id: T.String({ description: "Same as branch_id" }),
  branch_checkpoint_id: T.String({ description: "The branch checkpoint at the start of the new conversation" }),
  message_count: T.Integer(),
});
