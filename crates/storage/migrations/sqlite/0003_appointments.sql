-- Appointment slots the offices publish, and the citizens' bookings of them.

-- How the office takes bookings: published slots ("timebestilling") or enquiries handled by
-- hand ("foresporsel"), and how long before the start a citizen may cancel.
ALTER TABLE gp_office ADD COLUMN booking_mode TEXT NOT NULL DEFAULT 'timebestilling';
ALTER TABLE gp_office ADD COLUMN cancel_notice_hours INTEGER NOT NULL DEFAULT 24;

CREATE TABLE closing_day (
    office_id INTEGER NOT NULL REFERENCES gp_office(id),
    day       TEXT NOT NULL,
    PRIMARY KEY (office_id, day)
);

CREATE TABLE slot (
    id               INTEGER PRIMARY KEY,
    office_id        INTEGER NOT NULL REFERENCES gp_office(id),
    practitioner_id  INTEGER NOT NULL REFERENCES practitioner(id),
    starts_at        INTEGER NOT NULL,
    duration_minutes INTEGER NOT NULL,
    appointment_type TEXT NOT NULL,
    place            TEXT NOT NULL,
    released         INTEGER NOT NULL,
    purpose          TEXT NOT NULL,
    removed          INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX slot_one_per_start ON slot (practitioner_id, starts_at) WHERE removed = 0;
CREATE INDEX slot_by_practitioner ON slot (practitioner_id, purpose, starts_at);

CREATE TABLE booking (
    id                  INTEGER PRIMARY KEY,
    slot_id             INTEGER NOT NULL REFERENCES slot(id),
    citizen_id          INTEGER NOT NULL REFERENCES person(id),
    booked_by_person_id INTEGER NOT NULL REFERENCES person(id),
    reason              TEXT NOT NULL,
    status              TEXT NOT NULL,
    requested_at        INTEGER NOT NULL,
    answered_at         INTEGER,
    answer_text         TEXT,
    thread_id           INTEGER REFERENCES message_thread(id),
    idempotency_key     TEXT NOT NULL UNIQUE
);
-- A slot is never given twice: at most one request or confirmed booking per slot, whatever
-- the load and however many app processes race for it.
CREATE UNIQUE INDEX booking_one_per_slot ON booking (slot_id) WHERE status IN ('forespurt', 'tildelt');
CREATE INDEX booking_by_citizen ON booking (citizen_id, requested_at);
CREATE INDEX booking_by_thread ON booking (thread_id);
