// Checkpoints (pointers into a conversation's history) with the file pre-images that let a rollback restore the
// workspace, projects, and tasks (background agent runs with persisted progress).
export default /* sql */ `
CREATE TABLE checkpoints (
  id                   TEXT PRIMARY KEY,
  conversation_id      TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  session_id           TEXT NOT NULL,
  type                 TEXT NOT NULL CHECK (type IN ('auto','manual','branch')),
  name                 TEXT NOT NULL,
  description          TEXT NOT NULL DEFAULT '',
  -- The checkpointed history is every message of the conversation with seq <= message_seq.
  message_seq          INTEGER NOT NULL,
  message_count        INTEGER NOT NULL,
  -- High-water mark of file_changes.id when the checkpoint was taken.
  file_seq             INTEGER NOT NULL DEFAULT 0,
  source_checkpoint_id TEXT,
  metadata             TEXT NOT NULL DEFAULT '{}',
  created_at           INTEGER NOT NULL
);
CREATE INDEX checkpoints_conversation ON checkpoints (conversation_id, message_seq);
CREATE INDEX checkpoints_session ON checkpoints (session_id, created_at DESC);
CREATE INDEX checkpoints_created ON checkpoints (created_at DESC);
CREATE INDEX checkpoints_type_created ON checkpoints (type, created_at);

-- The content a file had just before an agent's tool first changed it after a checkpoint (its pre-image).
CREATE TABLE file_changes (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  path             TEXT NOT NULL,
  existed          INTEGER NOT NULL,
  content          BLOB,
  size             INTEGER NOT NULL DEFAULT 0,
  too_large        INTEGER NOT NULL DEFAULT 0,
  tool             TEXT,
  created_at       INTEGER NOT NULL
);
CREATE INDEX file_changes_conversation ON file_changes (conversation_id, id);

CREATE TABLE projects (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','archived','completed')),
  metadata     TEXT NOT NULL DEFAULT '{}',
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX projects_updated ON projects (updated_at DESC);

CREATE TABLE tasks (
  id               TEXT PRIMARY KEY,
  project_id       TEXT REFERENCES projects(id) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  status           TEXT NOT NULL CHECK (status IN ('pending','running','completed','failed','cancelled','timeout','interrupted')),
  continuous       INTEGER NOT NULL DEFAULT 0,
  time_limit_min   REAL NOT NULL,
  agent_id         TEXT NOT NULL DEFAULT 'default',
  conversation_id  TEXT,
  session_id       TEXT,
  turns            INTEGER NOT NULL DEFAULT 0,
  iterations       INTEGER NOT NULL DEFAULT 0,
  response         TEXT NOT NULL DEFAULT '',
  action_results   TEXT NOT NULL DEFAULT '[]',
  error            TEXT,
  prompt_tokens    INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX tasks_created ON tasks (created_at DESC);
CREATE INDEX tasks_project ON tasks (project_id, created_at DESC);
CREATE INDEX tasks_status ON tasks (status);
`;
