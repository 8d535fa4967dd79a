-- Where a workspace query came from: the console (the API and the portal page) or an
-- Arrow Flight SQL client (R, Python's ADBC, DBeaver inside the secure zone).
ALTER TABLE workspace_queries ADD COLUMN via TEXT NOT NULL DEFAULT 'console';
