-- SQLite keys its search index by the threads' activity in this version. PostgreSQL's GIN index
-- returns matches in no order, so its rows stay keyed by the thread's id.
COMMENT ON TABLE inbox_search IS
    'Innboks search: one row per thread, keyed by its id, entries "<citizen id>x<word>" (see messages.rs)';
