-- The catalog's state: stewards' versions of sources' documentation (the shipped page is
-- version 0, in the repository) and each user's basket of sources (the data need the
-- roadmap and the application take over).

CREATE TABLE catalog_doc_versions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id       TEXT NOT NULL,
    version         BIGINT NOT NULL,
    body_da         TEXT NOT NULL,
    body_en         TEXT NOT NULL,
    note            TEXT NOT NULL,
    author_user_id  BIGINT REFERENCES users(id),
    author          TEXT NOT NULL,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    created_at      BIGINT NOT NULL,
    UNIQUE (source_id, version)
);

CREATE TABLE catalog_basket (
    user_id         BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source_id       TEXT NOT NULL,
    added_at        BIGINT NOT NULL,
    PRIMARY KEY (user_id, source_id)
);
