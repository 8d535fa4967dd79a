-- Decided cases per rulebook step: how long each took from complete application to
-- decision. They refine the roadmap's expected durations. Generated seed cases are marked
-- synthetic = 1 and shown as such; the application handling will add real ones.
CREATE TABLE decided_cases (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    rule            TEXT NOT NULL,
    authority       TEXT NOT NULL,
    days            BIGINT NOT NULL,
    outcome         TEXT NOT NULL,
    decided_at      BIGINT NOT NULL,
    synthetic       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX decided_cases_rule ON decided_cases(rule);
