// Long-term memory (PiSovereign /v1/memories): facts, preferences, corrections … the agent recalls into later turns.
// Text search is an FTS5 index kept in step with the table by triggers (external content: the text is stored once);
// vectors from an embedding model, when one is configured, live beside the rows with the model and dimension they
// were made with, so a changed model never mixes with stale vectors.
export default /* sql */ `
CREATE TABLE memories (
  -- The rowid alias the FTS index refers to (an explicit INTEGER PRIMARY KEY survives VACUUM unchanged).
  seq               INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  content           TEXT NOT NULL,
  summary           TEXT NOT NULL,
  memory_type       TEXT NOT NULL DEFAULT 'context',
  importance        REAL NOT NULL DEFAULT 0.5,
  access_count      INTEGER NOT NULL DEFAULT 0,
  tags              TEXT NOT NULL DEFAULT '[]',
  -- The content normalised (case, punctuation and spacing removed): the same text stored twice is found by index.
  fingerprint       TEXT NOT NULL,
  owner             TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  last_accessed_at  INTEGER,
  -- When decay last lowered this memory's importance: decay counts the time since then (or since its last use).
  decayed_at        INTEGER
);
CREATE INDEX memories_owner ON memories (owner, updated_at DESC);
CREATE INDEX memories_fingerprint ON memories (fingerprint, owner);

CREATE VIRTUAL TABLE memories_fts USING fts5(
  content, summary, tags,
  content = 'memories', content_rowid = 'seq', tokenize = 'porter unicode61'
);
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
  INSERT INTO memories_fts (rowid, content, summary, tags) VALUES (new.seq, new.content, new.summary, new.tags);
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, content, summary, tags) VALUES ('delete', old.seq, old.content, old.summary, old.tags);
END;
-- Only a change of the indexed text touches the index (not access counts, importance or decay).
CREATE TRIGGER memories_fts_update AFTER UPDATE OF content, summary, tags ON memories BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, content, summary, tags) VALUES ('delete', old.seq, old.content, old.summary, old.tags);
  INSERT INTO memories_fts (rowid, content, summary, tags) VALUES (new.seq, new.content, new.summary, new.tags);
END;

CREATE TABLE memory_vectors (
  memory_seq  INTEGER PRIMARY KEY REFERENCES memories(seq) ON DELETE CASCADE,
  model       TEXT NOT NULL,
  dimensions  INTEGER NOT NULL,
  -- float32 little-endian, unit length
  vector      BLOB NOT NULL,
  -- one sign bit per dimension, packed: the in-memory prefilter loads only these
  signature   BLOB NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX memory_vectors_model ON memory_vectors (model, dimensions);

CREATE TABLE memory_decay_runs (
  id       INTEGER PRIMARY KEY,
  ran_at   INTEGER NOT NULL,
  decayed  INTEGER NOT NULL,
  deleted  INTEGER NOT NULL
);
`;
