-- The secure analysis workspace (issue 18). One workspace a project (application); each of
-- its permits (the first and every amendment's) provisions it again within that permit's
-- scope. The population is the permit's cohort definition as it stood when the permit was
-- issued (a saved cohort may change later; the permit does not).
CREATE TABLE workspaces (
    id               TEXT PRIMARY KEY,
    application_id   TEXT NOT NULL UNIQUE REFERENCES applications(id),
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    title            TEXT NOT NULL,
    -- provisioning | ready | frozen | archived | deleted
    state            TEXT NOT NULL,
    -- The permit whose scope the workspace is provisioned to now.
    permit_id        TEXT NOT NULL REFERENCES permits(id),
    population       TEXT NOT NULL,
    -- The provisioning job, while one runs: tables done of all, the table at hand. Progress
    -- only; the job's start and its snapshot are in the audit trail.
    progress_done    BIGINT NOT NULL,
    progress_total   BIGINT NOT NULL,
    progress_table   TEXT,
    -- Why the last provisioning failed, if it did (a message for the operator, no data).
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX workspaces_org ON workspaces(org_id);

-- One data order per controller in a permit: the controller's stewards see the extract's
-- description and sign it off (unless their regime delivers automatically), and may suspend
-- the workspace's access to their data at any time.
CREATE TABLE data_orders (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id),
    permit_id        TEXT NOT NULL REFERENCES permits(id),
    -- The controller's organisation id (the catalog's controller id).
    controller       TEXT NOT NULL,
    -- awaiting_sign_off | delivering | delivered | suspended
    state            TEXT NOT NULL,
    -- JSON: the datasets, tables, variables, years and regions of the extract.
    description      TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    signed_off_by    BIGINT REFERENCES users(id),
    signed_off_at    BIGINT,
    delivered_at     BIGINT,
    suspended_by     BIGINT REFERENCES users(id),
    suspended_at     BIGINT,
    suspend_reason   TEXT
);
CREATE INDEX data_orders_workspace ON data_orders(workspace_id);
CREATE INDEX data_orders_controller ON data_orders(controller, state);

-- Immutable snapshots: each provisioning or refresh writes a new one; queries name one or
-- use the latest, so an earlier result can be reproduced exactly.
CREATE TABLE workspace_snapshots (
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id),
    number           BIGINT NOT NULL,
    permit_id        TEXT NOT NULL REFERENCES permits(id),
    -- The registers' release the extract was cut from (their manifest's id).
    registers        TEXT NOT NULL,
    -- JSON: [{"name", "order", "columns": [{"name", "type"}], "rows"}]
    tables           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, number)
);

-- The project's query log (every query is also in the audit trail).
CREATE TABLE workspace_queries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id),
    user_id          BIGINT NOT NULL REFERENCES users(id),
    snapshot         BIGINT,
    sql_text         TEXT NOT NULL,
    -- ok | refused | failed | timeout
    outcome          TEXT NOT NULL,
    row_count        BIGINT NOT NULL,
    millis           BIGINT NOT NULL,
    at               BIGINT NOT NULL
);
CREATE INDEX workspace_queries_workspace ON workspace_queries(workspace_id, id);

-- A controller's security regime for one of its datasets (catalog source id), set by its
-- stewards; JSON so the airlock's parameters can grow without a migration.
CREATE TABLE dataset_regimes (
    source_id        TEXT PRIMARY KEY,
    regime           TEXT NOT NULL,
    set_by           BIGINT REFERENCES users(id),
    set_at           BIGINT NOT NULL
);
