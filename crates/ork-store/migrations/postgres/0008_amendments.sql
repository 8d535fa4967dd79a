-- Amendments: a change to a granted permit is an application of its own that names the
-- permit it amends. Only the parts the change touches are decided again; every other
-- approval carries over as a part that names the part it carries (its reference), stored
-- approved and never in an authority's queue. When the amendment is granted, its permit
-- replaces the one it amends.
ALTER TABLE applications ADD COLUMN amends TEXT;
ALTER TABLE parts ADD COLUMN carried_from TEXT;
ALTER TABLE permits ADD COLUMN superseded_by TEXT;
