-- Agreements a case needs besides its approvals (a data processing agreement, a
-- joint-controller arrangement, a transfer agreement), generated at submission from the
-- rulebook's templates with the case's facts. `document` is the exact text and `sha256`
-- its hash: a signature names the hash it was given, and is refused for any other. Each
-- agreement is signed once for the applicant (by its owner or a co-applicant) and once for
-- the party (by the account whose e-mail the application names as the party's
-- signatory). The permit is not issued while one is unsigned. An amendment's agreement
-- whose text is unchanged carries the signed one over (`carried_from`). One the case no
-- longer needs (the parties changed before a resubmission) is kept, marked `replaced_at`.
CREATE TABLE agreements (
    id               TEXT PRIMARY KEY,
    application_id   TEXT NOT NULL REFERENCES applications(id),
    kind             TEXT NOT NULL,
    party            TEXT NOT NULL,
    party_country    TEXT NOT NULL,
    party_signatory  TEXT NOT NULL,
    document         TEXT NOT NULL,
    sha256           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    signed_at        BIGINT,
    carried_from     TEXT,
    replaced_at      BIGINT
);
CREATE INDEX agreements_application ON agreements(application_id);
CREATE INDEX agreements_signatory ON agreements(party_signatory);

CREATE TABLE agreement_signatures (
    agreement_id     TEXT NOT NULL REFERENCES agreements(id),
    side             TEXT NOT NULL,
    user_id          BIGINT NOT NULL REFERENCES users(id),
    sha256           TEXT NOT NULL,
    signed_at        BIGINT NOT NULL,
    PRIMARY KEY (agreement_id, side)
);
