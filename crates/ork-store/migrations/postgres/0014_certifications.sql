-- Data-security certification (issue 18, item 5): a user may enter a workspace only while
-- certified. The operator records the certification's last valid day (YYYY-MM-DD, inclusive);
-- one record a user, its history in the audit trail.
CREATE TABLE certifications (
    user_id          BIGINT PRIMARY KEY REFERENCES users(id),
    valid_until      TEXT NOT NULL,
    set_at           BIGINT NOT NULL
);
