-- The advice desk (issue 17): questions answered at the one-stop shop's first level or
-- referred to an authority's experts (second level) in the same conversation.
--
-- A question is asked by a signed-in user (`asker_user`, for their organisation
-- `asker_org`) or by a guest (`guest_email`), whose question waits in state 'unconfirmed'
-- until the link e-mailed to them is followed. `state`: 'unconfirmed', 'open' (with the
-- first level), 'referred' (with `holder`'s experts), 'answered' (an advisor wrote last),
-- 'closed'. `holder`: 'first_level' or the authority's organisation id. `assignee`: the
-- advisor who has it. The context (page, basket, application) is kept only when the asker
-- consented. The times feed the reports: first answer, first referral, closing, and the
-- level that resolved it ('first' or 'second').
CREATE TABLE questions (
    id               TEXT PRIMARY KEY,
    subject          TEXT NOT NULL,
    topic            TEXT NOT NULL,
    state            TEXT NOT NULL,
    holder           TEXT NOT NULL,
    assignee         BIGINT REFERENCES users(id),
    asker_user       BIGINT REFERENCES users(id),
    asker_org        TEXT REFERENCES organisations(id),
    guest_email      TEXT,
    lang             TEXT NOT NULL,
    context_page     TEXT,
    context_basket   TEXT,
    context_application TEXT,
    suggested        TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    confirmed_at     BIGINT,
    first_answer_at  BIGINT,
    referred_at      BIGINT,
    closed_at        BIGINT,
    resolved_level   TEXT,
    last_at          BIGINT NOT NULL
);
CREATE INDEX questions_asker ON questions(asker_user, last_at);
CREATE INDEX questions_holder ON questions(holder, state, last_at);
CREATE INDEX questions_created ON questions(created_at);

-- The conversation. `role`: 'asker', 'first_level', 'second_level' or 'system' (the
-- platform's own line: referred, closed); `internal` notes (a referral's note to the
-- experts) are shown to advisors only. A guest's lines have no author user.
CREATE TABLE question_messages (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id      TEXT NOT NULL REFERENCES questions(id),
    author_user      BIGINT REFERENCES users(id),
    author_org       TEXT,
    role             TEXT NOT NULL,
    internal         BIGINT NOT NULL,
    at               BIGINT NOT NULL,
    body             TEXT NOT NULL,
    attachments      TEXT NOT NULL
);
CREATE INDEX question_messages_question ON question_messages(question_id, id);

-- A guest's keys to their question: one per e-mail sent (the link carries it); only the
-- SHA-256 is kept here.
CREATE TABLE question_guest_keys (
    key_hash         TEXT PRIMARY KEY,
    question_id      TEXT NOT NULL REFERENCES questions(id),
    created_at       BIGINT NOT NULL
);

-- E-mails to guests (who have no account, so no notifications row): the confirmation link
-- and news of answers. The link's key is kept only until the e-mail is sent.
CREATE TABLE guest_mail (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id      TEXT NOT NULL REFERENCES questions(id),
    to_email         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    lang             TEXT NOT NULL,
    link_key         TEXT,
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_at          BIGINT,
    error            TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX guest_mail_due ON guest_mail(state, next_at);

-- One named contact person (an advisor at the platform) per applicant organisation: its
-- people's new questions go to them.
CREATE TABLE advice_contacts (
    org_id           TEXT PRIMARY KEY REFERENCES organisations(id),
    advisor          BIGINT NOT NULL REFERENCES users(id),
    set_by           BIGINT NOT NULL REFERENCES users(id),
    set_at           BIGINT NOT NULL
);

-- Knowledge-base articles written on the platform (the shipped ones are files): drafts
-- turned from answers, published after another advisor's review. `state`: 'draft',
-- 'published', 'rejected'.
CREATE TABLE kb_articles (
    id               TEXT PRIMARY KEY,
    state            TEXT NOT NULL,
    owner            TEXT NOT NULL,
    topic            TEXT NOT NULL,
    title_da         TEXT NOT NULL,
    title_en         TEXT NOT NULL,
    summary_da       TEXT NOT NULL,
    summary_en       TEXT NOT NULL,
    body_da          TEXT NOT NULL,
    body_en          TEXT NOT NULL,
    from_question    TEXT REFERENCES questions(id),
    version          BIGINT NOT NULL,
    created_by       BIGINT NOT NULL REFERENCES users(id),
    created_at       BIGINT NOT NULL,
    reviewed_by      BIGINT REFERENCES users(id),
    reviewed_at      BIGINT
);

-- "This answered my question": an article that a suggestion or a search showed, marked as
-- the answer before (instead of) asking. The reports count them per article.
CREATE TABLE kb_deflections (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id       TEXT NOT NULL,
    user_id          BIGINT REFERENCES users(id),
    at               BIGINT NOT NULL
);
CREATE INDEX kb_deflections_at ON kb_deflections(at);

-- Notifications can tell of a question.
ALTER TABLE notifications ADD COLUMN question_id TEXT;
