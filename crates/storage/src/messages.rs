//! Threads of messages between a citizen and an office (e-consultations, "Kontakt
//! legekontoret"), the e-consultation drafts, attachments, the inbox and its search, the
//! office's work queue, answers with their copayment, and the staff access log.

use std::sync::LazyLock;

use domain::GpService;
use domain::econsultation::Draft;
use jiff::civil::Date;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::reads::ReadRow;
use crate::{Backend, Database, StorageError, random_token};

/// Whether a thread waits for the office or has its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadStatus {
    Open,
    Answered,
}

impl ThreadStatus {
    fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
        }
    }

    fn from_code(code: &str) -> Result<Self, StorageError> {
        match code {
            "open" => Ok(Self::Open),
            "answered" => Ok(Self::Answered),
            other => Err(StorageError::Corrupt(format!("thread status {other}"))),
        }
    }
}

fn service_from(code: &str) -> Result<GpService, StorageError> {
    GpService::from_code(code).ok_or_else(|| StorageError::Corrupt(format!("thread kind {code}")))
}

/// An e-consultation being written, step by step.
#[derive(Debug, Clone)]
pub struct MessageDraft {
    pub id: String,
    pub actor_person_id: i64,
    pub citizen_id: i64,
    pub office_id: i64,
    pub practitioner_id: Option<i64>,
    pub accepted_copayment: bool,
    pub fields: Draft,
    pub created_at: i64,
    pub sent_thread_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub storage_key: String,
}

/// A file to link to a draft, its bytes already in object storage under `storage_key`.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: &'static str,
    pub size_bytes: i64,
    pub storage_key: String,
}

/// A new thread: the first message and where it goes.
#[derive(Debug, Clone)]
pub struct NewThread<'a> {
    pub citizen_id: i64,
    pub sent_by_person_id: i64,
    pub sender_name: &'a str,
    pub office_id: i64,
    pub practitioner_id: Option<i64>,
    pub kind: GpService,
    pub subject: &'a str,
    pub body: &'a str,
    /// Sending the same form twice gives the same thread: the draft id, or the form's key.
    pub idempotency_key: &'a str,
    /// The draft whose attachments go with the message.
    pub draft_id: Option<&'a str>,
    pub received_at: i64,
    pub due_date: Date,
}

/// What sending did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub thread_id: i64,
    /// The same form had been sent before; nothing new was written.
    pub already_sent: bool,
}

/// One line of the inbox or the work queue.
#[derive(Debug, Clone)]
pub struct ThreadSummary {
    pub id: i64,
    pub citizen_id: i64,
    pub citizen_name: String,
    pub kind: GpService,
    pub subject: String,
    pub status: ThreadStatus,
    pub office_name: String,
    pub practitioner_name: Option<String>,
    pub received_at: i64,
    pub due_date: Date,
    pub last_activity_at: i64,
    pub unread: bool,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: i64,
    pub from_office: bool,
    pub sender_name: String,
    pub body: String,
    pub sent_at: i64,
    pub attachments: Vec<Attachment>,
}

/// A page of the inbox (or of a search in it), and how many threads there are in all.
#[derive(Debug, Clone)]
pub struct InboxListing {
    /// Newest activity first.
    pub threads: Vec<ThreadSummary>,
    /// Every thread of the inbox, or every thread the search finds (not only this page).
    pub total: i64,
}

/// Where the inbox continues: the last line shown (keyset pagination).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxCursor {
    pub last_activity_at: i64,
    pub id: i64,
}

/// An answer from an office to a thread.
#[derive(Debug, Clone, Copy)]
pub struct NewAnswer<'a> {
    pub thread_id: i64,
    pub office_id: i64,
    pub staff_id: i64,
    pub staff_name: &'a str,
    pub body: &'a str,
    /// The copayment to charge, in whole kroner; `None` when nothing is charged.
    pub copayment_nok: Option<i64>,
    pub now: i64,
}

/// The front page's own facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrontPageFacts {
    pub unread: i64,
    pub contact_confirmed_at: Option<i64>,
}

/// The columns of the front page's facts about the citizen whose id is the SQL `citizen`.
pub(crate) fn front_page_facts_columns(citizen: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM message_thread WHERE citizen_id = {citizen} AND citizen_unread = 1) AS unread, \
         (SELECT confirmed_at FROM contact_details WHERE person_id = {citizen}) AS contact_confirmed_at"
    )
}

pub(crate) fn front_page_facts_from_row(
    row: &impl ReadRow,
) -> Result<FrontPageFacts, StorageError> {
    Ok(FrontPageFacts {
        unread: row.value("unread")?,
        contact_confirmed_at: row.value("contact_confirmed_at")?,
    })
}

/// What answering did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    Done,
    /// Someone answered first; nothing was written.
    AlreadyAnswered,
}

/// A staff member's look at a citizen's data.
#[derive(Debug, Clone)]
pub struct AccessLogEntry {
    pub staff_id: i64,
    pub staff_name: String,
    pub office_name: String,
    /// The subject of the thread looked at.
    pub subject: Option<String>,
    pub citizen_id: i64,
    pub thread_id: Option<i64>,
    pub action: String,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopaymentCharge {
    pub thread_id: i64,
    pub amount_nok: i64,
    pub charged_at: i64,
}

const DRAFT_COLUMNS: &str = "id, actor_person_id, citizen_id, office_id, practitioner_id, accepted_copayment, \
     subject, symptoms, daily_life, tried, treatment, created_at, sent_thread_id";

fn draft_from_row(row: &AnyRow) -> Result<MessageDraft, StorageError> {
    let tried: Option<i64> = row.try_get("tried")?;
    Ok(MessageDraft {
        id: row.try_get("id")?,
        actor_person_id: row.try_get("actor_person_id")?,
        citizen_id: row.try_get("citizen_id")?,
        office_id: row.try_get("office_id")?,
        practitioner_id: row.try_get("practitioner_id")?,
        accepted_copayment: row.try_get::<i64, _>("accepted_copayment")? != 0,
        fields: Draft {
            subject: row.try_get("subject")?,
            symptoms: row.try_get("symptoms")?,
            daily_life: row.try_get("daily_life")?,
            tried: tried.map(|t| t != 0),
            treatment: row.try_get("treatment")?,
        },
        created_at: row.try_get("created_at")?,
        sent_thread_id: row.try_get("sent_thread_id")?,
    })
}

fn attachment_from_row(row: &AnyRow) -> Result<Attachment, StorageError> {
    Ok(Attachment {
        id: row.try_get("id")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size_bytes: row.try_get("size_bytes")?,
        storage_key: row.try_get("storage_key")?,
    })
}

/// The columns of a thread's summary from the thread `t`, with the citizen whose name it
/// shows given as SQL, and optionally the SQL of the office's and the practitioner's names.
/// The names are each looked up by their key for the thread's row, not joined: PostgreSQL's
/// generic plan for a kept statement takes every citizen for an average one with a handful of
/// threads, and joined the names of a page of a search by hashing all of a large inbox's
/// threads, or all offices for each of the page's threads, many times the work of the page.
macro_rules! summary_columns {
    ($citizen:literal) => {
        summary_columns!(
            $citizen,
            "(SELECT o.name FROM gp_office o WHERE o.id = t.office_id)",
            "(SELECT pr.given_name || ' ' || pr.family_name FROM practitioner pr WHERE pr.id = t.practitioner_id)"
        )
    };
    ($citizen:literal, $office:literal, $practitioner:literal) => {
        concat!(
            "t.id, t.citizen_id, \
             (SELECT p.given_name || ' ' || p.family_name FROM person p WHERE p.id = ",
            $citizen,
            ") AS citizen_name, t.kind, t.subject, t.status, ",
            $office,
            " AS office_name, ",
            $practitioner,
            " AS practitioner_name, t.received_at, t.due_date, t.last_activity_at, t.citizen_unread"
        )
    };
}

/// A thread's summary, its citizen's name looked up for the thread.
const SUMMARY_COLUMNS: &str = summary_columns!("t.citizen_id");

/// A thread's summary in the inbox of the citizen in `$1`: every thread of the page is the
/// citizen's, so the name is looked up once for the page (an uncorrelated subquery), not once
/// per thread, which was a good share of the index probes of a page on PostgreSQL.
const INBOX_SUMMARY_COLUMNS: &str = summary_columns!("$1");

/// `INBOX_SUMMARY_COLUMNS` with the office's and the practitioner's names from the lateral
/// subqueries `POSTGRES_SUMMARY_NAMES` joins.
const POSTGRES_INBOX_SUMMARY_COLUMNS: &str =
    summary_columns!("$1", "office_names.name", "practitioner_names.name");

/// On PostgreSQL, the office's and the practitioner's names of each thread `t` as lateral
/// subqueries, which the planner may not flatten (`OFFSET 0`): it then keeps the names found
/// (a `Memoize` node), so a page of threads of one office and one GP looks each up once,
/// where a scalar subquery per name and thread looked them up for every thread. (The Innboks
/// page without a search gained nothing measurable.)
const POSTGRES_SUMMARY_NAMES: &str = "LEFT JOIN LATERAL (SELECT o.name FROM gp_office o WHERE o.id = t.office_id OFFSET 0) \
     office_names ON true \
     LEFT JOIN LATERAL (SELECT pr.given_name || ' ' || pr.family_name AS name FROM practitioner pr \
     WHERE pr.id = t.practitioner_id OFFSET 0) practitioner_names ON true";

fn summary_from_row(row: &impl ReadRow) -> Result<ThreadSummary, StorageError> {
    let kind: String = row.value("kind")?;
    let status: String = row.value("status")?;
    let due: String = row.value("due_date")?;
    Ok(ThreadSummary {
        id: row.value("id")?,
        citizen_id: row.value("citizen_id")?,
        citizen_name: row.value("citizen_name")?,
        kind: service_from(&kind)?,
        subject: row.value("subject")?,
        status: ThreadStatus::from_code(&status)?,
        office_name: row.value("office_name")?,
        practitioner_name: row.value("practitioner_name")?,
        received_at: row.value("received_at")?,
        due_date: due
            .parse()
            .map_err(|e| StorageError::Corrupt(format!("due date: {e}")))?,
        last_activity_at: row.value("last_activity_at")?,
        unread: row.value::<i64>("citizen_unread")? != 0,
    })
}

/// Words longer than this (in characters) are cut, in the index and in the search alike, so
/// that a long word is still found (as a prefix) and no entry grows without bound.
const MAX_WORD_CHARS: usize = 64;

/// The words of a text as Innboks search sees them: runs of letters and digits, lowercased and
/// cut at `MAX_WORD_CHARS`. The same function splits what is indexed and what is searched for,
/// so both engines and both sides agree, and only letters and digits ever reach an index entry
/// or a query.
fn search_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .take(MAX_WORD_CHARS)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
}

