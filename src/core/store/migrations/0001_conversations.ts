// Conversations, their messages (with tool calls, reasoning and usage), and session directory bindings.
export default /* sql */ `
CREATE TABLE conversations (
  id           TEXT PRIMARY KEY,
  session_id   TEXT NOT NULL,
  title        TEXT,
  agent_id     TEXT NOT NULL DEFAULT 'default',
  parent_id    TEXT,
  metadata     TEXT NOT NULL DEFAULT '{}',
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX conversations_updated ON conversations (updated_at DESC);
CREATE INDEX conversations_session ON conversations (session_id);

CREATE TABLE messages (
  id                TEXT PRIMARY KEY,
  conversation_id   TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  seq               INTEGER NOT NULL,
  role              TEXT NOT NULL CHECK (role IN ('system','user','assistant','tool')),
  content           TEXT NOT NULL DEFAULT '',
  reasoning         TEXT,
  tool_calls        TEXT,
  tool_call_id      TEXT,
  name              TEXT,
  status            TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete','streaming','interrupted','error')),
  agent_id          TEXT NOT NULL DEFAULT 'default',
  channel           TEXT,
  message_type      TEXT NOT NULL DEFAULT 'message',
  model             TEXT,
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd          REAL NOT NULL DEFAULT 0,
  metadata          TEXT NOT NULL DEFAULT '{}',
  created_at        INTEGER NOT NULL,
  UNIQUE (conversation_id, seq)
);
CREATE INDEX messages_model ON messages (model) WHERE model IS NOT NULL;

CREATE TABLE session_bindings (
  session_id  TEXT PRIMARY KEY,
  directory   TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
`;
