-- The airlock (issue 19): what a project asks to take out of its workspace. A safe table or
-- a model is computed by the platform from a query over a snapshot and checked by the
-- rules of the workspace's strictest regime; any other file goes to a person's review
-- only. Nothing leaves before a controller's output checker, not the requester, approves.
CREATE TABLE outputs (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id),
    -- table | model | file
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    -- The researcher's description (what it shows, why it is safe).
    description      TEXT NOT NULL,
    -- draft | requested | asked | approved | rejected
    state            TEXT NOT NULL,
    -- The automatic checks' verdict: pass | review | fail (a file: review).
    status           TEXT NOT NULL,
    -- A table's or model's spec (JSON), query and snapshot; none for a file.
    spec             TEXT,
    sql_text         TEXT,
    snapshot         BIGINT,
    -- JSON: the automatic checks, every cell with each rule's verdict ({} for a file).
    report           TEXT NOT NULL,
    -- JSON: the rules the checks ran with.
    rules            TEXT NOT NULL,
    -- What would leave: its name, type, size and the SHA-256 of its bytes.
    filename         TEXT NOT NULL,
    media_type       TEXT NOT NULL,
    size             BIGINT NOT NULL,
    sha256           TEXT NOT NULL,
    -- The bytes: sealed under the workspace's data key until released (sealed = 1), so
    -- destroying the key destroys them; plain once approved.
    content          BLOB NOT NULL,
    sealed           BIGINT NOT NULL,
    created_by       BIGINT NOT NULL REFERENCES users(id),
    created_at       BIGINT NOT NULL,
    requested_by     BIGINT REFERENCES users(id),
    requested_at     BIGINT,
    -- The last decision: approve | reject | ask, by whom, when and why.
    decided_by       BIGINT REFERENCES users(id),
    decided_at       BIGINT,
    reason           TEXT,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX outputs_workspace ON outputs(workspace_id, created_at);
CREATE INDEX outputs_state ON outputs(state);

-- An output's history: each request (with the description as it was) and each decision
-- (with its reason).
CREATE TABLE output_events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    output_id        TEXT NOT NULL REFERENCES outputs(id),
    user_id          BIGINT NOT NULL REFERENCES users(id),
    -- request | approve | reject | ask
    action           TEXT NOT NULL,
    text             TEXT NOT NULL,
    at               BIGINT NOT NULL
);
CREATE INDEX output_events_output ON output_events(output_id, id);
