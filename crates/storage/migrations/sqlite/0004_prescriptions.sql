-- The prescription register (standing in for the national prescription intermediary) and
-- renewal requests.

CREATE TABLE prescription (
    id                    INTEGER PRIMARY KEY,
    person_id             INTEGER NOT NULL REFERENCES person(id),
    drug_name             TEXT NOT NULL,
    strength              TEXT NOT NULL,
    form                  TEXT NOT NULL,
    dosage                TEXT NOT NULL,
    drug_group            TEXT NOT NULL,
    prescriber_name       TEXT NOT NULL,
    office_id             INTEGER REFERENCES gp_office(id),
    prescribed_on         TEXT NOT NULL,
    expires_on            TEXT NOT NULL,
    dispensations_allowed INTEGER NOT NULL,
    status                TEXT NOT NULL,
    renewed_from_id       INTEGER REFERENCES prescription(id),
    created_at            INTEGER NOT NULL
);
CREATE INDEX prescription_by_person ON prescription (person_id, prescribed_on);

CREATE TABLE dispensation (
    id              INTEGER PRIMARY KEY,
    prescription_id INTEGER NOT NULL REFERENCES prescription(id),
    dispensed_on    TEXT NOT NULL,
    pharmacy        TEXT NOT NULL
);
CREATE INDEX dispensation_by_prescription ON dispensation (prescription_id, dispensed_on);

-- The prescriptions a renewal request (a thread of kind "forny-resept") asks for.
CREATE TABLE renewal_item (
    thread_id       INTEGER NOT NULL REFERENCES message_thread(id),
    prescription_id INTEGER NOT NULL REFERENCES prescription(id),
    outcome         TEXT,
    PRIMARY KEY (thread_id, prescription_id)
);
CREATE INDEX renewal_item_by_prescription ON renewal_item (prescription_id);
