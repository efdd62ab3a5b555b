// Every schema change, in order. Migrations are plain SQL in TypeScript modules, so they are bundled into the
// compiled binary like any other code. To add one: create NNNN_name.ts exporting the SQL, append it here.
// Never edit a migration that has shipped; add a new one.
import conversations from "./0001_conversations";
import security from "./0003_security";
import checkpointsProjectsTasks from "./0004_checkpoints_projects_tasks";
import checkpointGitSnapshots from "./0005_checkpoint_git_snapshots";
import owners from "./0006_owners";
import eventLog from "./0008_event_log";
import agents from "./0007_agents";
import agenticTasks from "./0009_agentic_tasks";
import messages from "./0010_messages";
import memories from "./0011_memories";
import commandCatalog from "./0012_command_catalog";
import webhooks from "./0013_webhooks";
import modelCalls from "./0014_model_calls";
import messageCopies from "./0015_message_copies";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  { version: 1, name: "conversations", sql: conversations },
  { version: 3, name: "security", sql: security },
  { version: 4, name: "checkpoints_projects_tasks", sql: checkpointsProjectsTasks },
  { version: 5, name: "checkpoint_git_snapshots", sql: checkpointGitSnapshots },
  { version: 6, name: "owners", sql: owners },
  { version: 7, name: "agents", sql: agents },
  { version: 8, name: "event_log", sql: eventLog },
  { version: 9, name: "agentic_tasks", sql: agenticTasks },
  { version: 10, name: "messages", sql: messages },
  { version: 11, name: "memories", sql: memories },
  { version: 12, name: "command_catalog", sql: commandCatalog },
  { version: 13, name: "webhooks", sql: webhooks },
  { version: 14, name: "model_calls", sql: modelCalls },
  { version: 15, name: "message_copies", sql: messageCopies },
];
