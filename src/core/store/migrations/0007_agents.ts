// The agents registry: the built-in `default`, the config file's [[agents]] (seeded at every start) and the agents
// created through the API or spawned by another agent (`parent`). A sub-agent works in its parent's session
// (`session_id`: same root, sandbox and approvals); `conversation_id` is the conversation an agent continues when
// work reaches it without one.
export default /* sql */ `
CREATE TABLE agents (
  id              TEXT PRIMARY KEY,
  source          TEXT NOT NULL,
  persona         TEXT,
  system_prompt   TEXT,
  model_config_id TEXT,
  default_tools   TEXT NOT NULL DEFAULT '[]',
  parent          TEXT REFERENCES agents(id) ON DELETE CASCADE,
  paused          INTEGER NOT NULL DEFAULT 0,
  session_id      TEXT,
  conversation_id TEXT,
  owner           TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX agents_parent ON agents (parent);
CREATE INDEX agents_owner ON agents (owner);
`;
