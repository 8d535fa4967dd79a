-- Foundation: organisations, users and their roles, sessions, API tokens, the audit trail.
-- Times are Unix seconds (BIGINT) except the audit trail's RFC 3339 text, which is what the
-- hash covers. Kept to integer and text columns so one query text serves both backends.

CREATE TABLE organisations (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    authority_role  TEXT,
    name_da         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    password_hash   TEXT,
    lang            TEXT NOT NULL DEFAULT 'da',
    created_at      BIGINT NOT NULL,
    disabled_at     BIGINT
);

CREATE TABLE memberships (
    user_id         BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    role            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, org_id, role)
);
CREATE INDEX memberships_org ON memberships(org_id);

CREATE TABLE sessions (
    id_hash         TEXT PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE audit_log (
    seq             BIGINT PRIMARY KEY,
    at              TEXT NOT NULL,
    actor           TEXT,
    org             TEXT,
    action          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    source          TEXT NOT NULL,
    details         TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log(actor);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_at ON audit_log(at);

-- The recorded end of the chain, updated in the same transaction as each append, so that a
-- deleted or added last event is detected.
CREATE TABLE audit_head (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    seq             BIGINT NOT NULL,
    hash            TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
