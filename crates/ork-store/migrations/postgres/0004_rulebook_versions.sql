-- Every rulebook version the platform has run with: its snapshot (what it says, as JSON)
-- and that snapshot's SHA-256. A roadmap names the version it was computed under; the
-- portal shows what changed between two versions. A version, once recorded, never changes.
CREATE TABLE rulebook_versions (
    version     TEXT PRIMARY KEY,
    published   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    snapshot    TEXT NOT NULL,
    first_seen  BIGINT NOT NULL
);