/// One index entry: the word behind the id of the citizen whose inbox holds it. The id is
/// digits and the word starts after the `x`, so `12x...` never begins `123x...`: a prefix
/// search for `12xblod` reads citizen 12's words that begin with "blod" and nothing else.
fn owned_term(owner: i64, word: &str) -> String {
    format!("{owner}x{word}")
}

/// The index entries of a thread: each distinct word of `texts`, owned by `owner`, separated
/// by spaces.
fn search_terms(owner: i64, texts: &[&str]) -> String {
    let mut words: Vec<String> = texts.iter().flat_map(|t| search_words(t)).collect();
    words.sort_unstable();
    words.dedup();
    words
        .iter()
        .map(|w| owned_term(owner, w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of a search for `input` in the inbox of `owner` as index entries begin: at most
/// eight, each owned by `owner` (`owned_term`), all required. Only letters and digits of the
/// input reach them, and from them the index.
fn search_prefixes(owner: i64, input: &str) -> Vec<String> {
    search_words(input)
        .take(8)
        .map(|word| owned_term(owner, &word))
        .collect()
}

/// At most this many terms that begin with a word are looked up exactly; a word that begins
/// more of the citizen's terms (a word of one or two letters) is matched as a prefix.
const MAX_EXACT_TERMS: usize = 16;

/// What a word of a search matches among the citizen's index entries.
#[derive(Debug, Clone)]
enum WordMatch {
    /// The terms that begin with the word, each with the count of threads that hold it.
    Terms(Vec<(String, i64)>),
    /// The word begins more than `MAX_EXACT_TERMS` terms: entries that begin with this.
    Prefix(String),
}

impl WordMatch {
    /// How many threads may hold the word, to choose the one a search reads first.
    fn estimated_threads(&self) -> i64 {
        match self {
            Self::Terms(terms) => terms.iter().map(|(_, threads)| threads).sum(),
            Self::Prefix(_) => i64::MAX,
        }
    }
}

/// The end of the range of the terms that begin with `prefix`: the prefix followed by the
/// last character there is.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}{}", char::MAX)
}

/// A search in an inbox as the engine runs it.
#[derive(Debug, Clone)]
struct SearchQuery {
    words: Vec<WordMatch>,
    /// How many threads it finds, when the vocabulary tells without a count: for one word that
    /// begins one term, the count of threads holding that term; none for a word that begins
    /// no term.
    threads: Option<i64>,
}

impl SearchQuery {
    /// On SQLite, in FTS5's syntax: each word as its terms, matched exactly, or as a prefix.
    fn fts5_text(&self) -> String {
        self.words
            .iter()
            .map(|word| match word {
                WordMatch::Prefix(prefix) => format!("\"{prefix}\"*"),
                WordMatch::Terms(terms) => {
                    let exact: Vec<String> = terms
                        .iter()
                        .map(|(term, _)| format!("\"{term}\""))
                        .collect();
                    format!("({})", exact.join(" OR "))
                }
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// On PostgreSQL, the conditions on `inbox_search_entry` rows (the entries of a term in
    /// activity order) that find the search's threads, with parameters numbered from `first`.
    fn postgres_match(&self, first: usize) -> PostgresMatch {
        let mut args = Vec::new();
        let mut condition = |alias: &str, word: &WordMatch| {
            let n = first + args.len();
            match word {
                WordMatch::Terms(terms) if terms.len() == 1 => {
                    args.push(terms[0].0.clone());
                    format!("{alias}.term = ${n}")
                }
                WordMatch::Terms(terms) => {
                    let list: Vec<&str> = terms.iter().map(|(term, _)| term.as_str()).collect();
                    args.push(list.join(" "));
                    format!("{alias}.term = ANY(string_to_array(${n}, ' '))")
                }
                WordMatch::Prefix(prefix) => {
                    args.push(prefix.clone());
                    args.push(prefix_end(prefix));
                    format!("{alias}.term >= ${n} AND {alias}.term < ${}", n + 1)
                }
            }
        };
        let drive = self
            .words
            .iter()
            .enumerate()
            .min_by_key(|(_, word)| word.estimated_threads())
            .map_or(0, |(index, _)| index);
        let mut conditions = vec![condition("e", &self.words[drive])];
        for (index, word) in self.words.iter().enumerate() {
            if index != drive {
                let alias = format!("o{index}");
                conditions.push(format!(
                    "EXISTS (SELECT 1 FROM inbox_search_entry {alias} WHERE {} \
                     AND {alias}.last_activity_at = e.last_activity_at AND {alias}.thread_id = e.thread_id)",
                    condition(&alias, word)
                ));
            }
        }
        let one_term = matches!(&self.words[drive], WordMatch::Terms(terms) if terms.len() == 1);
        PostgresMatch {
            condition: conditions.join(" AND "),
            // A thread has one entry per term, so the entries of several terms of one word may
            // name it more than once.
            distinct: if one_term { "" } else { "DISTINCT " },
            args,
        }
    }
}

/// What finds a search's threads among PostgreSQL's entries (`SearchQuery::postgres_match`):
/// a condition on the entries `e` of the word read first (the one fewest threads hold), with a
/// check that the same thread holds each other word.
struct PostgresMatch {
    condition: String,
    distinct: &'static str,
    args: Vec<String>,
}

impl PostgresMatch {
    /// `SELECT COUNT(*)` of the threads it finds.
    fn count_sql(&self) -> String {
        format!(
            "SELECT COUNT(*) AS n FROM (SELECT {}e.thread_id FROM inbox_search_entry e WHERE {}) matched",
            self.distinct, self.condition
        )
    }
}

/// Pages of SQLite's search index that one step of the merge writes: a step holds the write
/// turn for some milliseconds, so the writes of the day wait little behind it.
const SEARCH_MERGE_STEP_PAGES: i64 = 200;

impl Database {
    /// Merges SQLite's search index into one segment, in steps of about 200 pages in the write
    /// turn with `pause` between them, and returns how many steps merged anything. FTS5 writes
    /// the index in segments as transactions come and merges them only as far as its
    /// `automerge` goes, and a search looks each word up in every segment, so a search costs
    /// more the more segments there are. Run at night, this keeps a live index as fast as a
    /// new one. PostgreSQL's search is B-trees, with nothing to merge (0 steps).
    pub async fn merge_search_index(
        &self,
        pause: std::time::Duration,
    ) -> Result<u32, StorageError> {
        if self.backend() != Backend::Sqlite {
            return Ok(0);
        }
        // One pass over the index at most: each write that comes meanwhile adds a segment, and
        // merging that in would begin the pass again, so a steady trickle of writes would keep
        // the merge going all night. What they add waits for the next night.
        let pages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbox_search_data")
            .fetch_one(self.pool())
            .await?;
        let most_steps = pages / SEARCH_MERGE_STEP_PAGES * 5 / 4 + 2;
        let mut steps = 0;
        while i64::from(steps) < most_steps && self.merge_search_index_step().await? {
            steps += 1;
            tokio::time::sleep(pause).await;
        }
        Ok(steps)
    }

    /// One step of [`Self::merge_search_index`]; whether it merged anything. A negative page
    /// count has FTS5 treat all segments as one level and merge as few as two, and go on with a
    /// merge begun by an earlier step; with one segment left it does nothing.
    async fn merge_search_index_step(&self) -> Result<bool, StorageError> {
        let mut connection = self.write_connection().await?;
        let changes = "SELECT total_changes()";
        let before: i64 = sqlx::query_scalar(changes)
            .fetch_one(&mut *connection)
            .await?;
        sqlx::query("INSERT INTO inbox_search (inbox_search, rank) VALUES ('merge', $1)")
            .bind(-SEARCH_MERGE_STEP_PAGES)
            .execute(&mut *connection)
            .await?;
        let after: i64 = sqlx::query_scalar(changes)
            .fetch_one(&mut *connection)
            .await?;
        // FTS5's documented sign of work done: two changes or more.
        Ok(after - before >= 2)
    }
}

impl Database {
    /// The search for `input` in the inbox of `owner` as the engine runs it (`None` without
    /// one, or when no word is left). Each word becomes the owner's terms that begin with it,
    /// read from the index's vocabulary (`inbox_search_terms`, with each term's count of
    /// threads) and matched exactly, which finds the same threads as the prefix and is
    /// cheaper: on SQLite FTS5 merges the entry lists of all terms of a prefix before it
    /// returns the first match, and on PostgreSQL a page of one term is the first entries of
    /// its B-tree.
    async fn search_query(
        &self,
        owner: i64,
        input: Option<&str>,
    ) -> Result<Option<SearchQuery>, StorageError> {
        static TERMS_SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT term, doc FROM inbox_search_terms WHERE term >= $1 AND term < $2 AND doc > 0 \
                 ORDER BY term LIMIT {}",
                MAX_EXACT_TERMS + 1
            )
        });
        let prefixes = search_prefixes(owner, input.unwrap_or_default());
        if prefixes.is_empty() {
            return Ok(None);
        }
        let mut words = Vec::with_capacity(prefixes.len());
        for prefix in prefixes {
            let end = prefix_end(&prefix);
            let terms: Vec<(String, i64)> = self
                .read(&TERMS_SQL)
                .bind(prefix.as_str())
                .bind(end.as_str())
                .all(|row| Ok((row.value("term")?, row.value("doc")?)))
                .await?;
            words.push(if terms.len() > MAX_EXACT_TERMS {
                WordMatch::Prefix(prefix)
            } else {
                WordMatch::Terms(terms)
            });
        }
        let holds_nothing = |word: &WordMatch| matches!(word, WordMatch::Terms(t) if t.is_empty());
        let threads = if words.iter().any(holds_nothing) {
            // A word no thread holds: nothing is found.
            Some(0)
        } else if let [WordMatch::Terms(terms)] = words.as_slice()
            && let [(_, threads)] = terms.as_slice()
        {
            Some(*threads)
        } else {
            None
        };
        Ok(Some(SearchQuery { words, threads }))
    }
}

/// Where the activity time of a SQLite search key counts from: 2020-01-01T00:00:00Z.
const SEARCH_KEY_EPOCH: i64 = 1_577_836_800;

/// The low 32 bits of a search key, which hold the thread's id.
const SEARCH_KEY_THREAD_BITS: i64 = 0xFFFF_FFFF;

/// The rowid of a thread's row in SQLite's search index: the thread's last activity (seconds
/// since `SEARCH_KEY_EPOCH`, from 1952 to 2088) in the high 32 bits and its id (below 2^32) in
/// the low 32. The index's rowid order is then the inbox's order (latest activity first, then
/// the higher id), and FTS5 returns the newest matches first and stops after a page, where
/// keyed by the thread's id it had to hand every match to a sort (a large inbox may have
/// thousands). A thread's key changes when its activity moves on (`add_message`), and its row
/// moves with it.
fn search_key(last_activity_at: i64, thread_id: i64) -> Result<i64, StorageError> {
    let seconds = i32::try_from(last_activity_at - SEARCH_KEY_EPOCH).map_err(|_| {
        StorageError::Corrupt(format!(
            "thread {thread_id}: activity time {last_activity_at} outside the search index's range"
        ))
    })?;
    let id = u32::try_from(thread_id).map_err(|_| {
        StorageError::Corrupt(format!(
            "thread id {thread_id} outside the search index's range"
        ))
    })?;
    Ok((i64::from(seconds) << 32) | i64::from(id))
}

/// The largest search key of a thread shown after `cursor` (the keys of the lines that come
/// later are smaller). A cursor comes from the address, so any values give a bound: those
/// beyond the keys' range give the bound of everything or of nothing.
fn search_key_bound(cursor: Option<InboxCursor>) -> i64 {
    let Some(cursor) = cursor else {
        return i64::MAX;
    };
    let seconds = i128::from(cursor.last_activity_at) - i128::from(SEARCH_KEY_EPOCH);
    let id = i128::from(cursor.id).clamp(0, 1 << 32);
    let before = (seconds << 32) + id - 1;
    i64::try_from(before.clamp(i128::from(i64::MIN), i128::from(i64::MAX))).unwrap_or(i64::MAX)
}

/// The threads of the citizen in `$1`, as kept while threads are written (no row for a
/// citizen without any).
const INBOX_COUNT_SQL: &str = "SELECT threads FROM inbox_count WHERE citizen_id = $1";

/// `SELECT COUNT(*)` of SQLite's index rows that match the search in `param` (FTS5's syntax).
/// Every entry of the index carries the citizen whose thread it is (`owned_term`), so the
/// matches are the citizen's threads and are counted without reading the threads.
fn sqlite_match_count_sql(param: &str) -> String {
    format!("SELECT COUNT(*) FROM inbox_search WHERE inbox_search MATCH {param}")
}

/// The summaries a page's read finds, and the count of all: `known`, or else the count each
/// row carries in its `total` column (none when the page is empty).
async fn summaries_with_total(
    read: crate::reads::Read<'_, '_>,
    known: Option<i64>,
) -> Result<(Vec<ThreadSummary>, Option<i64>), StorageError> {
    let mut total = known;
    let threads = read
        .all(|row| {
            if known.is_none() {
                total = Some(row.value::<Option<i64>>("total")?.unwrap_or(0));
            }
            summary_from_row(row)
        })
        .await?;
    Ok((threads, total))
}

/// The search row of a thread: the distinct words of its subject and of all its messages, in
/// the inbox of its citizen.
pub(crate) struct SearchRow {
    pub thread_id: i64,
    /// The thread's last activity, part of its key on SQLite (`search_key`).
    pub last_activity_at: i64,
    /// The entries, separated by spaces (`search_terms`).
    pub terms: String,
}

impl SearchRow {
    pub(crate) fn new(owner: i64, thread_id: i64, last_activity_at: i64, texts: &[&str]) -> Self {
        Self {
            thread_id,
            last_activity_at,
            terms: search_terms(owner, texts),
        }
    }

    /// The row's key in the engine's index: the thread's id on PostgreSQL, the key in activity
    /// order on SQLite (`search_key`).
    pub(crate) fn key(&self, backend: Backend) -> Result<i64, StorageError> {
        match backend {
            Backend::Sqlite => search_key(self.last_activity_at, self.thread_id),
            Backend::Postgres => Ok(self.thread_id),
        }
    }
}

/// How each engine writes a search row: the columns of the row's key (`SearchRow::key`), on
/// PostgreSQL its activity time, and its entries, with each value's SQL (`$` stands for the
/// value's parameter). PostgreSQL takes the entries as they are, without its own text parser.
pub(crate) fn search_row_shape(
    backend: Backend,
) -> (&'static [&'static str], &'static [&'static str]) {
    match backend {
        Backend::Sqlite => (&["rowid", "terms"], &["$", "$"]),
        Backend::Postgres => (
            &["thread_id", "last_activity_at", "terms"],
            &["$", "$", "array_to_tsvector(string_to_array($, ' '))"],
        ),
    }
}

