-- SQLite keeps its Innboks search terms' counts in a table of their own in this version;
-- PostgreSQL has since 0011, so it has nothing to change.
SELECT 1;
