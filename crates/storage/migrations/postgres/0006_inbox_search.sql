-- Innboks search restricted to the citizen inside the index. Each thread has one row holding
-- the distinct words of the subject and of every message as lexemes "<citizen id>x<word>",
-- written by storage (messages.rs) with the words already split and lowercased and taken as
-- they are (array_to_tsvector, not the text parser), and written anew when a message is
-- added. A prefix search for '12xblod':* then reads only citizen 12's entries of the GIN
-- index, whatever the size of the population; the expression indexes of 0002 made the search
-- compute to_tsvector for every thread and message of the citizen instead.
DROP INDEX message_search;
DROP INDEX message_thread_search;

CREATE TABLE inbox_search (
    thread_id BIGINT PRIMARY KEY REFERENCES message_thread(id),
    terms     TSVECTOR NOT NULL
);
-- Without the pending list of GIN's fast update, every search reads the index alone and costs
-- the same however long ago the list was last merged; a thread's entries are written at once
-- instead. Bulk writers turn the list on for a while (messages.rs, bulk_search_writes).
CREATE INDEX inbox_search_terms ON inbox_search USING GIN (terms) WITH (fastupdate = off);
-- The rows of existing threads are written by the migrator after this file (backfill).
