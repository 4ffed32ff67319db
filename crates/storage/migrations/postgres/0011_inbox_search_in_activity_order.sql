-- The Innboks search in activity order, as 0010 made it on SQLite. GIN returns the matches of a
-- search in no order, so a page of a search for a word in 1,250 of a citizen's 10,000 threads
-- read and sorted all 1,250, and its count read them again (3 ms). Now each term of each
-- thread is an entry of a B-tree in the inbox's order (term, last activity, thread): a page is
-- the first entries of its term after the cursor, read backwards, and the index stops there.
-- The vocabulary holds each term's count of threads, as FTS5's does on SQLite: a search looks
-- up which terms begin each word there, and a one-word search of one term has its count.
-- Storage writes the entries and counts with the search row (messages.rs, write_search_row);
-- the row keeps its activity time, so that the entries it had can be found again.
ALTER TABLE inbox_search ADD COLUMN last_activity_at BIGINT;
UPDATE inbox_search s SET last_activity_at = t.last_activity_at
    FROM message_thread t WHERE t.id = s.thread_id;
ALTER TABLE inbox_search ALTER COLUMN last_activity_at SET NOT NULL;
DROP INDEX inbox_search_terms;
-- Byte order ("C"), so that the terms that begin with a word are one range, whatever the
-- database's collation.
CREATE TABLE inbox_search_entry (
    term             TEXT COLLATE "C" NOT NULL,
    last_activity_at BIGINT NOT NULL,
    thread_id        BIGINT NOT NULL,
    PRIMARY KEY (term, last_activity_at, thread_id)
);
CREATE TABLE inbox_search_terms (
    term TEXT COLLATE "C" PRIMARY KEY,
    doc  BIGINT NOT NULL
);
-- The entries and counts of the rows written before are derived by the migrator after this
-- file (messages.rs, derive_search_entries).
