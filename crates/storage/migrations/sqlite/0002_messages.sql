-- Messages between citizens and offices: e-consultations and "Kontakt legekontoret",
-- drafts of the e-consultation wizard, attachments, copayments and the staff access log.

-- An office is a GP office or a contract specialist ("avtalespesialist").
ALTER TABLE gp_office ADD COLUMN kind TEXT NOT NULL DEFAULT 'fastlegekontor';

-- Health contacts other than the GP (e.g. a specialist the citizen is treated by).
CREATE TABLE patient_contact (
    person_id INTEGER NOT NULL REFERENCES person(id),
    office_id INTEGER NOT NULL REFERENCES gp_office(id),
    PRIMARY KEY (person_id, office_id)
);

CREATE TABLE free_card (
    person_id  INTEGER NOT NULL REFERENCES person(id),
    valid_from TEXT NOT NULL,
    valid_to   TEXT NOT NULL,
    PRIMARY KEY (person_id, valid_from)
);

CREATE TABLE message_thread (
    id                INTEGER PRIMARY KEY,
    citizen_id        INTEGER NOT NULL REFERENCES person(id),
    sent_by_person_id INTEGER NOT NULL REFERENCES person(id),
    office_id         INTEGER NOT NULL REFERENCES gp_office(id),
    practitioner_id   INTEGER REFERENCES practitioner(id),
    kind              TEXT NOT NULL,
    subject           TEXT NOT NULL,
    status            TEXT NOT NULL,
    received_at       INTEGER NOT NULL,
    due_date          TEXT NOT NULL,
    last_activity_at  INTEGER NOT NULL,
    citizen_unread    INTEGER NOT NULL DEFAULT 0,
    idempotency_key   TEXT NOT NULL UNIQUE
);
CREATE INDEX message_thread_inbox ON message_thread (citizen_id, last_activity_at DESC, id DESC);
CREATE INDEX message_thread_unread ON message_thread (citizen_id, citizen_unread);
CREATE INDEX message_thread_queue ON message_thread (office_id, status, due_date, received_at);

CREATE TABLE message (
    id              INTEGER PRIMARY KEY,
    thread_id       INTEGER NOT NULL REFERENCES message_thread(id),
    sender          TEXT NOT NULL,
    sender_staff_id INTEGER REFERENCES staff_member(id),
    sender_name     TEXT NOT NULL,
    body            TEXT NOT NULL,
    sent_at         INTEGER NOT NULL
);
CREATE INDEX message_by_thread ON message (thread_id, sent_at);

CREATE TABLE message_draft (
    id                 TEXT PRIMARY KEY,
    actor_person_id    INTEGER NOT NULL REFERENCES person(id),
    citizen_id         INTEGER NOT NULL REFERENCES person(id),
    office_id          INTEGER NOT NULL REFERENCES gp_office(id),
    practitioner_id    INTEGER REFERENCES practitioner(id),
    accepted_copayment INTEGER NOT NULL DEFAULT 0,
    subject            TEXT NOT NULL DEFAULT '',
    symptoms           TEXT NOT NULL DEFAULT '',
    daily_life         TEXT NOT NULL DEFAULT '',
    tried              INTEGER,
    treatment          TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    sent_thread_id     INTEGER REFERENCES message_thread(id)
);

CREATE TABLE attachment (
    id           INTEGER PRIMARY KEY,
    draft_id     TEXT REFERENCES message_draft(id),
    message_id   INTEGER REFERENCES message(id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    storage_key  TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL
);
CREATE INDEX attachment_by_message ON attachment (message_id);
CREATE INDEX attachment_by_draft ON attachment (draft_id);

CREATE TABLE copayment_charge (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES person(id),
    thread_id  INTEGER NOT NULL UNIQUE REFERENCES message_thread(id),
    service    TEXT NOT NULL,
    amount_nok INTEGER NOT NULL,
    charged_at INTEGER NOT NULL
);
CREATE INDEX copayment_charge_person ON copayment_charge (person_id, charged_at);

CREATE TABLE access_log (
    id         INTEGER PRIMARY KEY,
    staff_id   INTEGER NOT NULL REFERENCES staff_member(id),
    citizen_id INTEGER NOT NULL REFERENCES person(id),
    thread_id  INTEGER REFERENCES message_thread(id),
    action     TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX access_log_citizen ON access_log (citizen_id, at);

-- Full-text search of the inbox: one row per message, with the thread's subject.
CREATE VIRTUAL TABLE message_search USING fts5 (
    text,
    thread_id UNINDEXED,
    citizen_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 0'
);
