-- Person register, GP offices and lists, consent, sessions and login state.
-- Times are Unix seconds (INTEGER); codes are the stable codes of the domain enums.

CREATE TABLE app_setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE person (
    id            INTEGER PRIMARY KEY,
    fnr           TEXT NOT NULL UNIQUE,
    given_name    TEXT NOT NULL,
    family_name   TEXT NOT NULL,
    birth_date    TEXT NOT NULL,
    street        TEXT NOT NULL,
    postal_code   TEXT NOT NULL,
    city          TEXT NOT NULL
);

CREATE TABLE parental_responsibility (
    parent_id INTEGER NOT NULL REFERENCES person(id),
    child_id  INTEGER NOT NULL REFERENCES person(id),
    PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX parental_responsibility_child ON parental_responsibility(child_id);

CREATE TABLE gp_office (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    street      TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    city        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    her_id      INTEGER NOT NULL UNIQUE
);

CREATE TABLE office_service (
    office_id INTEGER NOT NULL REFERENCES gp_office(id),
    service   TEXT NOT NULL,
    PRIMARY KEY (office_id, service)
);

CREATE TABLE practitioner (
    id           INTEGER PRIMARY KEY,
    office_id    INTEGER NOT NULL REFERENCES gp_office(id),
    given_name   TEXT NOT NULL,
    family_name  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    locum_for_id INTEGER REFERENCES practitioner(id)
);
CREATE INDEX practitioner_office ON practitioner(office_id);

CREATE TABLE gp_list_entry (
    person_id       INTEGER PRIMARY KEY REFERENCES person(id),
    practitioner_id INTEGER NOT NULL REFERENCES practitioner(id)
);
CREATE INDEX gp_list_entry_practitioner ON gp_list_entry(practitioner_id);

CREATE TABLE staff_member (
    id              INTEGER PRIMARY KEY,
    fnr             TEXT NOT NULL,
    office_id       INTEGER NOT NULL REFERENCES gp_office(id),
    role            TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    family_name     TEXT NOT NULL,
    practitioner_id INTEGER REFERENCES practitioner(id),
    UNIQUE (fnr, office_id)
);

CREATE TABLE consent (
    person_id INTEGER PRIMARY KEY REFERENCES person(id),
    level     TEXT NOT NULL,
    given_at  INTEGER NOT NULL
);

CREATE TABLE web_session (
    token_hash   TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    subject_id   INTEGER NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX web_session_subject ON web_session(kind, subject_id);

CREATE TABLE login_attempt (
    id_hash       TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    state         TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE idp_code (
    code_hash      TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    fnr            TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
