// The host command catalog (PiSovereign /v1/commands/catalog) and what became of each run of one of its commands.
// A command is stored as its argument vector (JSON array): it is spawned without a shell, so nothing in it is ever
// interpreted by one. `parameters` declares the {{placeholders}} its arguments may hold, with their schema.
export default /* sql */ `
CREATE TABLE command_catalog (
  id                 TEXT PRIMARY KEY,
  name               TEXT NOT NULL,
  description        TEXT NOT NULL DEFAULT '',
  argv               TEXT NOT NULL,
  category           TEXT NOT NULL DEFAULT 'system',
  risk_level         TEXT NOT NULL DEFAULT 'safe',
  os                 TEXT NOT NULL DEFAULT 'linux',
  requires_approval  INTEGER NOT NULL DEFAULT 0,
  parameters         TEXT NOT NULL DEFAULT '{}',
  builtin            INTEGER NOT NULL DEFAULT 0,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX command_catalog_name ON command_catalog (name COLLATE NOCASE);

-- The default commands are seeded once, on first start; a default an admin deleted stays deleted.
CREATE TABLE command_catalog_seeds (
  version    INTEGER PRIMARY KEY,
  seeded_at  INTEGER NOT NULL
);

-- One row per execute request: awaiting_approval → running → completed | failed, or denied / expired / cancelled.
-- The argv is copied at request time: what a human approved is exactly what runs, even if the entry changes.
CREATE TABLE command_executions (
  id                   TEXT PRIMARY KEY,
  command_id           TEXT NOT NULL,
  command_name         TEXT NOT NULL,
  argv                 TEXT NOT NULL,
  status               TEXT NOT NULL,
  reason               TEXT NOT NULL DEFAULT '',
  approval_request_id  TEXT,
  network              INTEGER NOT NULL DEFAULT 0,
  sandbox_mode         TEXT NOT NULL,
  root                 TEXT NOT NULL,
  exit_code            INTEGER,
  output               TEXT NOT NULL DEFAULT '',
  truncated            INTEGER NOT NULL DEFAULT 0,
  owner                TEXT,
  decided_by           TEXT,
  created_at           INTEGER NOT NULL,
  started_at           INTEGER,
  finished_at          INTEGER
);
CREATE INDEX command_executions_owner ON command_executions (owner, created_at DESC);
`;
