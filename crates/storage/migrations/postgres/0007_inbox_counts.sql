-- How many threads each citizen's Innboks holds, kept as threads are written, so that the
-- inbox shows its count without counting ten thousand rows on every page.
CREATE TABLE inbox_count (
    citizen_id BIGINT PRIMARY KEY REFERENCES person(id),
    threads    BIGINT NOT NULL
);
INSERT INTO inbox_count (citizen_id, threads)
    SELECT citizen_id, COUNT(*) FROM message_thread GROUP BY citizen_id;
