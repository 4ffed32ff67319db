-- The count of free slots of each practitioner, purpose and day, from which a month's calendar
-- marks its free days in one range read instead of probing the slots of every day (each probe
-- also looking for a booking of the slot it finds). A slot is free when it is published (not
-- removed), released and held by no request or booking. The triggers keep the counts with
-- every write of a slot or a booking, whichever statement makes it. A count's row is locked
-- from the write that changes it to the end of its transaction, so bookings of one
-- practitioner's slots on one day take their turn there.
ALTER TABLE slot ALTER COLUMN day_start SET NOT NULL;

CREATE TABLE free_slot_day (
    practitioner_id BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    day_start BIGINT NOT NULL,
    free BIGINT NOT NULL,
    PRIMARY KEY (practitioner_id, purpose, day_start)
);

INSERT INTO free_slot_day (practitioner_id, purpose, day_start, free)
SELECT s.practitioner_id, s.purpose, s.day_start, COUNT(*) FROM slot s
WHERE s.removed = 0 AND s.released = 1
  AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = s.id AND b.status IN ('forespurt', 'tildelt'))
GROUP BY s.practitioner_id, s.purpose, s.day_start;

-- Changes the count of a practitioner's free slots on a day.
CREATE FUNCTION free_slot_day_change(practitioner BIGINT, slot_purpose TEXT, day BIGINT, change BIGINT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO free_slot_day (practitioner_id, purpose, day_start, free)
    VALUES (practitioner, slot_purpose, day, change)
    ON CONFLICT (practitioner_id, purpose, day_start) DO UPDATE SET free = free_slot_day.free + EXCLUDED.free
$$;

-- Whether a request or booking other than `except_booking` holds the slot.
CREATE FUNCTION slot_held(slot BIGINT, except_booking BIGINT)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = slot AND b.id IS DISTINCT FROM except_booking
                   AND b.status IN ('forespurt', 'tildelt'))
$$;

CREATE FUNCTION free_slot_day_of_slot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.removed = 0 AND OLD.released = 1 AND NOT slot_held(OLD.id, NULL) THEN
            PERFORM free_slot_day_change(OLD.practitioner_id, OLD.purpose, OLD.day_start, -1);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NEW.removed = 0 AND NEW.released = 1 AND NOT slot_held(NEW.id, NULL) THEN
            PERFORM free_slot_day_change(NEW.practitioner_id, NEW.purpose, NEW.day_start, 1);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER free_slot_day_slot
AFTER INSERT OR DELETE OR UPDATE OF removed, released, practitioner_id, purpose, day_start ON slot
FOR EACH ROW EXECUTE FUNCTION free_slot_day_of_slot();

-- A booking that starts holding its slot takes it from the free ones, one that stops gives
-- it back, unless another holds it (which the one-holder index does not let happen).
CREATE FUNCTION free_slot_day_of_booking() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.status IN ('forespurt', 'tildelt') THEN
            PERFORM free_slot_day_change(s.practitioner_id, s.purpose, s.day_start, 1) FROM slot s
            WHERE s.id = OLD.slot_id AND s.removed = 0 AND s.released = 1 AND NOT slot_held(s.id, OLD.id);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NEW.status IN ('forespurt', 'tildelt') THEN
            PERFORM free_slot_day_change(s.practitioner_id, s.purpose, s.day_start, -1) FROM slot s
            WHERE s.id = NEW.slot_id AND s.removed = 0 AND s.released = 1 AND NOT slot_held(s.id, NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER free_slot_day_booking_added_or_deleted
AFTER INSERT OR DELETE ON booking
FOR EACH ROW EXECUTE FUNCTION free_slot_day_of_booking();

CREATE TRIGGER free_slot_day_booking_changed
AFTER UPDATE OF status, slot_id ON booking
FOR EACH ROW
WHEN ((OLD.status IN ('forespurt', 'tildelt')) IS DISTINCT FROM (NEW.status IN ('forespurt', 'tildelt'))
      OR OLD.slot_id IS DISTINCT FROM NEW.slot_id)
EXECUTE FUNCTION free_slot_day_of_booking();
