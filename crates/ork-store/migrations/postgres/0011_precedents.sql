-- The precedent register fed by the platform's own decisions: each final decision on a
-- part adds one, beside the rulebook's published precedents. Nothing personal is kept: the
-- rule, the authority, the applicant's kind, the datasets, the outcome, the reason codes
-- and how many conditions — never the decision's own words, the applicant or a person.
-- `part_id` only keeps one precedent a decision and is never shown.
CREATE TABLE decided_precedents (
    id               TEXT PRIMARY KEY,
    part_id          TEXT NOT NULL UNIQUE,
    rule             TEXT NOT NULL,
    authority        TEXT NOT NULL,
    decided          TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    applicant_kind   TEXT NOT NULL,
    datasets         TEXT NOT NULL,
    summary_da       TEXT NOT NULL,
    summary_en       TEXT NOT NULL,
    reasons_da       TEXT NOT NULL,
    reasons_en       TEXT NOT NULL
);
CREATE INDEX decided_precedents_rule ON decided_precedents(rule, decided);
