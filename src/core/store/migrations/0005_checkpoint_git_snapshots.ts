// Git snapshots for checkpoints (when a session's root is inside a git work tree), and the index that keeps the
// per-file-change lookup of a conversation's latest checkpoint independent of how many checkpoints it has.
export default /* sql */ `
-- The state of a root's non-ignored files as a git tree, kept reachable by refs/penguin/checkpoints/<id>.
CREATE TABLE git_snapshots (
  id          TEXT PRIMARY KEY,
  root        TEXT NOT NULL,
  toplevel    TEXT NOT NULL,
  prefix      TEXT NOT NULL,
  tree        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX git_snapshots_root ON git_snapshots (root, created_at);

-- The snapshot of the files at this checkpoint (NULL: none, e.g. the root is not a repository).
ALTER TABLE checkpoints ADD COLUMN git_snapshot_id TEXT;
-- 1 while no tool has run since the checkpoint: the snapshot is taken just before the next one runs.
ALTER TABLE checkpoints ADD COLUMN git_pending INTEGER NOT NULL DEFAULT 0;
CREATE INDEX checkpoints_git_pending ON checkpoints (conversation_id) WHERE git_pending = 1;
CREATE INDEX checkpoints_git_snapshot ON checkpoints (git_snapshot_id) WHERE git_snapshot_id IS NOT NULL;
CREATE INDEX checkpoints_conversation_file ON checkpoints (conversation_id, file_seq);
`;
