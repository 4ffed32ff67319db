-- Innboks search restricted to the citizen inside the index. Each thread has one row, its
-- rowid the thread's id, holding the distinct words of the subject and of every message as
-- entries "<citizen id>x<word>", written by storage (messages.rs) with the words already split
-- and lowercased, and written anew when a message is added. A prefix search for "12xblod"
-- then reads only citizen 12's entries, whatever the size of the population; the table of
-- 0002 found every citizen's messages with the word and then kept the citizen's.
--
-- Contentless (the text is in `message`) with rows that can be replaced, without positions
-- (nothing ranks or matches phrases), and with the ascii tokenizer, which keeps every entry
-- one token: an entry holds only letters and digits, and non-ASCII letters are token
-- characters.
DROP TABLE message_search;
CREATE VIRTUAL TABLE inbox_search USING fts5 (
    terms,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'ascii'
);
-- The rows of existing threads are written by the migrator after this file (backfill).
