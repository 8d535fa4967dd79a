-- What the platform tells people and systems, written in the same transaction as the change
-- it tells of (an outbox): a change is never committed without its notice, and no notice
-- tells of a change that was rolled back. A worker delivers what is due.
--
-- Notifications: for one user, in the portal and by e-mail when SMTP is configured. Texts
-- are not stored; the kind and what it is about are, and the page and the e-mail say it in
-- the recipient's language when shown or sent. `email_state`: 'none' (no e-mail is sent),
-- 'pending' (due at `email_next_at`), 'sent', 'failed' (given up after the last attempt).
CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          BIGINT NOT NULL REFERENCES users(id),
    kind             TEXT NOT NULL,
    application_id   TEXT,
    part_id          TEXT,
    created_at       BIGINT NOT NULL,
    read_at          BIGINT,
    email_state      TEXT NOT NULL,
    email_attempts   BIGINT NOT NULL DEFAULT 0,
    email_next_at    BIGINT,
    email_error      TEXT
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_email ON notifications(email_state, email_next_at);

-- Webhooks: an organisation's back-office system subscribes to the events about it (an
-- authority: its parts). The secret signs each message (Standard Webhooks, HMAC-SHA256);
-- it is shown once when created and never written to a log.
CREATE TABLE webhooks (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    url              TEXT NOT NULL,
    secret           TEXT NOT NULL,
    events           TEXT NOT NULL,
    active           BIGINT NOT NULL,
    created_by       BIGINT NOT NULL REFERENCES users(id),
    created_at       BIGINT NOT NULL
);
CREATE INDEX webhooks_org ON webhooks(org_id);

-- One message per webhook and event; its id is the `webhook-id` header, the same on every
-- retry, so a receiver can drop a repeat. `state`: 'pending' (due at `next_at`),
-- 'delivered', 'failed' (given up after the last attempt).
CREATE TABLE webhook_messages (
    id               TEXT PRIMARY KEY,
    webhook_id       TEXT NOT NULL REFERENCES webhooks(id),
    event            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_at          BIGINT,
    delivered_at     BIGINT
);
CREATE INDEX webhook_messages_due ON webhook_messages(state, next_at);
CREATE INDEX webhook_messages_hook ON webhook_messages(webhook_id, created_at);

-- Every delivery attempt: the receiver's HTTP status, or why there was none.
CREATE TABLE webhook_attempts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id       TEXT NOT NULL REFERENCES webhook_messages(id),
    at               BIGINT NOT NULL,
    status           BIGINT,
    error            TEXT,
    duration_ms      BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_message ON webhook_attempts(message_id, id);
