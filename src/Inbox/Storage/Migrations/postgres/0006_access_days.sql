-- A push that shows a counselor a resident's message or number is an access, recorded once per account, resident and
-- day (the center's day, yyyy-MM-dd): whichever node pushes first writes it, the unique key turns the others away.
-- Only those records carry access_day; every other record leaves it NULL and is not constrained.
ALTER TABLE audit_log ADD COLUMN access_day TEXT NULL;
CREATE UNIQUE INDEX ux_audit_access_day ON audit_log (account_id, contact_id, access_day) WHERE account_id IS NOT NULL AND contact_id IS NOT NULL AND access_day IS NOT NULL;
