-- Permits: issued when every part of an application approves, as a JWT signed with the
-- platform's Ed25519 key. The signing keys are kept here so every server instance signs
-- with the same one; the newest unretired key signs, and every key stays in the published
-- key set so that permits signed before a rotation still verify. A key's secret never
-- leaves the server (not in the API, not in a log, not in the audit trail).
CREATE TABLE signing_keys (
    kid              TEXT PRIMARY KEY,
    secret           BLOB NOT NULL,
    created_at       BIGINT NOT NULL,
    retired_at       BIGINT
);

CREATE TABLE permits (
    id               TEXT PRIMARY KEY,
    application_id   TEXT NOT NULL REFERENCES applications(id),
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    kid              TEXT NOT NULL REFERENCES signing_keys(kid),
    jwt              TEXT NOT NULL,
    scope            TEXT NOT NULL,
    issued_at        BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    revoked_at       BIGINT,
    revoked_reason   TEXT
);
CREATE INDEX permits_application ON permits(application_id);
CREATE INDEX permits_org ON permits(org_id);