/// Each term's count of threads (`inbox_search_terms`), and on PostgreSQL the entries of every
/// search row in activity order (`inbox_search_entry`), derived from the rows at once, where
/// the entries and counts are still empty: after migration 0011 (PostgreSQL) and after a
/// population was written in bulk. SQLite counts with FTS5's own vocabulary view, made for this
/// and dropped again (migration 0012).
pub(crate) async fn derive_search_entries<'c, E>(
    executor: E,
    backend: Backend,
) -> Result<(), StorageError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let sql = match backend {
        Backend::Sqlite => {
            "CREATE VIRTUAL TABLE temp.inbox_search_vocabulary USING fts5vocab (main, inbox_search, 'row'); \
             INSERT INTO inbox_search_terms (term, doc) SELECT term, doc FROM temp.inbox_search_vocabulary; \
             DROP TABLE temp.inbox_search_vocabulary"
        }
        Backend::Postgres => {
            "INSERT INTO inbox_search_entry (term, last_activity_at, thread_id) \
             SELECT entry.term, s.last_activity_at, s.thread_id FROM inbox_search s \
             CROSS JOIN LATERAL unnest(tsvector_to_array(s.terms)) AS entry(term); \
             INSERT INTO inbox_search_terms (term, doc) \
             SELECT term, COUNT(*) FROM inbox_search_entry GROUP BY term"
        }
    };
    sqlx::raw_sql(sql).execute(executor).await?;
    Ok(())
}

