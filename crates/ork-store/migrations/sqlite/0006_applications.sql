-- Applications: one form stated once by the applicant, split into one part per roadmap
-- step, each part holding exactly the answers its rule names (data minimisation: an
-- authority's part never carries an answer its rule does not name). States and moves are
-- ork-cases'; `revision` counts changes so two writers cannot both win (a decision, an
-- autosave) — the loser's update matches no row and is told so. A part's authority is an
-- organisation id without a foreign key: a part waits for an authority not yet on the
-- platform rather than being lost.
CREATE TABLE applications (
    id               TEXT PRIMARY KEY,
    title            TEXT NOT NULL,
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    created_by       BIGINT NOT NULL REFERENCES users(id),
    state            TEXT NOT NULL,
    need             TEXT NOT NULL,
    answers          TEXT NOT NULL,
    roadmap          TEXT,
    rulebook_version TEXT,
    revision         BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    submitted_at     BIGINT
);
CREATE INDEX applications_creator ON applications(created_by);
CREATE INDEX applications_org ON applications(org_id);

-- Co-applicants (may edit) and readers (may only read), invited by the applicant.
CREATE TABLE application_members (
    application_id   TEXT NOT NULL REFERENCES applications(id),
    user_id          BIGINT NOT NULL REFERENCES users(id),
    access           TEXT NOT NULL,
    added_at         BIGINT NOT NULL,
    PRIMARY KEY (application_id, user_id)
);
CREATE INDEX application_members_user ON application_members(user_id);

CREATE TABLE parts (
    id               TEXT PRIMARY KEY,
    application_id   TEXT NOT NULL REFERENCES applications(id),
    step             TEXT NOT NULL,
    rule             TEXT NOT NULL,
    authority        TEXT NOT NULL,
    state            TEXT NOT NULL,
    fields           TEXT NOT NULL,
    depends_on       TEXT NOT NULL,
    deadline_days    BIGINT,
    expected_days    BIGINT NOT NULL,
    opened_at        BIGINT,
    paused_secs      BIGINT NOT NULL DEFAULT 0,
    paused_since     BIGINT,
    assigned_to      BIGINT REFERENCES users(id),
    round            BIGINT NOT NULL DEFAULT 1,
    revision         BIGINT NOT NULL DEFAULT 0,
    decided_at       BIGINT,
    UNIQUE (application_id, step)
);
CREATE INDEX parts_authority ON parts(authority, state);

-- Every decision on a part (a request for information is one too), newest last.
CREATE TABLE part_decisions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    part_id          TEXT NOT NULL REFERENCES parts(id),
    round            BIGINT NOT NULL,
    decided_by       BIGINT NOT NULL REFERENCES users(id),
    decided_at       BIGINT NOT NULL,
    outcome          TEXT NOT NULL,
    reason_codes     TEXT NOT NULL,
    text             TEXT NOT NULL,
    conditions       TEXT NOT NULL
);
CREATE INDEX part_decisions_part ON part_decisions(part_id, id);

-- The thread between an authority and the applicant on one part.
CREATE TABLE part_messages (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    part_id          TEXT NOT NULL REFERENCES parts(id),
    author_user_id   BIGINT NOT NULL REFERENCES users(id),
    from_authority   BIGINT NOT NULL,
    at               BIGINT NOT NULL,
    body             TEXT NOT NULL
);
CREATE INDEX part_messages_part ON part_messages(part_id, id);

-- Files attached to applications (protocols, agreements…): the bytes with their checked
-- type and SHA-256, owned by the uploader and their organisation. An answer names uploads
-- by id; the form accepts only ids its user may use.
CREATE TABLE uploads (
    id               TEXT PRIMARY KEY,
    user_id          BIGINT NOT NULL REFERENCES users(id),
    org_id           TEXT REFERENCES organisations(id),
    filename         TEXT NOT NULL,
    media_type       TEXT NOT NULL,
    size             BIGINT NOT NULL,
    sha256           TEXT NOT NULL,
    content          BLOB NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX uploads_user ON uploads(user_id);
