-- Jobs (issue 20): R, Python and SQL scripts a project member runs in the workspace's
-- sandbox over one snapshot's tables. The scripts, the log and the outputs are kept sealed
-- under the workspace's data key (destroying the key destroys them); outputs leave only
-- through the airlock.
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id),
    name             TEXT NOT NULL,
    -- The manifest as it was sent (TOML).
    manifest         TEXT NOT NULL,
    snapshot         BIGINT NOT NULL,
    -- JSON: the limits it runs with (cpu_seconds, wall_seconds, memory_mb, processes, disk_mb).
    limits           TEXT NOT NULL,
    -- queued | running | succeeded | failed | cancelled | killed
    state            TEXT NOT NULL,
    -- Why it did not succeed (a code), the step that ended it, and the log's line that says
    -- why (sealed: it may hold data).
    reason           TEXT,
    step             BIGINT,
    detail           BYTEA,
    -- The log, sealed (it may hold row-level data); shown inside the workspace only.
    log              BYTEA,
    cpu_ms           BIGINT NOT NULL DEFAULT 0,
    wall_ms          BIGINT NOT NULL DEFAULT 0,
    peak_memory_kib  BIGINT NOT NULL DEFAULT 0,
    cancel_requested BIGINT NOT NULL DEFAULT 0,
    submitted_by     BIGINT NOT NULL REFERENCES users(id),
    submitted_at     BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT
);
CREATE INDEX jobs_workspace ON jobs(workspace_id, submitted_at);
CREATE INDEX jobs_state ON jobs(state, submitted_at);

-- A job's scripts and outputs: name, size, SHA-256 of the plain bytes, the bytes sealed.
CREATE TABLE job_files (
    job_id           TEXT NOT NULL REFERENCES jobs(id),
    -- script | output
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    size             BIGINT NOT NULL,
    sha256           TEXT NOT NULL,
    content          BYTEA NOT NULL,
    PRIMARY KEY (job_id, kind, name)
);
