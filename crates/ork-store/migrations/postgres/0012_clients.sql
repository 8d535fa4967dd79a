-- On behalf of a client: a consultancy or CRO (the agent) prepares and submits applications
-- for a client organisation once the client's representative has authorised it. The client
-- owns what the agent makes (the application's org_id is the client's; its applicants see
-- and manage it as their own); `agent_org` records who prepared it. The agent's people see
-- it as the authorisation lets them: `sees` 'application' (the application and where its
-- parts stand) or 'everything' (also decisions, messages and the permit). A revoked
-- authorisation ends the agent's access at once.
CREATE TABLE client_authorisations (
    id               TEXT PRIMARY KEY,
    client_org       TEXT NOT NULL REFERENCES organisations(id),
    agent_org        TEXT NOT NULL REFERENCES organisations(id),
    sees             TEXT NOT NULL,
    granted_by       BIGINT NOT NULL REFERENCES users(id),
    granted_at       BIGINT NOT NULL,
    revoked_at       BIGINT,
    revoked_by       BIGINT REFERENCES users(id)
);
CREATE INDEX client_authorisations_client ON client_authorisations(client_org);
CREATE INDEX client_authorisations_agent ON client_authorisations(agent_org);
ALTER TABLE applications ADD COLUMN agent_org TEXT;
