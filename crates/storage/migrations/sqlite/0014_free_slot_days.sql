-- The count of free slots of each practitioner, purpose and day, from which a month's calendar
-- marks its free days in one range read instead of probing the slots of every day (each probe
-- also looking for a booking of the slot it finds). A slot is free when it is published (not
-- removed), released and held by no request or booking. The triggers keep the counts with
-- every write of a slot or a booking, whichever statement makes it.
CREATE TABLE free_slot_day (
    practitioner_id INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    day_start INTEGER NOT NULL,
    free INTEGER NOT NULL,
    PRIMARY KEY (practitioner_id, purpose, day_start)
) WITHOUT ROWID;

INSERT INTO free_slot_day (practitioner_id, purpose, day_start, free)
SELECT s.practitioner_id, s.purpose, s.day_start, COUNT(*) FROM slot s
WHERE s.removed = 0 AND s.released = 1
  AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = s.id AND b.status IN ('forespurt', 'tildelt'))
GROUP BY s.practitioner_id, s.purpose, s.day_start;

-- (`WHERE` before `ON CONFLICT` tells SQLite's parser that the conflict clause is the
-- upsert's.)
CREATE TRIGGER free_slot_day_slot_added AFTER INSERT ON slot
WHEN NEW.removed = 0 AND NEW.released = 1
BEGIN
    INSERT INTO free_slot_day (practitioner_id, purpose, day_start, free)
    SELECT NEW.practitioner_id, NEW.purpose, NEW.day_start, 1
    WHERE NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = NEW.id AND b.status IN ('forespurt', 'tildelt'))
    ON CONFLICT (practitioner_id, purpose, day_start) DO UPDATE SET free = free + excluded.free;
END;

CREATE TRIGGER free_slot_day_slot_changed
AFTER UPDATE OF removed, released, practitioner_id, purpose, day_start ON slot
BEGIN
    INSERT INTO free_slot_day (practitioner_id, purpose, day_start, free)
    SELECT OLD.practitioner_id, OLD.purpose, OLD.day_start, -1
    WHERE OLD.removed = 0 AND OLD.released = 1
      AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = OLD.id AND b.status IN ('forespurt', 'tildelt'))
    ON CONFLICT (practitioner_id, purpose, day_start) DO UPDATE SET free = free + excluded.free;
    INSERT INTO free_slot_day (practitioner_id, purpose, day_start, free)
    SELECT NEW.practitioner_id, NEW.purpose, NEW.day_start, 1
    WHERE NEW.removed = 0 AND NEW.released = 1
      AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = NEW.id AND b.status IN ('forespurt', 'tildelt'))
    ON CONFLICT (practitioner_id, purpose, day_start) DO UPDATE SET free = free + excluded.free;
END;

CREATE TRIGGER free_slot_day_slot_deleted AFTER DELETE ON slot
WHEN OLD.removed = 0 AND OLD.released = 1
BEGIN
    INSERT INTO free_slot_day (practitioner_id, purpose, day_start, free)
    SELECT OLD.practitioner_id, OLD.purpose, OLD.day_start, -1
    WHERE NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = OLD.id AND b.status IN ('forespurt', 'tildelt'))
    ON CONFLICT (practitioner_id, purpose, day_start) DO UPDATE SET free = free + excluded.free;
END;

-- A booking that starts holding its slot takes it from the free ones, one that stops gives
-- it back, unless another holds it (which the one-holder index does not let happen).
CREATE TRIGGER free_slot_day_booking_added AFTER INSERT ON booking
WHEN NEW.status IN ('forespurt', 'tildelt')
BEGIN
    INSERT INTO free_slot_day (practitioner_id, purpose, day_start, free)
    SELECT s.practitioner_id, s.purpose, s.day_start, -1 FROM slot s
    WHERE s.id = NEW.slot_id AND s.removed = 0 AND s.released = 1
      AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = s.id AND b.id <> NEW.id
                      AND b.status IN ('forespurt', 'tildelt'))
    ON CONFLICT (practitioner_id, purpose, day_start) DO UPDATE SET free = free + excluded.free;
END;

CREATE TRIGGER free_slot_day_booking_changed AFTER UPDATE OF status, slot_id ON booking
WHEN (OLD.status IN ('forespurt', 'tildelt')) <> (NEW.status IN ('forespurt', 'tildelt'))
  OR OLD.slot_id <> NEW.slot_id
BEGIN
    INSERT INTO free_slot_day (practitioner_id, purpose, day_start, free)
    SELECT s.practitioner_id, s.purpose, s.day_start, 1 FROM slot s
    WHERE OLD.status IN ('forespurt', 'tildelt')
      AND s.id = OLD.slot_id AND s.removed = 0 AND s.released = 1
      AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = s.id AND b.id <> OLD.id
                      AND b.status IN ('forespurt', 'tildelt'))
    ON CONFLICT (practitioner_id, purpose, day_start) DO UPDATE SET free = free + excluded.free;
    INSERT INTO free_slot_day (practitioner_id, purpose, day_start, free)
    SELECT s.practitioner_id, s.purpose, s.day_start, -1 FROM slot s
    WHERE NEW.status IN ('forespurt', 'tildelt')
      AND s.id = NEW.slot_id AND s.removed = 0 AND s.released = 1
      AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = s.id AND b.id <> NEW.id
                      AND b.status IN ('forespurt', 'tildelt'))
    ON CONFLICT (practitioner_id, purpose, day_start) DO UPDATE SET free = free + excluded.free;
END;

CREATE TRIGGER free_slot_day_booking_deleted AFTER DELETE ON booking
WHEN OLD.status IN ('forespurt', 'tildelt')
BEGIN
    INSERT INTO free_slot_day (practitioner_id, purpose, day_start, free)
    SELECT s.practitioner_id, s.purpose, s.day_start, 1 FROM slot s
    WHERE s.id = OLD.slot_id AND s.removed = 0 AND s.released = 1
      AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = s.id AND b.id <> OLD.id
                      AND b.status IN ('forespurt', 'tildelt'))
    ON CONFLICT (practitioner_id, purpose, day_start) DO UPDATE SET free = free + excluded.free;
END;
