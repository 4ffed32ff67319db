-- Notifications: the citizen's contact details, codes that confirm a new number or address,
-- and the durable queue of notifications with what each one delivered.

-- The details in use; a new number or address is used only once its code is confirmed.
CREATE TABLE contact_details (
    person_id    INTEGER PRIMARY KEY REFERENCES person(id),
    mobile       TEXT,
    email        TEXT,
    notify_sms   INTEGER NOT NULL DEFAULT 0,
    notify_email INTEGER NOT NULL DEFAULT 0,
    language     TEXT NOT NULL DEFAULT 'nb',
    confirmed_at INTEGER NOT NULL
);

CREATE TABLE contact_confirmation (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES person(id),
    channel         TEXT NOT NULL,
    address         TEXT NOT NULL,
    code            TEXT NOT NULL,
    state           TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX contact_confirmation_person ON contact_confirmation (person_id, channel, state);

CREATE TABLE notification_job (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    thread_id       INTEGER REFERENCES message_thread(id),
    message_id      INTEGER REFERENCES message(id),
    confirmation_id INTEGER REFERENCES contact_confirmation(id),
    status          TEXT NOT NULL,
    run_at          INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    claim_token     TEXT,
    claimed_until   INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER
);
CREATE INDEX notification_job_due ON notification_job (run_at, id) WHERE status = 'pending';
CREATE INDEX notification_job_thread ON notification_job (thread_id);

-- One row per notification handed to a channel: a job run again skips what it delivered.
CREATE TABLE notification_delivery (
    job_id    INTEGER NOT NULL REFERENCES notification_job(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    channel   TEXT NOT NULL,
    address   TEXT NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    sent_at   INTEGER NOT NULL,
    PRIMARY KEY (job_id, person_id, channel)
);

-- When the citizen last opened the thread: a reminder is due only for a message not read since.
ALTER TABLE message_thread ADD COLUMN citizen_read_at INTEGER;
