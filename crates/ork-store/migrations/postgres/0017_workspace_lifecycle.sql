-- The end of a workspace: frozen when its permit expires or is revoked (read-only for the
-- output checkers and auditors), kept until retain_until (the shortest retention of its
-- controllers' regimes), then deleted by destroying its data key or archived as a package
-- for the national archives (archive: the package's folder name).
ALTER TABLE workspaces ADD COLUMN frozen_at BIGINT;
ALTER TABLE workspaces ADD COLUMN retain_until BIGINT;
ALTER TABLE workspaces ADD COLUMN ended_at BIGINT;
ALTER TABLE workspaces ADD COLUMN archive TEXT;
