-- Each term's count of threads in the Innboks search index, kept in a table of its own as the
-- threads are written (messages.rs, `write_sqlite_search_row`), in place of FTS5's vocabulary
-- view. The view prepared a statement on every read and counted a term's threads by reading
-- its whole entry list, about half of a search's time in SQLite; a count kept on write is
-- read by key, as on PostgreSQL since 0011. A term no thread holds any more keeps a count of 0.
CREATE TABLE inbox_search_term_count (
    term TEXT PRIMARY KEY,
    doc INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO inbox_search_term_count (term, doc) SELECT term, doc FROM inbox_search_terms;
DROP TABLE inbox_search_terms;
ALTER TABLE inbox_search_term_count RENAME TO inbox_search_terms;
