// Agentic tasks (PiSovereign /v1/agentic/tasks): a request split by a planner turn into sub-tasks that sub-agents
// run in parallel, then combined. The task, its sub-tasks and every event of its stream are kept, so GET and a late
// SSE subscriber see exactly what happened, after a restart too.
export default /* sql */ `
CREATE TABLE agentic_tasks (
  id                  TEXT PRIMARY KEY,
  description         TEXT NOT NULL,
  status              TEXT NOT NULL,
  require_approval    INTEGER NOT NULL DEFAULT 0,
  plan_summary        TEXT,
  result              TEXT,
  error               TEXT,
  -- The planner's (and the final combination's) conversation; every turn of the task shares its session.
  conversation_id     TEXT NOT NULL,
  session_id          TEXT NOT NULL,
  approval_request_id TEXT,
  prompt_tokens       INTEGER NOT NULL DEFAULT 0,
  completion_tokens   INTEGER NOT NULL DEFAULT 0,
  owner               TEXT,
  created_at          INTEGER NOT NULL,
  started_at          INTEGER,
  finished_at         INTEGER,
  updated_at          INTEGER NOT NULL
);
CREATE INDEX agentic_tasks_owner ON agentic_tasks (owner, created_at DESC);
CREATE INDEX agentic_tasks_status ON agentic_tasks (status);

CREATE TABLE agentic_sub_tasks (
  task_id          TEXT NOT NULL REFERENCES agentic_tasks(id) ON DELETE CASCADE,
  id               TEXT NOT NULL,
  position         INTEGER NOT NULL,
  description      TEXT NOT NULL,
  agent_id         TEXT NOT NULL DEFAULT 'default',
  status           TEXT NOT NULL,
  conversation_id  TEXT,
  turn_id          TEXT,
  result           TEXT,
  error            TEXT,
  started_at       INTEGER,
  finished_at      INTEGER,
  PRIMARY KEY (task_id, id)
);

-- The task's stream, in order: replayed to subscribers that come late or resume (Last-Event-ID).
CREATE TABLE agentic_task_events (
  task_id  TEXT NOT NULL REFERENCES agentic_tasks(id) ON DELETE CASCADE,
  seq      INTEGER NOT NULL,
  event    TEXT NOT NULL,
  data     TEXT NOT NULL,
  at       INTEGER NOT NULL,
  PRIMARY KEY (task_id, seq)
);
`;
