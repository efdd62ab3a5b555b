// Shapes of the API as the page uses them: Static<> of the schemas the server validates and documents with
// (src/core/<domain>/schema.ts), so the page cannot drift from what the server sends. Type-only imports: the UI
// bundle erases them.
export type { TurnEvent, TurnUsage, ActionResult, RunningTurnView } from "../../src/core/engine/schema";
export type { ConversationSummary, ConversationDetail, StoredToolCall, Message as HistoryMessage, MessageUsage as UsageTotals } from "../../src/core/conversation/schema";
export type { ModelSummary as ModelInfo } from "../../src/core/providers/schema";
export type { Agent as AgentInfo } from "../../src/core/agents/schema";
import type { PendingApproval } from "../../src/core/permission/schema";
export type { PendingApproval };
/** What an approval card shows: a pending request (GET /api/v1/approvals) or a turn's approval_required event. */
export type ApprovalCardData = Pick<PendingApproval, "id" | "tool_name" | "operation" | "resource" | "reason" | "expires_at">;
export type { CheckpointView as Checkpoint } from "../../src/core/checkpoints/schema";
export type { StoredUpload as UploadResult } from "../../src/core/uploads/schema";
export type { SystemInfo } from "../../src/core/system/schema";
