-- A center's calendar is its own (issue 11). The days a center is closed besides the public holidays are its own
-- closures only: one row per center and day, always with a center. The nationwide temporary holidays (임시공휴일)
-- that any center's admin could add to every center (center_id NULL) are not carried over: they come from the
-- shipped special-holidays.json and from the operator's configuration (Calendar:TemporaryHolidays). Deadlines
-- computed with them keep their calendar version, whose full definition stays in calendar_versions. README,
-- "Upgrading to 0004", says how to list those rows before upgrading and move the real ones into configuration.
CREATE TABLE calendar_closures (
    id          UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    center_id   NVARCHAR(100) NOT NULL,
    day         NVARCHAR(10) NOT NULL,
    name        NVARCHAR(MAX) NOT NULL,
    created_by  UNIQUEIDENTIFIER NULL,
    created_at  DATETIMEOFFSET NOT NULL
);
-- A day the same center closed twice (two admins at once) is kept once, the first one added.
INSERT INTO calendar_closures (id, center_id, day, name, created_by, created_at)
SELECT d.id, d.center_id, d.day, d.name, d.created_by, d.created_at
FROM calendar_days d
WHERE d.center_id IS NOT NULL AND d.kind = 'closure'
  AND NOT EXISTS (SELECT 1 FROM calendar_days e WHERE e.center_id = d.center_id AND e.day = d.day AND e.kind = 'closure' AND e.id < d.id);
DROP TABLE calendar_days;
CREATE UNIQUE INDEX ux_calendar_closures_center_day ON calendar_closures (center_id, day);
