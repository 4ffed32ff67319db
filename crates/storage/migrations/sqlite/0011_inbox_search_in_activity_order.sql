-- PostgreSQL's Innboks search index is put in activity order in this version; SQLite's has
-- been since 0010, so it has nothing to change.
SELECT 1;
