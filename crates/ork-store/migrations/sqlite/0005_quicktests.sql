-- Quick tests: every answered quick test, per user and organisation, with its definition,
-- its shown numbers' sizes and fingerprints (for the differencing check against the same
-- user's later questions; docs/disclosure-control.md), the answer as shown and its price.
-- Bad definitions are refused before anything is written, so they cost nothing.
CREATE TABLE quicktests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         BIGINT NOT NULL REFERENCES users(id),
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    asked_at        BIGINT NOT NULL,
    month           TEXT NOT NULL,
    cohort_id       TEXT,
    definition      TEXT NOT NULL,
    index_id        TEXT NOT NULL,
    shown           TEXT NOT NULL,
    result          TEXT NOT NULL,
    tariff          TEXT NOT NULL,
    price_list      TEXT NOT NULL,
    price_ore       BIGINT NOT NULL
);
CREATE INDEX quicktests_user ON quicktests(user_id, id);
CREATE INDEX quicktests_org_month ON quicktests(org_id, month);

-- Saved cohorts: a named definition with a stable id, so the application form can take
-- one over as its study population. The definition never changes under its id (an edited
-- cohort is saved as a new one); the name and the sharing may.
CREATE TABLE cohorts (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    definition      TEXT NOT NULL,
    owner_user_id   BIGINT NOT NULL REFERENCES users(id),
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    shared          BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX cohorts_owner ON cohorts(owner_user_id);
CREATE INDEX cohorts_org ON cohorts(org_id);
