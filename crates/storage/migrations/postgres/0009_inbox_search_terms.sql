-- SQLite gets a vocabulary table of its search index in this version; PostgreSQL's GIN index
-- finds the terms that begin with a word itself, so only the table's purpose is written down.
COMMENT ON TABLE inbox_search IS
    'Innboks search: one row per thread, entries "<citizen id>x<word>" (see messages.rs)';
