// Permission audit log, approval requests (so listings survive restarts) and session approval grants.
export default /* sql */ `
CREATE TABLE audit_log (
  id          TEXT PRIMARY KEY,
  at          INTEGER NOT NULL,
  operation   TEXT NOT NULL,
  category    TEXT NOT NULL,
  resource    TEXT NOT NULL,
  result      TEXT NOT NULL CHECK (result IN ('allow','ask','deny')),
  reason      TEXT NOT NULL DEFAULT '',
  policy      TEXT NOT NULL DEFAULT '',
  agent_id    TEXT NOT NULL DEFAULT 'default',
  tool_name   TEXT,
  session_id  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_result ON audit_log (result, at);
CREATE INDEX audit_log_category ON audit_log (category, at);
CREATE INDEX audit_log_agent ON audit_log (agent_id, at);

CREATE TABLE approval_requests (
  id               TEXT PRIMARY KEY,
  tool_name        TEXT NOT NULL,
  operation        TEXT NOT NULL,
  resource         TEXT NOT NULL,
  reason           TEXT NOT NULL DEFAULT '',
  session_id       TEXT NOT NULL,
  conversation_id  TEXT,
  turn_id          TEXT,
  agent_id         TEXT NOT NULL DEFAULT 'default',
  status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','denied','expired','cancelled')),
  scope            TEXT,
  pattern          TEXT,
  created_at       INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  resolved_at      INTEGER
);
CREATE INDEX approval_requests_status ON approval_requests (status, created_at);

CREATE TABLE approval_grants (
  id          TEXT PRIMARY KEY,
  session_id  TEXT NOT NULL,
  operation   TEXT NOT NULL,
  pattern     TEXT,
  scope       TEXT NOT NULL CHECK (scope IN ('session','pattern','pre-approved')),
  request_id  TEXT,
  created_at  INTEGER NOT NULL
);
CREATE INDEX approval_grants_session ON approval_grants (session_id);
`;