/// Writes the search row of a thread from what it holds now (its subject and every message),
/// in place of the row it had: after `added_message` was added to it. `replaced_key` is the key
/// the row had on SQLite, before the message moved the thread's activity on.
async fn index_thread(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    thread_id: i64,
    added_message: i64,
    replaced_key: Option<i64>,
) -> Result<(), StorageError> {
    let rows = sqlx::query(
        "SELECT t.citizen_id, t.subject, t.last_activity_at, m.id, m.body FROM message_thread t \
         JOIN message m ON m.thread_id = t.id WHERE t.id = $1 ORDER BY m.id",
    )
    .bind(thread_id)
    .fetch_all(&mut *conn)
    .await?;
    let Some(first) = rows.first() else {
        return Err(StorageError::Corrupt(format!(
            "thread {thread_id} without messages"
        )));
    };
    let owner: i64 = first.try_get("citizen_id")?;
    let last_activity_at: i64 = first.try_get("last_activity_at")?;
    let subject: String = first.try_get("subject")?;
    let mut bodies = Vec::with_capacity(rows.len());
    for row in &rows {
        bodies.push((
            row.try_get::<i64, _>("id")?,
            row.try_get::<String, _>("body")?,
        ));
    }
    let texts: Vec<&str> = std::iter::once(subject.as_str())
        .chain(bodies.iter().map(|(_, body)| body.as_str()))
        .collect();
    let row = SearchRow::new(owner, thread_id, last_activity_at, &texts);
    match (backend, replaced_key) {
        (Backend::Sqlite, Some(replaced_key)) => {
            // The row as it was written before the message: SQLite's index is contentless and
            // cannot tell, and the terms' counts change by what the message brought.
            let before: Vec<&str> = std::iter::once(subject.as_str())
                .chain(
                    bodies
                        .iter()
                        .filter(|(id, _)| *id != added_message)
                        .map(|(_, body)| body.as_str()),
                )
                .collect();
            let replaced = ReplacedRow {
                key: replaced_key,
                terms: search_terms(owner, &before),
            };
            write_sqlite_search_row(conn, &row, Some(&replaced)).await
        }
        _ => write_search_row(conn, backend, &row).await,
    }
}

/// Writes the search row of a new thread.
async fn write_search_row(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    row: &SearchRow,
) -> Result<(), StorageError> {
    match backend {
        Backend::Sqlite => write_sqlite_search_row(conn, row, None).await,
        Backend::Postgres => write_postgres_search_row(conn, row).await,
    }
}

/// A SQLite search row that a thread's new row takes the place of.
struct ReplacedRow {
    key: i64,
    /// Its entries, as `search_terms` gives them.
    terms: String,
}

