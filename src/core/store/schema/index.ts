// One file per domain; each mirrors the migration that created its tables.
export * from "./conversations";
export * from "./security";
export * from "./checkpoints";
export * from "./tasks";
export * from "./agents";
export * from "./agentic";
export * from "./memories";
export * from "./commands";
export * from "./messages";
export * from "./events";
export * from "./webhooks";
export * from "./model-calls";
