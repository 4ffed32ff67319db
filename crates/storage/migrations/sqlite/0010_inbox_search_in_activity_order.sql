-- The Innboks search index in activity order. A thread's row is keyed by its last activity and
-- its id (messages.rs, `search_key`) instead of by its id alone, so that the rowid order is the
-- inbox's order: a page of a search is the first rows FTS5 returns in descending rowid order,
-- and FTS5 stops there, where before every match was looked up and sorted (a citizen with
-- 10,000 threads may have a thousand matches). The index is contentless, so its rows are
-- written anew from the messages by the migrator after this file.
DROP TABLE inbox_search_terms;
DROP TABLE inbox_search;
CREATE VIRTUAL TABLE inbox_search USING fts5 (
    terms,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'ascii'
);
CREATE VIRTUAL TABLE inbox_search_terms USING fts5vocab (inbox_search, 'row');