/// Writes a thread's search row on SQLite in place of `replaced`, and changes the counts of the
/// terms it gained or lost (migration 0012).
async fn write_sqlite_search_row(
    conn: &mut sqlx::AnyConnection,
    row: &SearchRow,
    replaced: Option<&ReplacedRow>,
) -> Result<(), StorageError> {
    let key = row.key(Backend::Sqlite)?;
    if let Some(replaced) = replaced
        && replaced.key != key
    {
        // The row moves to the thread's new key (a contentless table with
        // `contentless_delete` deletes a row by its rowid).
        sqlx::query("DELETE FROM inbox_search WHERE rowid = $1")
            .bind(replaced.key)
            .execute(&mut *conn)
            .await?;
    }
    // A contentless FTS5 table with `contentless_delete` replaces a row by its rowid.
    sqlx::query("INSERT OR REPLACE INTO inbox_search (rowid, terms) VALUES ($1, $2)")
        .bind(key)
        .bind(row.terms.as_str())
        .execute(&mut *conn)
        .await?;
    let old_terms: std::collections::BTreeSet<&str> = replaced
        .map(|replaced| {
            replaced
                .terms
                .split(' ')
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let new_terms: std::collections::BTreeSet<&str> =
        row.terms.split(' ').filter(|t| !t.is_empty()).collect();
    for (terms, change) in [
        (new_terms.difference(&old_terms), 1_i64),
        (old_terms.difference(&new_terms), -1),
    ] {
        let terms: Vec<&str> = terms.copied().collect();
        if terms.is_empty() {
            continue;
        }
        // `WHERE true` tells SQLite's parser that `ON CONFLICT` is the upsert's and not the
        // join's.
        sqlx::query(
            "INSERT INTO inbox_search_terms (term, doc) SELECT value, $2 FROM json_each($1) WHERE true \
             ON CONFLICT (term) DO UPDATE SET doc = inbox_search_terms.doc + excluded.doc",
        )
        .bind(serde_json::to_string(&terms).map_err(|e| StorageError::Corrupt(e.to_string()))?)
        .bind(change)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Writes a thread's search row on PostgreSQL with its entries in activity order and the
/// terms' counts (migration 0011). The row as it was tells which entries the thread had: when
/// its activity moved, all of them move to the new time; otherwise only the terms it gained or
/// lost change. A term's count changes only when the thread gained or lost it. The counts are
/// changed in one statement in term order, so that two writers of the same citizen's threads
/// take the counts' row locks in the same order and cannot deadlock.
async fn write_postgres_search_row(
    conn: &mut sqlx::AnyConnection,
    row: &SearchRow,
) -> Result<(), StorageError> {
    let old = sqlx::query(
        "SELECT last_activity_at, array_to_string(tsvector_to_array(terms), ' ') AS terms \
         FROM inbox_search WHERE thread_id = $1 FOR UPDATE",
    )
    .bind(row.thread_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (old_activity, old_terms): (Option<i64>, String) = match &old {
        Some(old) => (
            Some(old.try_get("last_activity_at")?),
            old.try_get("terms")?,
        ),
        None => (None, String::new()),
    };
    let old_terms: std::collections::BTreeSet<&str> =
        old_terms.split(' ').filter(|t| !t.is_empty()).collect();
    let new_terms: std::collections::BTreeSet<&str> =
        row.terms.split(' ').filter(|t| !t.is_empty()).collect();
    let gained: Vec<&str> = new_terms.difference(&old_terms).copied().collect();
    let lost: Vec<&str> = old_terms.difference(&new_terms).copied().collect();
    let moved = old_activity != Some(row.last_activity_at);
    let (entries_gone, entries_new): (Vec<&str>, Vec<&str>) = if moved {
        (
            old_terms.iter().copied().collect(),
            new_terms.iter().copied().collect(),
        )
    } else {
        (lost.clone(), gained.clone())
    };
    if let (Some(old_activity), false) = (old_activity, entries_gone.is_empty()) {
        sqlx::query(
            "DELETE FROM inbox_search_entry WHERE term = ANY(string_to_array($1, ' ')) \
             AND last_activity_at = $2 AND thread_id = $3",
        )
        .bind(entries_gone.join(" "))
        .bind(old_activity)
        .bind(row.thread_id)
        .execute(&mut *conn)
        .await?;
    }
    if !entries_new.is_empty() {
        sqlx::query(
            "INSERT INTO inbox_search_entry (term, last_activity_at, thread_id) \
             SELECT term, $2, $3 FROM unnest(string_to_array($1, ' ')) AS term",
        )
        .bind(entries_new.join(" "))
        .bind(row.last_activity_at)
        .bind(row.thread_id)
        .execute(&mut *conn)
        .await?;
    }
    if !gained.is_empty() || !lost.is_empty() {
        sqlx::query(
            "INSERT INTO inbox_search_terms (term, doc) \
             SELECT term, SUM(change) FROM ( \
               SELECT term, 1 AS change FROM unnest(string_to_array($1, ' ')) AS term \
               UNION ALL SELECT term, -1 AS change FROM unnest(string_to_array($2, ' ')) AS term \
             ) changes GROUP BY term ORDER BY term \
             ON CONFLICT (term) DO UPDATE SET doc = inbox_search_terms.doc + EXCLUDED.doc",
        )
        .bind(gained.join(" "))
        .bind(lost.join(" "))
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "INSERT INTO inbox_search (thread_id, last_activity_at, terms) \
         VALUES ($1, $2, array_to_tsvector(string_to_array($3, ' '))) \
         ON CONFLICT (thread_id) DO UPDATE SET last_activity_at = EXCLUDED.last_activity_at, terms = EXCLUDED.terms",
    )
    .bind(row.thread_id)
    .bind(row.last_activity_at)
    .bind(row.terms.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// On PostgreSQL, lets the search rows a backfill writes (migration 0006) in through GIN's
/// pending list, which is merged into the index a few megabytes at a time: faster than
/// writing each row's entries at once. Every search read the whole pending list, so
/// `bulk = false` goes back to writing entries at once (as 0006 creates the index) and merges
/// what is pending. The index is gone since 0011.
async fn bulk_search_writes<'c, E>(
    executor: E,
    backend: Backend,
    bulk: bool,
) -> Result<(), StorageError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    if backend == Backend::Postgres {
        let sql = if bulk {
            "ALTER INDEX inbox_search_terms SET (fastupdate = on)"
        } else {
            "ALTER INDEX inbox_search_terms SET (fastupdate = off); \
             SELECT gin_clean_pending_list('inbox_search_terms'::regclass)"
        };
        sqlx::raw_sql(sql).execute(executor).await?;
    }
    Ok(())
}

/// Migrations 0006 and 0010: the search row of every thread written before them, as
/// `insert_thread` and `add_message` write them now.
pub(crate) async fn backfill_search(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<(), StorageError> {
    bulk_search_writes(&mut *conn, backend, true).await?;
    // On PostgreSQL this runs only in 0006, so the rows are written as 0006 held them: 0011
    // adds their activity time and derives the entries from them.
    let (columns, values): (&[&str], &[&str]) = match backend {
        Backend::Sqlite => search_row_shape(backend),
        Backend::Postgres => (
            &["thread_id", "terms"],
            &["$", "array_to_tsvector(string_to_array($, ' '))"],
        ),
    };
    let per_statement = crate::PARAMS_PER_STATEMENT / columns.len();
    let mut after = 0_i64;
    loop {
        let threads = sqlx::query(
            "SELECT id, citizen_id, subject, last_activity_at FROM message_thread WHERE id > $1 ORDER BY id LIMIT 1000",
        )
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
        let (Some(first), Some(last)) = (threads.first(), threads.last()) else {
            return bulk_search_writes(&mut *conn, backend, false).await;
        };
        let (first, last): (i64, i64) = (first.try_get("id")?, last.try_get("id")?);
        after = last;
        let messages = sqlx::query(
            "SELECT thread_id, body FROM message WHERE thread_id BETWEEN $1 AND $2 ORDER BY thread_id, id",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *conn)
        .await?;
        let mut bodies: std::collections::HashMap<i64, Vec<String>> =
            std::collections::HashMap::new();
        for message in &messages {
            bodies
                .entry(message.try_get("thread_id")?)
                .or_default()
                .push(message.try_get("body")?);
        }
        let mut rows = Vec::with_capacity(threads.len());
        for thread in &threads {
            let id: i64 = thread.try_get("id")?;
            let subject: String = thread.try_get("subject")?;
            let mut texts = vec![subject.as_str()];
            texts.extend(bodies.get(&id).into_iter().flatten().map(String::as_str));
            rows.push(SearchRow::new(
                thread.try_get("citizen_id")?,
                id,
                thread.try_get("last_activity_at")?,
                &texts,
            ));
        }
        for chunk in rows.chunks(per_statement) {
            let sql = crate::insert_sql("inbox_search", columns, values, chunk.len());
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                query = query.bind(row.key(backend)?).bind(row.terms.as_str());
            }
            query.execute(&mut *conn).await?;
        }
    }
}

/// Writes a thread with its first message (and its search row) inside a transaction;
/// `None` when a thread with the same idempotency key exists.
pub(crate) async fn insert_thread(
    tx: &mut crate::WriteTransaction,
    backend: Backend,
    new: &NewThread<'_>,
) -> Result<Option<(i64, i64)>, StorageError> {
    let inserted = sqlx::query(
        "INSERT INTO message_thread (citizen_id, sent_by_person_id, office_id, practitioner_id, kind, subject, \
         status, received_at, due_date, last_activity_at, citizen_unread, idempotency_key) \
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $7, 0, $9) \
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(new.citizen_id)
    .bind(new.sent_by_person_id)
    .bind(new.office_id)
    .bind(new.practitioner_id)
    .bind(new.kind.code())
    .bind(new.subject)
    .bind(new.received_at)
    .bind(new.due_date.to_string())
    .bind(new.idempotency_key)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(inserted) = inserted else {
        return Ok(None);
    };
    let thread_id: i64 = inserted.try_get("id")?;
    sqlx::query(
        "INSERT INTO inbox_count (citizen_id, threads) VALUES ($1, 1) \
         ON CONFLICT (citizen_id) DO UPDATE SET threads = inbox_count.threads + 1",
    )
    .bind(new.citizen_id)
    .execute(&mut **tx)
    .await?;
    let message_id: i64 = sqlx::query(
        "INSERT INTO message (thread_id, sender, sender_staff_id, sender_name, body, sent_at) \
         VALUES ($1, 'citizen', NULL, $2, $3, $4) RETURNING id",
    )
    .bind(thread_id)
    .bind(new.sender_name)
    .bind(new.body)
    .bind(new.received_at)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let row = SearchRow::new(
        new.citizen_id,
        thread_id,
        new.received_at,
        &[new.subject, new.body],
    );
    write_search_row(tx, backend, &row).await?;
    Ok(Some((thread_id, message_id)))
}

/// Who writes a message in a thread.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Sender<'a> {
    Citizen { name: &'a str },
    Office { staff_id: i64, name: &'a str },
}

/// Adds a message to a thread inside a transaction, rewrites the thread's search row and moves
/// the thread's activity time on. A message from the office is unread for the citizen, and its
/// notification and reminder are queued in the same transaction.
pub(crate) async fn add_message(
    tx: &mut crate::WriteTransaction,
    backend: Backend,
    thread_id: i64,
    sender: Sender<'_>,
    body: &str,
    now: i64,
) -> Result<(), StorageError> {
    let (kind, staff_id, name, unread) = match sender {
        Sender::Citizen { name } => ("citizen", None, name, 0_i64),
        Sender::Office { staff_id, name } => ("office", Some(staff_id), name, 1),
    };
    // SQLite keys the thread's search row by its activity, which this message moves on.
    let replaced_key = match backend {
        Backend::Sqlite => {
            let activity: i64 =
                sqlx::query("SELECT last_activity_at FROM message_thread WHERE id = $1")
                    .bind(thread_id)
                    .fetch_one(&mut **tx)
                    .await?
                    .try_get("last_activity_at")?;
            Some(search_key(activity, thread_id)?)
        }
        Backend::Postgres => None,
    };
    sqlx::query(
        "UPDATE message_thread SET last_activity_at = $1, citizen_unread = CASE WHEN $2 = 1 THEN 1 ELSE citizen_unread END \
         WHERE id = $3 RETURNING id",
    )
    .bind(now)
    .bind(unread)
    .bind(thread_id)
    .fetch_one(&mut **tx)
    .await?;
    let message_id: i64 = sqlx::query(
        "INSERT INTO message (thread_id, sender, sender_staff_id, sender_name, body, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(thread_id)
    .bind(kind)
    .bind(staff_id)
    .bind(name)
    .bind(body)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    if unread == 1 {
        crate::notifications::enqueue_message_notifications(tx, thread_id, message_id, now).await?;
    }
    index_thread(tx, backend, thread_id, message_id, replaced_key).await?;
    Ok(())
}

/// Answers an open thread inside a transaction: closes it, adds the answer (unread for the
/// citizen) and charges the copayment when one is given. `false` when the thread was not open
/// (answered already), and then nothing is written.
pub(crate) async fn insert_answer(
    tx: &mut crate::WriteTransaction,
    backend: Backend,
    answer: &NewAnswer<'_>,
) -> Result<bool, StorageError> {
    let NewAnswer {
        thread_id,
        office_id,
        staff_id,
        staff_name,
        body,
        copayment_nok,
        now,
    } = *answer;
    let updated = sqlx::query(
        "UPDATE message_thread SET status = $1 WHERE id = $2 AND office_id = $3 AND status = $4 \
         RETURNING citizen_id, kind",
    )
    .bind(ThreadStatus::Answered.code())
    .bind(thread_id)
    .bind(office_id)
    .bind(ThreadStatus::Open.code())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(updated) = updated else {
        return Ok(false);
    };
    add_message(
        tx,
        backend,
        thread_id,
        Sender::Office {
            staff_id,
            name: staff_name,
        },
        body,
        now,
    )
    .await?;
    if let Some(amount) = copayment_nok {
        sqlx::query(
            "INSERT INTO copayment_charge (person_id, thread_id, service, amount_nok, charged_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(updated.try_get::<i64, _>("citizen_id")?)
        .bind(thread_id)
        .bind(updated.try_get::<String, _>("kind")?)
        .bind(amount)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}

impl Database {
    // -----------------------------------------------------------------------------------------
    // Drafts of the e-consultation wizard

    /// Starts an e-consultation to an office once the citizen has accepted the copayment.
    #[tracing::instrument(skip_all)]
    pub async fn create_draft(
        &self,
        actor_person_id: i64,
        citizen_id: i64,
        office_id: i64,
        practitioner_id: Option<i64>,
        now: i64,
    ) -> Result<String, StorageError> {
        let id = random_token();
        sqlx::query(
            "INSERT INTO message_draft (id, actor_person_id, citizen_id, office_id, practitioner_id, \
             accepted_copayment, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6)",
        )
        .bind(&id)
        .bind(actor_person_id)
        .bind(citizen_id)
        .bind(office_id)
        .bind(practitioner_id)
        .bind(now)
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(id)
    }

    /// A draft of this person (drafts of others are not found).
    #[tracing::instrument(skip_all)]
    pub async fn draft_of(
        &self,
        id: &str,
        actor_person_id: i64,
    ) -> Result<Option<MessageDraft>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DRAFT_COLUMNS} FROM message_draft WHERE id = $1 AND actor_person_id = $2"
        )))
        .bind(id)
        .bind(actor_person_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(draft_from_row).transpose()
    }

    pub async fn save_draft_practitioner(
        &self,
        id: &str,
        practitioner_id: i64,
    ) -> Result<(), StorageError> {
        sqlx::query("UPDATE message_draft SET practitioner_id = $1 WHERE id = $2 AND sent_thread_id IS NULL")
            .bind(practitioner_id)
            .bind(id)
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }

    /// Keeps what was typed, valid or not, so that nothing is lost between steps.
    pub async fn save_draft_fields(&self, id: &str, fields: &Draft) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE message_draft SET subject = $1, symptoms = $2, daily_life = $3, tried = $4, treatment = $5 \
             WHERE id = $6 AND sent_thread_id IS NULL",
        )
        .bind(&fields.subject)
        .bind(&fields.symptoms)
        .bind(&fields.daily_life)
        .bind(fields.tried.map(i64::from))
        .bind(&fields.treatment)
        .bind(id)
        .execute(&mut *self.write_connection().await?)
        .await?;
        Ok(())
    }

    pub async fn draft_attachments(&self, draft_id: &str) -> Result<Vec<Attachment>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, file_name, content_type, size_bytes, storage_key FROM attachment \
             WHERE draft_id = $1 ORDER BY id",
        )
        .bind(draft_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(attachment_from_row).collect()
    }

    /// Links the files of one upload to a draft, all or none.
    pub async fn add_draft_attachments(
        &self,
        draft_id: &str,
        attachments: &[NewAttachment],
        now: i64,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        for attachment in attachments {
            sqlx::query(
                "INSERT INTO attachment (draft_id, file_name, content_type, size_bytes, storage_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(draft_id)
            .bind(&attachment.file_name)
            .bind(attachment.content_type)
            .bind(attachment.size_bytes)
            .bind(&attachment.storage_key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes an attachment from an unsent draft; returns its storage key to delete.
    pub async fn remove_draft_attachment(
        &self,
        draft_id: &str,
        attachment_id: i64,
    ) -> Result<Option<String>, StorageError> {
        let row = sqlx::query(
            "DELETE FROM attachment WHERE id = $1 AND draft_id = $2 AND message_id IS NULL RETURNING storage_key",
        )
        .bind(attachment_id)
        .bind(draft_id)
        .fetch_optional(&mut *self.write_connection().await?)
        .await?;
        Ok(row.map(|r| r.try_get("storage_key")).transpose()?)
    }

    // -----------------------------------------------------------------------------------------
    // Sending

    /// Writes a thread with its first message (and the draft's attachments) all at once. The
    /// same idempotency key twice gives the first thread back and writes nothing.
    #[tracing::instrument(skip_all)]
    pub async fn send_thread(&self, new: &NewThread<'_>) -> Result<Sent, StorageError> {
        let mut tx = self.begin_write().await?;
        let Some((thread_id, message_id)) = insert_thread(&mut tx, self.backend(), new).await?
        else {
            tx.rollback().await?;
            let row = sqlx::query("SELECT id FROM message_thread WHERE idempotency_key = $1")
                .bind(new.idempotency_key)
                .fetch_one(self.pool())
                .await?;
            return Ok(Sent {
                thread_id: row.try_get("id")?,
                already_sent: true,
            });
        };
        if let Some(draft_id) = new.draft_id {
            sqlx::query("UPDATE attachment SET message_id = $1 WHERE draft_id = $2")
                .bind(message_id)
                .bind(draft_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE message_draft SET sent_thread_id = $1 WHERE id = $2")
                .bind(thread_id)
                .bind(draft_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Sent {
            thread_id,
            already_sent: false,
        })
    }

    // -----------------------------------------------------------------------------------------
    // The citizen's inbox

    /// A page of the inbox, newest first, after `cursor`, and the count of all its threads;
    /// with `search`, of the threads it finds. The search is turned into the engine's query
    /// once for both.
    #[tracing::instrument(skip_all)]
    pub async fn inbox(
        &self,
        citizen_id: i64,
        search: Option<&str>,
        cursor: Option<InboxCursor>,
        limit: i64,
    ) -> Result<InboxListing, StorageError> {
        let query = self.search_query(citizen_id, search).await?;
        let limit = limit.max(1);
        if query.as_ref().is_some_and(|query| query.threads == Some(0)) {
            return Ok(InboxListing {
                threads: Vec::new(),
                total: 0,
            });
        }
        let (threads, total) = match (&query, self.backend()) {
            (None, _) => self.inbox_page(citizen_id, cursor, limit).await?,
            (Some(query), Backend::Sqlite) => {
                self.sqlite_search_page(citizen_id, query, cursor, limit)
                    .await?
            }
            (Some(query), Backend::Postgres) => {
                self.postgres_search_page(citizen_id, query, cursor, limit)
                    .await?
            }
        };
        let total = match total {
            Some(total) => total,
            // A page with no threads carries no count (a page past the last one).
            None => self.inbox_total(citizen_id, query.as_ref()).await?,
        };
        Ok(InboxListing { threads, total })
    }

    /// A page of [`Database::inbox`] without a search, each row with the count of all (`None`
    /// when the page is empty). The count rides along in the same statement, computed once
    /// for it (an uncorrelated subquery): one round trip fewer per page. The limit is written
    /// into the SQL, not bound: SQLite plans with the limit's value and would plan a statement
    /// with a bound limit again at every execution.
    async fn inbox_page(
        &self,
        citizen_id: i64,
        cursor: Option<InboxCursor>,
        limit: i64,
    ) -> Result<(Vec<ThreadSummary>, Option<i64>), StorageError> {
        // The cursor as one row comparison, which both engines read as a range of the inbox
        // index (PostgreSQL did not with the same condition written out with `OR`).
        let cursor_sql = if cursor.is_some() {
            "AND (t.last_activity_at, t.id) < ($2, $3)"
        } else {
            "AND $2 = $2 AND $3 = $3"
        };
        // The threads are read in the inbox index's order and the limit stops the read, so the
        // names (scalar subqueries, not joins) are looked up for the page's threads alone, in
        // PostgreSQL's generic plan for the kept statement too. When the names were joined,
        // that plan, which takes every citizen for an average one with a handful of threads,
        // joined every thread of a large inbox before sorting them; picking the page's ids
        // first and then reading their threads again made PostgreSQL read each thread twice.
        let sql = format!(
            "SELECT {INBOX_SUMMARY_COLUMNS}, ({INBOX_COUNT_SQL}) AS total FROM message_thread t \
             WHERE t.citizen_id = $1 {cursor_sql} ORDER BY t.last_activity_at DESC, t.id DESC LIMIT {limit}"
        );
        let cursor = cursor.unwrap_or(InboxCursor {
            last_activity_at: 0,
            id: 0,
        });
        let read = self
            .read(&sql)
            .bind(citizen_id)
            .bind(cursor.last_activity_at)
            .bind(cursor.id);
        summaries_with_total(read, None).await
    }

    /// A page of a search on SQLite: the first rows of the search index after the cursor, in
    /// descending key order, which is the inbox's order (`search_key`), so FTS5 stops after a
    /// page instead of handing every match to a sort. Every entry of the index belongs to the
    /// citizen (`owned_term`); the threads are still kept to the citizen's own. The count is
    /// left out when the search already knows it.
    async fn sqlite_search_page(
        &self,
        citizen_id: i64,
        query: &SearchQuery,
        cursor: Option<InboxCursor>,
        limit: i64,
    ) -> Result<(Vec<ThreadSummary>, Option<i64>), StorageError> {
        let count = match query.threads {
            Some(_) => "NULL".to_owned(),
            None => format!("({})", sqlite_match_count_sql("$2")),
        };
        let sql = format!(
            "SELECT {INBOX_SUMMARY_COLUMNS}, {count} AS total \
             FROM (SELECT rowid AS search_key FROM inbox_search WHERE inbox_search MATCH $2 AND rowid <= $3 \
             ORDER BY rowid DESC LIMIT {limit}) found \
             JOIN message_thread t ON t.id = found.search_key & {SEARCH_KEY_THREAD_BITS} \
             WHERE t.citizen_id = $1 ORDER BY found.search_key DESC"
        );
        let text = query.fts5_text();
        let read = self
            .read(&sql)
            .bind(citizen_id)
            .bind(text.as_str())
            .bind(search_key_bound(cursor));
        summaries_with_total(read, query.threads).await
    }

    /// A page of a search on PostgreSQL: the first entries of the word read first after the
    /// cursor, in the inbox's order (`inbox_search_entry` is a B-tree by term, last activity
    /// and thread, read backwards), each checked for the other words, and only then joined
    /// with the threads and names. The count rides along unless the search knows it already.
    async fn postgres_search_page(
        &self,
        citizen_id: i64,
        query: &SearchQuery,
        cursor: Option<InboxCursor>,
        limit: i64,
    ) -> Result<(Vec<ThreadSummary>, Option<i64>), StorageError> {
        let (cursor_sql, first) = if cursor.is_some() {
            ("AND (e.last_activity_at, e.thread_id) < ($2, $3)", 4)
        } else {
            ("", 2)
        };
        let matched = query.postgres_match(first);
        let count = match query.threads {
            Some(_) => "NULL".to_owned(),
            None => format!("({})", matched.count_sql()),
        };
        // Each entry found gives its thread by the key, which a lateral subquery the planner
        // may not flatten (`OFFSET 0`) keeps so: the generic plan of a join otherwise read all
        // of a large inbox's threads and hashed them against the page's 21.
        let sql = format!(
            "SELECT {POSTGRES_INBOX_SUMMARY_COLUMNS}, {count} AS total FROM \
             (SELECT {}e.last_activity_at, e.thread_id FROM inbox_search_entry e WHERE {} {cursor_sql} \
             ORDER BY e.last_activity_at DESC, e.thread_id DESC LIMIT {limit}) found \
             CROSS JOIN LATERAL (SELECT * FROM message_thread m WHERE m.id = found.thread_id AND m.citizen_id = $1 \
             OFFSET 0) t {POSTGRES_SUMMARY_NAMES} ORDER BY found.last_activity_at DESC, found.thread_id DESC",
            matched.distinct, matched.condition
        );
        let mut read = self.read(&sql).bind(citizen_id);
        if let Some(cursor) = cursor {
            read = read.bind(cursor.last_activity_at).bind(cursor.id);
        }
        for arg in &matched.args {
            read = read.bind(arg.as_str());
        }
        summaries_with_total(read, query.threads).await
    }

    /// The count of [`Database::inbox`]; `query` is `search_query`'s.
    async fn inbox_total(
        &self,
        citizen_id: i64,
        query: Option<&SearchQuery>,
    ) -> Result<i64, StorageError> {
        let Some(query) = query else {
            // The whole inbox: its count is kept as threads are written.
            let threads = self
                .read(INBOX_COUNT_SQL)
                .bind(citizen_id)
                .optional(|row| row.value("threads"))
                .await?;
            return Ok(threads.unwrap_or(0));
        };
        if let Some(threads) = query.threads {
            return Ok(threads);
        }
        match self.backend() {
            Backend::Sqlite => {
                let text = query.fts5_text();
                self.read(&format!("SELECT ({}) AS n", sqlite_match_count_sql("$1")))
                    .bind(text.as_str())
                    .one(|row| row.value("n"))
                    .await
            }
            Backend::Postgres => {
                let matched = query.postgres_match(1);
                let sql = matched.count_sql();
                let mut read = self.read(&sql);
                for arg in &matched.args {
                    read = read.bind(arg.as_str());
                }
                read.one(|row| row.value("n")).await
            }
        }
    }

    /// The thread a form with this idempotency key sent, if it was sent (a resubmission).
    pub async fn thread_by_key(
        &self,
        key: &str,
        citizen_id: i64,
    ) -> Result<Option<i64>, StorageError> {
        let row = sqlx::query(
            "SELECT id FROM message_thread WHERE idempotency_key = $1 AND citizen_id = $2",
        )
        .bind(key)
        .bind(citizen_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    /// What the front page shows beside the tiles, in one round trip: the unread threads, and
    /// when the contact details were last confirmed (none saved: `None`).
    #[tracing::instrument(skip_all)]
    pub async fn front_page_facts(&self, citizen_id: i64) -> Result<FrontPageFacts, StorageError> {
        static SQL: LazyLock<String> =
            LazyLock::new(|| format!("SELECT {}", front_page_facts_columns("$1")));
        self.read(&SQL)
            .bind(citizen_id)
            .one(|row| front_page_facts_from_row(row))
            .await
    }

    /// A thread of this citizen (threads of others are not found).
    #[tracing::instrument(skip_all)]
    pub async fn thread_of_citizen(
        &self,
        thread_id: i64,
        citizen_id: i64,
    ) -> Result<Option<ThreadSummary>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS} FROM message_thread t WHERE t.id = $1 AND t.citizen_id = $2"
        )))
        .bind(thread_id)
        .bind(citizen_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(summary_from_row).transpose()
    }

    /// A thread sent to this office (threads to other offices are not found).
    #[tracing::instrument(skip_all)]
    pub async fn thread_of_office(
        &self,
        thread_id: i64,
        office_id: i64,
    ) -> Result<Option<ThreadSummary>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS} FROM message_thread t WHERE t.id = $1 AND t.office_id = $2"
        )))
        .bind(thread_id)
        .bind(office_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(summary_from_row).transpose()
    }

    /// The messages of a thread, oldest first, with their attachments. Call only after the
    /// thread was found for the citizen or office asking.
    #[tracing::instrument(skip_all)]
    pub async fn thread_messages(&self, thread_id: i64) -> Result<Vec<Message>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, sender, sender_name, body, sent_at FROM message WHERE thread_id = $1 ORDER BY sent_at, id",
        )
        .bind(thread_id)
        .fetch_all(self.pool())
        .await?;
        let attachments = sqlx::query(
            "SELECT a.id, a.message_id, a.file_name, a.content_type, a.size_bytes, a.storage_key \
             FROM attachment a JOIN message m ON m.id = a.message_id WHERE m.thread_id = $1 ORDER BY a.id",
        )
        .bind(thread_id)
        .fetch_all(self.pool())
        .await?;
        let mut messages = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let sender: String = row.try_get("sender")?;
            let mut own = Vec::new();
            for a in &attachments {
                if a.try_get::<i64, _>("message_id")? == id {
                    own.push(attachment_from_row(a)?);
                }
            }
            messages.push(Message {
                id,
                from_office: sender == "office",
                sender_name: row.try_get("sender_name")?,
                body: row.try_get("body")?,
                sent_at: row.try_get("sent_at")?,
                attachments: own,
            });
        }
        Ok(messages)
    }

    /// Marks a thread read by the citizen, and when, so that no reminder follows for what was
    /// read.
    pub async fn mark_read(
        &self,
        thread_id: i64,
        citizen_id: i64,
        now: i64,
    ) -> Result<(), StorageError> {
        sqlx::query("UPDATE message_thread SET citizen_unread = 0, citizen_read_at = $1 WHERE id = $2 AND citizen_id = $3 AND citizen_unread = 1")
            .bind(now)
            .bind(thread_id)
            .bind(citizen_id)
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }

    /// An attachment with the thread it belongs to, for the access checks of a download.
    pub async fn attachment_with_thread(
        &self,
        attachment_id: i64,
    ) -> Result<Option<(Attachment, i64)>, StorageError> {
        let row = sqlx::query(
            "SELECT a.id, a.file_name, a.content_type, a.size_bytes, a.storage_key, m.thread_id \
             FROM attachment a JOIN message m ON m.id = a.message_id WHERE a.id = $1",
        )
        .bind(attachment_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok((attachment_from_row(&row)?, row.try_get("thread_id")?)))
            .transpose()
    }

    // -----------------------------------------------------------------------------------------
    // The office's work queue and answers

    /// Open threads sent to an office, oldest due first; only the kinds given, and with
    /// `practitioner`, only those addressed to that practitioner.
    #[tracing::instrument(skip_all)]
    pub async fn office_queue(
        &self,
        office_id: i64,
        kinds: &[GpService],
        practitioner: Option<i64>,
    ) -> Result<Vec<ThreadSummary>, StorageError> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        // The kinds are the domain's own constant codes, never user input.
        let kinds_sql = kinds
            .iter()
            .map(|k| format!("'{}'", k.code()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS} FROM message_thread t WHERE t.office_id = $1 AND t.status = 'open' \
             AND t.kind IN ({kinds_sql}) AND ($2 = 0 OR t.practitioner_id = $3) \
             ORDER BY t.due_date, t.received_at, t.id LIMIT 500"
        )))
        .bind(office_id)
        .bind(i64::from(practitioner.is_some()))
        .bind(practitioner.unwrap_or(0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// Records that a staff member looked at a citizen's data.
    #[tracing::instrument(skip_all)]
    pub async fn log_access(
        &self,
        staff_id: i64,
        citizen_id: i64,
        thread_id: Option<i64>,
        action: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        sqlx::query("INSERT INTO access_log (staff_id, citizen_id, thread_id, action, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(staff_id)
            .bind(citizen_id)
            .bind(thread_id)
            .bind(action)
            .bind(now)
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }

    /// Who has looked at a citizen's data, newest first.
    pub async fn access_log_of(
        &self,
        citizen_id: i64,
    ) -> Result<Vec<AccessLogEntry>, StorageError> {
        let rows = sqlx::query(
            "SELECT l.staff_id, s.given_name || ' ' || s.family_name AS staff_name, o.name AS office_name, \
             t.subject, l.citizen_id, l.thread_id, l.action, l.at FROM access_log l \
             JOIN staff_member s ON s.id = l.staff_id JOIN gp_office o ON o.id = s.office_id \
             LEFT JOIN message_thread t ON t.id = l.thread_id \
             WHERE l.citizen_id = $1 ORDER BY l.at DESC, l.id DESC LIMIT 500",
        )
        .bind(citizen_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AccessLogEntry {
                    staff_id: row.try_get("staff_id")?,
                    staff_name: row.try_get("staff_name")?,
                    office_name: row.try_get("office_name")?,
                    subject: row.try_get("subject")?,
                    citizen_id: row.try_get("citizen_id")?,
                    thread_id: row.try_get("thread_id")?,
                    action: row.try_get("action")?,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }

    /// Answers an open thread: the answer, the thread closed and marked unread for the
    /// citizen, and the copayment charged (when `copayment_nok` is given), all at once. A
    /// thread already answered is left as it is.
    #[tracing::instrument(skip_all)]
    pub async fn answer_thread(&self, answer: &NewAnswer<'_>) -> Result<Answered, StorageError> {
        let mut tx = self.begin_write().await?;
        if !insert_answer(&mut tx, self.backend(), answer).await? {
            tx.rollback().await?;
            return Ok(Answered::AlreadyAnswered);
        }
        tx.commit().await?;
        Ok(Answered::Done)
    }

    /// Whether the person holds a free card valid on the day.
    pub async fn has_free_card(&self, person_id: i64, day: Date) -> Result<bool, StorageError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM free_card WHERE person_id = $1 AND valid_from <= $2 AND valid_to >= $2",
        )
        .bind(person_id)
        .bind(day.to_string())
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    pub async fn add_free_card(
        &self,
        person_id: i64,
        from: Date,
        to: Date,
    ) -> Result<(), StorageError> {
        sqlx::query("INSERT INTO free_card (person_id, valid_from, valid_to) VALUES ($1, $2, $3)")
            .bind(person_id)
            .bind(from.to_string())
            .bind(to.to_string())
            .execute(&mut *self.write_connection().await?)
            .await?;
        Ok(())
    }

    /// The copayments charged to a person, newest first.
    pub async fn copayments_of(
        &self,
        person_id: i64,
    ) -> Result<Vec<CopaymentCharge>, StorageError> {
        let rows = sqlx::query(
            "SELECT thread_id, amount_nok, charged_at FROM copayment_charge WHERE person_id = $1 \
             ORDER BY charged_at DESC, id DESC",
        )
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CopaymentCharge {
                    thread_id: row.try_get("thread_id")?,
                    amount_nok: row.try_get("amount_nok")?,
                    charged_at: row.try_get("charged_at")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_made_safe() {
        assert_eq!(
            search_prefixes(12, "Pollen allergi"),
            ["12xpollen", "12xallergi"]
        );
        assert_eq!(search_prefixes(7, "\" OR 1=1 --"), ["7xor", "7x1", "7x1"]);
        assert!(search_prefixes(7, "'&|!():*").is_empty());
        // Citizen 1's words never reach citizen 12's entries: "1x2xa" does not begin "12x".
        assert_eq!(search_prefixes(1, "2xa"), ["1x2xa"]);
        assert!(!owned_term(12, "a").starts_with("1x"));
        assert!(search_prefixes(7, "\u{202e}\u{307}").is_empty());
        assert_eq!(search_prefixes(7, "søvn ØRE"), ["7xsøvn", "7xøre"]);
        assert_eq!(
            search_prefixes(7, "a b c d e f g h i j"),
            ["7xa", "7xb", "7xc", "7xd", "7xe", "7xf", "7xg", "7xh"]
        );
    }

    fn terms(list: &[(&str, i64)]) -> WordMatch {
        WordMatch::Terms(list.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect())
    }

    #[test]
    fn a_search_is_each_words_terms_or_its_prefix() {
        let query = SearchQuery {
            words: vec![
                terms(&[("12xpollen", 3)]),
                WordMatch::Prefix("12xa".into()),
                terms(&[("12xblod", 1), ("12xblodprøve", 2)]),
            ],
            threads: None,
        };
        assert_eq!(
            query.fts5_text(),
            "(\"12xpollen\") AND \"12xa\"* AND (\"12xblod\" OR \"12xblodprøve\")"
        );
    }

    #[test]
    fn postgres_reads_the_word_fewest_threads_hold_and_checks_the_others() {
        let query = SearchQuery {
            words: vec![
                terms(&[("12xpollen", 50)]),
                terms(&[("12xblod", 3), ("12xblodprøve", 4)]),
                WordMatch::Prefix("12xa".into()),
            ],
            threads: None,
        };
        let matched = query.postgres_match(4);
        assert_eq!(
            matched.condition,
            "e.term = ANY(string_to_array($4, ' ')) \
             AND EXISTS (SELECT 1 FROM inbox_search_entry o0 WHERE o0.term = $5 \
             AND o0.last_activity_at = e.last_activity_at AND o0.thread_id = e.thread_id) \
             AND EXISTS (SELECT 1 FROM inbox_search_entry o2 WHERE o2.term >= $6 AND o2.term < $7 \
             AND o2.last_activity_at = e.last_activity_at AND o2.thread_id = e.thread_id)"
        );
        assert_eq!(
            matched.args,
            [
                "12xblod 12xblodprøve".to_owned(),
                "12xpollen".to_owned(),
                "12xa".to_owned(),
                prefix_end("12xa"),
            ]
        );
        // Two terms of one word may name the same thread.
        assert_eq!(matched.distinct, "DISTINCT ");
        let one = SearchQuery {
            words: vec![terms(&[("12xpollen", 50)])],
            threads: Some(50),
        };
        let matched = one.postgres_match(2);
        assert_eq!(
            (matched.condition.as_str(), matched.distinct),
            ("e.term = $2", "")
        );
        assert!(prefix_end("12xa").as_str() > "12xaøæå");
    }

    #[test]
    fn index_entries_are_the_owners_distinct_words() {
        assert_eq!(
            search_terms(
                12,
                &["Spørsmål om blodprøve", "Om prøven: blod-prøve, SVAR."]
            ),
            "12xblod 12xblodprøve 12xom 12xprøve 12xprøven 12xspørsmål 12xsvar"
        );
        assert_eq!(search_terms(3, &["", " -- "]), "");
        // A long word is cut the same way in the index and in the search.
        let long = "a".repeat(100);
        let term = search_terms(3, &[&long]);
        assert_eq!(term, format!("3x{}", "a".repeat(MAX_WORD_CHARS)));
        assert_eq!(search_prefixes(3, &long), std::slice::from_ref(&term));
        // Lowercasing that yields a mark keeps letters only: İ is "i" on both sides.
        assert_eq!(search_terms(3, &["İstanbul"]), "3xistanbul");
    }

    #[test]
    fn search_keys_sort_as_the_inbox() {
        let key = |at: i64, id: i64| search_key(at, id).unwrap();
        // Latest activity first, then the higher id: the inbox's order, descending.
        let mut keys = [
            key(1_700_000_000, 5),
            key(1_700_000_001, 1),
            key(1_700_000_000, 4_000_000_000),
            key(1_500_000_000, 9),
            key(3_700_000_000, 2),
            key(1_700_000_000, 6),
        ];
        keys.sort_unstable_by(|a, b| b.cmp(a));
        let order: Vec<(i64, i64)> = keys
            .iter()
            .map(|k| ((k >> 32) + SEARCH_KEY_EPOCH, k & SEARCH_KEY_THREAD_BITS))
            .collect();
        assert_eq!(
            order,
            [
                (3_700_000_000, 2),
                (1_700_000_001, 1),
                (1_700_000_000, 4_000_000_000),
                (1_700_000_000, 6),
                (1_700_000_000, 5),
                (1_500_000_000, 9),
            ]
        );
        assert!(
            search_key(SEARCH_KEY_EPOCH + (1 << 31), 1).is_err(),
            "after 2088"
        );
        assert!(
            search_key(SEARCH_KEY_EPOCH - (1 << 31) - 1, 1).is_err(),
            "before 1952"
        );
        assert!(search_key(1_700_000_000, 1 << 32).is_err());
        assert!(search_key(1_700_000_000, -1).is_err());
    }

    #[test]
    fn a_cursor_bounds_the_keys_after_it() {
        let cursor = |last_activity_at, id| {
            Some(InboxCursor {
                last_activity_at,
                id,
            })
        };
        let key = |at: i64, id: i64| search_key(at, id).unwrap();
        assert_eq!(search_key_bound(None), i64::MAX);
        let bound = search_key_bound(cursor(1_700_000_000, 7));
        assert_eq!(bound, key(1_700_000_000, 6));
        assert!(key(1_700_000_000, 7) > bound && key(1_699_999_999, u32::MAX.into()) <= bound);
        // Values from a forged address give the bound of everything or of nothing.
        assert_eq!(search_key_bound(cursor(i64::MAX, i64::MAX)), i64::MAX);
        assert_eq!(search_key_bound(cursor(i64::MIN, i64::MIN)), i64::MIN);
        assert_eq!(
            search_key_bound(cursor(1_700_000_000, i64::MAX)),
            key(1_700_000_000, u32::MAX.into())
        );
        assert_eq!(
            search_key_bound(cursor(1_700_000_000, -5)),
            key(1_700_000_000, 0) - 1
        );
    }
}
