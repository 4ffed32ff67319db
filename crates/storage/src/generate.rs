//! A synthetic national population for benchmarks: citizens with valid synthetic identity
//! numbers, GP offices and practitioners in the national proportions, GP lists, consent,
//! slots for the coming eight weeks, prescriptions and Innboks threads (a few citizens with
//! very many). Everything follows from the citizen count and the clock, never from chance, so
//! a benchmark knows whom to log in as and which slots exist.
//!
//! Rows go in with multi-row `INSERT`s inside large transactions, with ids chosen here (the
//! database is empty of persons and offices), so nothing waits for `RETURNING`.

use domain::appointment::{AppointmentType, SlotPurpose};
use domain::fodselsnummer::with_check_digits;
use domain::{ConsentLevel, Fodselsnummer, GpService, PractitionerKind, working_days};
use jiff::civil::Date;
use sqlx::Row;

use crate::appointments::at_oslo;
use crate::messages::{SearchRow, derive_search_entries, search_row_shape};
use crate::{Backend, Database, PARAMS_PER_STATEMENT, StorageError, insert_sql};

/// About 1,100 patients on a GP's list, as in Norway (5.5 million people, about 5,000 GPs).
pub const PATIENTS_PER_GP: u64 = 1_100;
/// GPs per office.
pub const GPS_PER_OFFICE: u64 = 5;
/// Threads in the Innboks of each heavy-inbox citizen.
pub const HEAVY_INBOX_THREADS: u64 = 10_000;
/// Slots each GP publishes per working day: ten at the office in the morning, six by phone.
pub const SLOTS_PER_GP_DAY: u64 = 16;
/// How far ahead slots are published.
pub const SLOT_WEEKS: i64 = 8;
/// The first this many working days have their slots held back until the office releases them
/// at 08:00 on the day (the morning rush): one day each for the web, the database alone and
/// two app processes at once.
pub const HELD_BACK_DAYS: usize = 3;

/// Every tenth office offers no digital services (over 90 % of GPs do).
fn office_offers_services(office_index: u64) -> bool {
    office_index % 10 != 9
}

/// The shape of a generated population: how many of everything, and who is who. The same
/// numbers give the same population, so the benchmark can compute whom to log in as.
#[derive(Debug, Clone, Copy)]
pub struct PopulationPlan {
    pub citizens: u64,
    pub heavy_inbox_citizens: u64,
}

impl PopulationPlan {
    pub fn new(citizens: u64, heavy_inbox_citizens: u64) -> Self {
        Self {
            citizens,
            heavy_inbox_citizens: heavy_inbox_citizens.min(citizens),
        }
    }

    pub fn gps(&self) -> u64 {
        self.citizens.div_ceil(PATIENTS_PER_GP).max(1)
    }

    pub fn offices(&self) -> u64 {
        self.gps().div_ceil(GPS_PER_OFFICE)
    }

    /// GP lists are dealt round the GPs, so any run of citizens spreads over all of them.
    pub fn gp_of(&self, citizen: u64) -> u64 {
        citizen % self.gps()
    }

    pub fn office_of_gp(&self, gp: u64) -> u64 {
        gp / GPS_PER_OFFICE
    }

    /// The `n`-th citizen on the lists of an office (`None` past the end).
    pub fn citizen_of_office(&self, office: u64, n: u64) -> Option<u64> {
        let first_gp = office * GPS_PER_OFFICE;
        let gps_here = GPS_PER_OFFICE.min(self.gps().saturating_sub(first_gp));
        if gps_here == 0 {
            return None;
        }
        let citizen = first_gp + n % gps_here + (n / gps_here) * self.gps();
        (citizen < self.citizens).then_some(citizen)
    }

    /// Offices with digital services, in order (those the benchmark logs citizens in at).
    pub fn offices_with_services(&self) -> impl Iterator<Item = u64> {
        (0..self.offices()).filter(|o| office_offers_services(*o))
    }

    /// The heavy-inbox citizens are the first ones.
    pub fn is_heavy(&self, citizen: u64) -> bool {
        citizen < self.heavy_inbox_citizens
    }

    /// The identity number of a citizen: a synthetic number (month + 80), born 1940-2005.
    pub fn fnr(&self, citizen: u64) -> Result<Fodselsnummer, StorageError> {
        synthetic_fnr(citizen)
    }
}

/// Birth dates from 1940 to 2005 (everyone is old enough to book for themselves).
const FIRST_BIRTH_YEAR: i16 = 1940;
const BIRTH_DAYS: u64 = 24_107; // 1940-01-01 up to and including 2005-12-31

/// The `index`-th synthetic identity number: the birth date cycles through the days, and the
/// `index / BIRTH_DAYS`-th individual number with valid check digits is taken on that date.
pub fn synthetic_fnr(index: u64) -> Result<Fodselsnummer, StorageError> {
    let day_offset = i64::try_from(index % BIRTH_DAYS).unwrap_or(0);
    let wanted = index / BIRTH_DAYS;
    let birth = Date::new(FIRST_BIRTH_YEAR, 1, 1)
        .and_then(|d| d.checked_add(jiff::Span::new().days(day_offset)))
        .map_err(|e| StorageError::Corrupt(format!("birth date: {e}")))?;
    let year = birth.year();
    let date_part = format!(
        "{:02}{:02}{:02}",
        birth.day(),
        birth.month() + 80,
        year % 100
    );
    // The individual number tells the century: 000-499 for 1900-1999, 500-999 for 2000-2039.
    let individuals = if year < 2000 { 0..500 } else { 500..1000 };
    let mut found = 0;
    for individual in individuals {
        if let Some(number) = with_check_digits(&date_part, individual) {
            if found == wanted {
                return Ok(number);
            }
            found += 1;
        }
    }
    Err(StorageError::Corrupt(format!(
        "no synthetic number left for citizen {index}"
    )))
}

/// What was written, table by table.
#[derive(Debug, Default, Clone)]
pub struct GenerateReport {
    pub rows: Vec<(&'static str, u64)>,
}

impl GenerateReport {
    pub fn total_rows(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }

    fn add(&mut self, table: &'static str, rows: u64) {
        match self.rows.iter_mut().find(|(t, _)| *t == table) {
            Some((_, n)) => *n += rows,
            None => self.rows.push((table, rows)),
        }
    }
}

/// One value of a generated row.
enum Value {
    Int(i64),
    Text(String),
    Null,
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

/// Rows per transaction: large enough to spare commits, small enough to keep the WAL small.
const ROWS_PER_TRANSACTION: u64 = 200_000;

/// Writes rows of one table at a time with multi-row `INSERT`s, committing now and then.
struct BatchWriter {
    db: Database,
    tx: Option<crate::WriteTransaction>,
    rows_in_transaction: u64,
    report: GenerateReport,
    started: std::time::Instant,
    next_progress: u64,
}

impl BatchWriter {
    fn new(db: &Database) -> Self {
        Self {
            db: db.clone(),
            tx: None,
            rows_in_transaction: 0,
            report: GenerateReport::default(),
            started: std::time::Instant::now(),
            next_progress: 1_000_000,
        }
    }

    /// Inserts `values` (row after row, `columns.len()` values each) into `table`.
    async fn insert(
        &mut self,
        table: &'static str,
        columns: &[&str],
        values: Vec<Value>,
    ) -> Result<(), StorageError> {
        self.insert_shaped(table, columns, &[], values).await
    }

    /// Inserts like `insert`, with each column's value written as the SQL in `shape` (`$`
    /// stands for the parameter; a missing or plain `$` is the value itself).
    async fn insert_shaped(
        &mut self,
        table: &'static str,
        columns: &[&str],
        shape: &[&str],
        values: Vec<Value>,
    ) -> Result<(), StorageError> {
        let width = columns.len();
        if width == 0 || values.is_empty() {
            return Ok(());
        }
        let rows_per_statement = (PARAMS_PER_STATEMENT / width).max(1);
        let mut values = values.into_iter();
        let total_rows = values.len() / width;
        let mut written = 0;
        while written < total_rows {
            let rows = rows_per_statement.min(total_rows - written);
            let sql = insert_sql(table, columns, shape, rows);
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for value in values.by_ref().take(rows * width) {
                query = match value {
                    Value::Int(v) => query.bind(v),
                    Value::Text(v) => query.bind(v),
                    Value::Null => query.bind(None::<i64>),
                };
            }
            if self.tx.is_none() {
                self.tx = Some(self.db.begin_write().await?);
            }
            if let Some(tx) = self.tx.as_mut() {
                query.execute(&mut **tx).await?;
            }
            written += rows;
            let rows = rows as u64;
            self.report.add(table, rows);
            self.rows_in_transaction += rows;
            if self.rows_in_transaction >= ROWS_PER_TRANSACTION {
                self.commit().await?;
            }
        }
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), StorageError> {
        if let Some(tx) = self.tx.take() {
            tx.commit().await?;
        }
        self.rows_in_transaction = 0;
        let total = self.report.total_rows();
        if total >= self.next_progress {
            self.next_progress = total + 1_000_000;
            let seconds = self.started.elapsed().as_secs_f64().max(0.001);
            tracing::info!(
                rows = total,
                rows_per_second = (total as f64 / seconds) as u64,
                "generating"
            );
        }
        Ok(())
    }
}

const GIVEN_NAMES: &[&str] = &[
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg", "Hilde",
    "Nora", "Emma", "Sara", "Ida", "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne",
    "Svein", "Thomas", "Hans", "Geir", "Jakob", "Emil", "Noah",
];
const FAMILY_NAMES: &[&str] = &[
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Jakobsen",
    "Moen",
    "Gundersen",
    "Iversen",
    "Strand",
];
const PLACES: &[(&str, &str, &str)] = &[
    ("Storgata", "0155", "Oslo"),
    ("Kongens gate", "7011", "Trondheim"),
    ("Strandgaten", "5013", "Bergen"),
    ("Kirkegata", "4006", "Stavanger"),
    ("Markens gate", "4611", "Kristiansand"),
    ("Storgata", "9008", "Tromsø"),
    ("Torggata", "3015", "Drammen"),
    ("Nygata", "1607", "Fredrikstad"),
];
const SUBJECTS: &[&str] = &[
    "Vondt i ryggen",
    "Spørsmål om blodprøve",
    "Hoste som ikke gir seg",
    "Utslett på armen",
    "Svar på prøvene",
    "Vaksine før reise",
    "Søvnproblemer",
    "Smerter i kneet",
];
const BODIES: &[&str] = &[
    "Jeg har hatt plager en stund og lurer på hva jeg bør gjøre.",
    "Kan legen se på dette og gi meg et råd?",
    "Det har blitt verre den siste uken, særlig om kvelden.",
    "Jeg lurer på om jeg trenger en time, eller om det går over av seg selv.",
];
const ANSWERS: &[&str] = &[
    "Takk for meldingen. Dette kan vi se på ved en vanlig time; bestill gjerne på nett.",
    "Prøvene dine er fine. Ta kontakt igjen om plagene ikke går over.",
    "Prøv hvile og reseptfrie smertestillende i en uke. Gi beskjed om det ikke hjelper.",
];
const DRUGS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "Desloratadin",
        "5 mg",
        "tablett",
        "1 tablett daglig ved behov",
        "C",
    ),
    (
        "Metformin",
        "500 mg",
        "tablett",
        "1 tablett 2 ganger daglig",
        "C",
    ),
    (
        "Levaxin",
        "50 mikrog",
        "tablett",
        "1 tablett om morgenen",
        "C",
    ),
    (
        "Ventoline",
        "0,1 mg/dose",
        "inhalasjonsaerosol",
        "2 doser ved behov",
        "C",
    ),
    (
        "Paralgin forte",
        "400 mg/30 mg",
        "tablett",
        "1-2 tabletter ved behov",
        "B",
    ),
];

/// The office's five GPs are fastleger; their patients' threads go to the office.
fn gp_name(gp: u64) -> (&'static str, &'static str) {
    let index = usize::try_from(gp).unwrap_or(0);
    (
        GIVEN_NAMES[(index * 7 + 3) % GIVEN_NAMES.len()],
        FAMILY_NAMES[(index * 11 + 5) % FAMILY_NAMES.len()],
    )
}

fn pick<T: Copy>(list: &[T], n: u64) -> T {
    list[usize::try_from(n).unwrap_or(0) % list.len()]
}

fn ids_start(backend_row: Option<sqlx::any::AnyRow>) -> Result<i64, StorageError> {
    Ok(match backend_row {
        Some(row) => row.try_get::<Option<i64>, _>("n")?.unwrap_or(0) + 1,
        None => 1,
    })
}

async fn next_id(db: &Database, table: &str) -> Result<i64, StorageError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT MAX(id) AS n FROM {table}"
    )))
    .fetch_optional(db.pool())
    .await?;
    ids_start(row)
}

/// The working days slots are published for: from tomorrow, eight weeks ahead.
pub fn slot_days(now: i64) -> Result<Vec<Date>, StorageError> {
    let today = jiff::Timestamp::from_second(now)
        .map_err(|e| StorageError::Corrupt(e.to_string()))?
        .to_zoned_datetime(domain::norway_time_zone().clone())
        .date();
    let mut days = Vec::new();
    for offset in 1..=SLOT_WEEKS * 7 {
        let day = today
            .checked_add(jiff::Span::new().days(offset))
            .map_err(|e| StorageError::Corrupt(e.to_string()))?;
        if working_days::is_working_day(day) {
            days.push(day);
        }
    }
    Ok(days)
}

impl Database {
    /// Fills a migrated database that holds no persons or offices with the population of
    /// `plan`, as of `now`. Refuses a database that already holds persons or offices (the demo
    /// data, or an earlier run), so that nothing is mixed.
    #[tracing::instrument(skip_all)]
    pub async fn generate_population(
        &self,
        plan: &PopulationPlan,
        now: i64,
    ) -> Result<GenerateReport, StorageError> {
        let existing: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM person) + (SELECT COUNT(*) FROM gp_office) AS n",
        )
        .fetch_one(self.pool())
        .await?
        .try_get("n")?;
        if existing > 0 {
            return Err(StorageError::NotEmpty);
        }
        let today = jiff::Timestamp::from_second(now)
            .map_err(|e| StorageError::Corrupt(e.to_string()))?
            .to_zoned_datetime(domain::norway_time_zone().clone())
            .date();
        let ids = Ids {
            office: next_id(self, "gp_office").await?,
            practitioner: next_id(self, "practitioner").await?,
            person: next_id(self, "person").await?,
            thread: next_id(self, "message_thread").await?,
            message: next_id(self, "message").await?,
            prescription: next_id(self, "prescription").await?,
            slot: next_id(self, "slot").await?,
        };
        let report = self.write_population(plan, &ids, now, today).await?;
        // The terms' counts (and on PostgreSQL the search rows' entries in activity order),
        // from all the rows at once: a few set-wise statements instead of one per thread.
        derive_search_entries(self.pool(), self.backend()).await?;
        if self.backend() == Backend::Sqlite {
            // FTS5 wrote the index in segments as the transactions came, more for a larger
            // population, and a search looks its words up in each. Merged into one, as the
            // worker's nightly merge leaves a live index, a search costs the same at any size.
            sqlx::raw_sql("INSERT INTO inbox_search (inbox_search) VALUES ('optimize')")
                .execute(self.pool())
                .await?;
        }
        // Fresh statistics, so the planner sees a national population and not an empty one.
        // On PostgreSQL also a vacuum, which marks the new rows visible to all in the
        // visibility map, as in a database that has been in service: until then an
        // index-only scan reads each row's table page too, and autovacuum would start on its
        // own a minute later, in the middle of whatever runs then (a benchmark's loads).
        let statistics = match self.backend() {
            Backend::Sqlite => "ANALYZE",
            Backend::Postgres => "VACUUM (ANALYZE)",
        };
        sqlx::raw_sql(statistics).execute(self.pool()).await?;
        if self.backend() == Backend::Postgres {
            self.vacuum_until_visible().await?;
        }
        if self.backend() == Backend::Sqlite {
            // Only the per-index averages: with the sampled values (sqlite_stat4) SQLite plans a
            // statement again for every new value bound to an indexed column, and each page's
            // reads would be parsed and planned anew on every request.
            sqlx::raw_sql("DELETE FROM sqlite_stat4")
                .execute(self.pool())
                .await?;
        }
        Ok(report)
    }

    /// Vacuums the population's tables again until every page is marked visible to all, for a
    /// few seconds at most: a transaction of another session that began before the rows were
    /// written (on a server the database shares) keeps a vacuum from marking them, and the one
    /// after its end does.
    async fn vacuum_until_visible(&self) -> Result<(), StorageError> {
        const TABLES: [&str; 4] = ["message_thread", "inbox_search", "slot", "person"];
        for _ in 0..50 {
            let mut behind = Vec::new();
            for table in TABLES {
                let row = sqlx::query(
                    "SELECT CAST(relpages AS BIGINT) AS pages, \
                     CAST(relallvisible AS BIGINT) AS visible FROM pg_class WHERE relname = $1",
                )
                .bind(table)
                .fetch_one(self.pool())
                .await?;
                let (pages, visible): (i64, i64) = (row.try_get("pages")?, row.try_get("visible")?);
                if visible < pages {
                    behind.push(table);
                }
            }
            if behind.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let sql = format!("VACUUM {}", behind.join(", "));
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    /// The population's rows, the inbox counts and (on PostgreSQL) the identity sequences
    /// moved past the chosen ids.
    async fn write_population(
        &self,
        plan: &PopulationPlan,
        ids: &Ids,
        now: i64,
        today: jiff::civil::Date,
    ) -> Result<GenerateReport, StorageError> {
        let mut writer = BatchWriter::new(self);
        write_offices(&mut writer, plan, ids).await?;
        let mut cursor = ThreadCursor {
            thread: ids.thread,
            message: ids.message,
        };
        write_citizens(&mut writer, plan, ids, &mut cursor, now, today).await?;
        write_heavy_inboxes(&mut writer, plan, ids, &mut cursor, now, today).await?;
        write_slots(&mut writer, plan, ids, now).await?;
        writer.commit().await?;
        // The inbox counts, as writing each thread through the portal would have kept them.
        sqlx::query(
            "INSERT INTO inbox_count (citizen_id, threads) \
             SELECT citizen_id, COUNT(*) FROM message_thread WHERE citizen_id IS NOT NULL GROUP BY citizen_id \
             ON CONFLICT (citizen_id) DO UPDATE SET threads = excluded.threads",
        )
        .execute(self.pool())
        .await?;
        if self.backend() == Backend::Postgres {
            // The ids were chosen here; move the identity sequences past them.
            for table in [
                "gp_office",
                "practitioner",
                "person",
                "message_thread",
                "message",
                "prescription",
                "slot",
            ] {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     (SELECT COALESCE(MAX(id), 1) FROM {table}))::BIGINT AS n"
                )))
                .execute(self.pool())
                .await?;
            }
        }
        Ok(writer.report)
    }

    /// The office releases its held-back slots between `from` and `to` (as at 08:00 on the
    /// day); returns each released slot with its office.
    #[tracing::instrument(skip_all)]
    pub async fn release_held_slots(
        &self,
        office_ids: &[i64],
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64)>, StorageError> {
        let mut released = Vec::new();
        for office_id in office_ids {
            let rows = sqlx::query(
                "UPDATE slot SET released = 1 WHERE office_id = $1 AND starts_at >= $2 AND starts_at < $3 \
                 AND released = 0 AND removed = 0 RETURNING id, office_id",
            )
            .bind(office_id)
            .bind(from)
            .bind(to)
            .fetch_all(&mut *self.write_connection().await?)
            .await?;
            for row in rows {
                released.push((row.try_get("id")?, row.try_get("office_id")?));
            }
        }
        released.sort_unstable();
        Ok(released)
    }

    /// Slots held by more than one request or booking (the constraint makes this zero).
    pub async fn slots_held_twice(&self) -> Result<i64, StorageError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM (SELECT slot_id FROM booking WHERE status IN ('forespurt', 'tildelt') \
             GROUP BY slot_id HAVING COUNT(*) > 1) twice",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }

    /// How many of these slots a request or booking holds.
    pub async fn held_slots_among(&self, slot_ids: &[i64]) -> Result<i64, StorageError> {
        let mut held = 0;
        for chunk in slot_ids.chunks(500) {
            let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(DISTINCT slot_id) AS n FROM booking WHERE status IN ('forespurt', 'tildelt') \
                 AND slot_id IN ({})",
                list.join(", ")
            )))
            .fetch_one(self.pool())
            .await?;
            held += row.try_get::<i64, _>("n")?;
        }
        Ok(held)
    }

    /// All booking requests and bookings of these slots, counted (to compare with the wins).
    pub async fn bookings_among(&self, slot_ids: &[i64]) -> Result<i64, StorageError> {
        let mut count = 0;
        for chunk in slot_ids.chunks(500) {
            let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM booking WHERE slot_id IN ({})",
                list.join(", ")
            )))
            .fetch_one(self.pool())
            .await?;
            count += row.try_get::<i64, _>("n")?;
        }
        Ok(count)
    }

    /// The database id of a generated citizen (by identity number).
    pub async fn person_id_by_fnr(&self, fnr: &str) -> Result<Option<i64>, StorageError> {
        let row = sqlx::query("SELECT id FROM person WHERE fnr = $1")
            .bind(fnr)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }
}

/// The first id of each table this run writes.
struct Ids {
    office: i64,
    practitioner: i64,
    person: i64,
    thread: i64,
    message: i64,
    prescription: i64,
    slot: i64,
}

impl Ids {
    fn office(&self, office: u64) -> i64 {
        self.office + as_i64(office)
    }
    fn gp(&self, gp: u64) -> i64 {
        self.practitioner + as_i64(gp)
    }
    fn person(&self, citizen: u64) -> i64 {
        self.person + as_i64(citizen)
    }
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The next thread and message ids.
struct ThreadCursor {
    thread: i64,
    message: i64,
}

async fn write_offices(
    writer: &mut BatchWriter,
    plan: &PopulationPlan,
    ids: &Ids,
) -> Result<(), StorageError> {
    let mut offices = Vec::new();
    let mut services = Vec::new();
    for office in 0..plan.offices() {
        let (street, postal_code, city) = pick(PLACES, office);
        offices.extend([
            Value::from(ids.office(office)),
            Value::from(format!("{} legesenter {}", city, office + 1)),
            Value::from(format!("{street} {}", office % 90 + 1)),
            Value::from(postal_code),
            Value::from(city),
            Value::from(format!(
                "22 {:02} {:02} {:02}",
                office % 100,
                (office / 100) % 100,
                office % 97
            )),
            Value::from(9_000_000 + as_i64(office)),
        ]);
        if office_offers_services(office) {
            for service in GpService::ALL {
                services.extend([Value::from(ids.office(office)), Value::from(service.code())]);
            }
        }
    }
    writer
        .insert(
            "gp_office",
            &[
                "id",
                "name",
                "street",
                "postal_code",
                "city",
                "phone",
                "her_id",
            ],
            offices,
        )
        .await?;
    writer
        .insert("office_service", &["office_id", "service"], services)
        .await?;
    let mut gps = Vec::new();
    for gp in 0..plan.gps() {
        let (given, family) = gp_name(gp);
        gps.extend([
            Value::from(ids.gp(gp)),
            Value::from(ids.office(plan.office_of_gp(gp))),
            Value::from(given),
            Value::from(family),
            Value::from(PractitionerKind::Fastlege.code()),
            Value::Null,
        ]);
    }
    writer
        .insert(
            "practitioner",
            &[
                "id",
                "office_id",
                "given_name",
                "family_name",
                "kind",
                "locum_for_id",
            ],
            gps,
        )
        .await
}

/// Citizens per round of writing (each round writes persons, then what refers to them).
const CITIZENS_PER_ROUND: u64 = 20_000;

async fn write_citizens(
    writer: &mut BatchWriter,
    plan: &PopulationPlan,
    ids: &Ids,
    cursor: &mut ThreadCursor,
    now: i64,
    today: Date,
) -> Result<(), StorageError> {
    let mut round_start = 0;
    while round_start < plan.citizens {
        let round_end = (round_start + CITIZENS_PER_ROUND).min(plan.citizens);
        let mut persons = Vec::new();
        let mut consents = Vec::new();
        let mut lists = Vec::new();
        let mut prescriptions = Vec::new();
        let mut threads = ThreadRows::default();
        for citizen in round_start..round_end {
            let fnr = plan.fnr(citizen)?;
            let (street, postal_code, city) = pick(PLACES, citizen / 7);
            let given = pick(GIVEN_NAMES, citizen);
            let family = pick(FAMILY_NAMES, citizen / 30);
            let person_id = ids.person(citizen);
            persons.extend([
                Value::from(person_id),
                Value::from(fnr.as_str()),
                Value::from(given),
                Value::from(family),
                Value::from(fnr.birth_date().to_string()),
                Value::from(format!("{street} {}", citizen % 120 + 1)),
                Value::from(postal_code),
                Value::from(city),
            ]);
            consents.extend([
                Value::from(person_id),
                Value::from(ConsentLevel::FullTilgang.code()),
                Value::from(now - 86_400 * as_i64(citizen % 700 + 1)),
            ]);
            let gp = plan.gp_of(citizen);
            lists.extend([Value::from(person_id), Value::from(ids.gp(gp))]);
            // Every second citizen has a prescription from the GP.
            if citizen.is_multiple_of(2) {
                let (drug, strength, form, dosage, group) = pick(DRUGS, citizen / 2);
                let prescribed = today
                    .checked_sub(jiff::Span::new().days(as_i64(citizen % 300)))
                    .map_err(|e| StorageError::Corrupt(e.to_string()))?;
                let expires = prescribed
                    .checked_add(jiff::Span::new().years(1))
                    .map_err(|e| StorageError::Corrupt(e.to_string()))?;
                let (gp_given, gp_family) = gp_name(gp);
                prescriptions.extend([
                    Value::from(ids.prescription + as_i64(citizen / 2)),
                    Value::from(person_id),
                    Value::from(drug),
                    Value::from(strength),
                    Value::from(form),
                    Value::from(dosage),
                    Value::from(group),
                    Value::from(format!("{gp_given} {gp_family}")),
                    Value::from(ids.office(plan.office_of_gp(gp))),
                    Value::from(prescribed.to_string()),
                    Value::from(expires.to_string()),
                    Value::from(4),
                    Value::from("aktiv"),
                    Value::from(now),
                ]);
            }
            // Every fourth citizen (besides the heavy ones) has an answered e-consultation.
            if citizen % 4 == 1 && !plan.is_heavy(citizen) {
                threads.push(
                    cursor,
                    ThreadSeed {
                        citizen_id: person_id,
                        sender_name: format!("{given} {family}"),
                        office_id: ids.office(plan.office_of_gp(gp)),
                        gp_id: ids.gp(gp),
                        variant: citizen,
                        at: now - 3_600 * as_i64(citizen % 8_000 + 1),
                    },
                    today,
                )?;
            }
        }
        writer
            .insert(
                "person",
                &[
                    "id",
                    "fnr",
                    "given_name",
                    "family_name",
                    "birth_date",
                    "street",
                    "postal_code",
                    "city",
                ],
                persons,
            )
            .await?;
        writer
            .insert("consent", &["person_id", "level", "given_at"], consents)
            .await?;
        writer
            .insert("gp_list_entry", &["person_id", "practitioner_id"], lists)
            .await?;
        writer
            .insert(
                "prescription",
                &[
                    "id",
                    "person_id",
                    "drug_name",
                    "strength",
                    "form",
                    "dosage",
                    "drug_group",
                    "prescriber_name",
                    "office_id",
                    "prescribed_on",
                    "expires_on",
                    "dispensations_allowed",
                    "status",
                    "created_at",
                ],
                prescriptions,
            )
            .await?;
        threads.write(writer).await?;
        round_start = round_end;
    }
    Ok(())
}

async fn write_heavy_inboxes(
    writer: &mut BatchWriter,
    plan: &PopulationPlan,
    ids: &Ids,
    cursor: &mut ThreadCursor,
    now: i64,
    today: Date,
) -> Result<(), StorageError> {
    for citizen in 0..plan.heavy_inbox_citizens {
        let gp = plan.gp_of(citizen);
        let given = pick(GIVEN_NAMES, citizen);
        let family = pick(FAMILY_NAMES, citizen / 30);
        let mut threads = ThreadRows::default();
        for n in 0..HEAVY_INBOX_THREADS {
            threads.push(
                cursor,
                ThreadSeed {
                    citizen_id: ids.person(citizen),
                    sender_name: format!("{given} {family}"),
                    office_id: ids.office(plan.office_of_gp(gp)),
                    gp_id: ids.gp(gp),
                    variant: n,
                    // One every six hours or so, going back about seven years.
                    at: now - 21_600 * as_i64(n + 1) - as_i64(n % 60),
                },
                today,
            )?;
        }
        threads.write(writer).await?;
    }
    Ok(())
}

/// A thread to write: the citizen's question and, for most, the office's answer.
struct ThreadSeed {
    citizen_id: i64,
    sender_name: String,
    office_id: i64,
    gp_id: i64,
    variant: u64,
    at: i64,
}

/// Threads, their messages and their search rows, as messages.rs writes them.
#[derive(Default)]
struct ThreadRows {
    threads: Vec<Value>,
    messages: Vec<Value>,
    search: Vec<SearchRow>,
}

impl ThreadRows {
    fn push(
        &mut self,
        cursor: &mut ThreadCursor,
        seed: ThreadSeed,
        today: Date,
    ) -> Result<(), StorageError> {
        let thread_id = cursor.thread;
        cursor.thread += 1;
        let kind = if seed.variant.is_multiple_of(3) {
            GpService::KontaktLegekontoret
        } else {
            GpService::EKonsultasjon
        };
        let subject = pick(SUBJECTS, seed.variant);
        let body = pick(BODIES, seed.variant / 8);
        // The newest few are still open; the rest are answered, an answer a day later.
        let answered = !seed.variant.is_multiple_of(50);
        let answer_at = seed.at + 86_400;
        let last_activity = if answered { answer_at } else { seed.at };
        let received_day = jiff::Timestamp::from_second(seed.at)
            .map_err(|e| StorageError::Corrupt(e.to_string()))?
            .to_zoned_datetime(domain::norway_time_zone().clone())
            .date();
        let due = working_days::add_working_days(
            received_day.min(today),
            working_days::ANSWER_WORKING_DAYS,
        );
        self.threads.extend([
            Value::from(thread_id),
            Value::from(seed.citizen_id),
            Value::from(seed.citizen_id),
            Value::from(seed.office_id),
            Value::from(seed.gp_id),
            Value::from(kind.code()),
            Value::from(subject),
            Value::from(if answered { "answered" } else { "open" }),
            Value::from(seed.at),
            Value::from(due.to_string()),
            Value::from(last_activity),
            Value::from(i64::from(answered && seed.variant.is_multiple_of(7))),
            Value::from(format!("generated:{thread_id}")),
        ]);
        self.messages.extend([
            Value::from(cursor.message),
            Value::from(thread_id),
            Value::from("citizen"),
            Value::Null,
            Value::from(seed.sender_name),
            Value::from(body),
            Value::from(seed.at),
        ]);
        cursor.message += 1;
        let mut texts = vec![subject, body];
        if answered {
            let answer = pick(ANSWERS, seed.variant / 3);
            texts.push(answer);
            self.messages.extend([
                Value::from(cursor.message),
                Value::from(thread_id),
                Value::from("office"),
                Value::Null,
                Value::from("Legekontoret"),
                Value::from(answer),
                Value::from(answer_at),
            ]);
            cursor.message += 1;
        }
        self.search.push(SearchRow::new(
            seed.citizen_id,
            thread_id,
            last_activity,
            &texts,
        ));
        Ok(())
    }

    async fn write(self, writer: &mut BatchWriter) -> Result<(), StorageError> {
        writer
            .insert(
                "message_thread",
                &[
                    "id",
                    "citizen_id",
                    "sent_by_person_id",
                    "office_id",
                    "practitioner_id",
                    "kind",
                    "subject",
                    "status",
                    "received_at",
                    "due_date",
                    "last_activity_at",
                    "citizen_unread",
                    "idempotency_key",
                ],
                self.threads,
            )
            .await?;
        writer
            .insert(
                "message",
                &[
                    "id",
                    "thread_id",
                    "sender",
                    "sender_staff_id",
                    "sender_name",
                    "body",
                    "sent_at",
                ],
                self.messages,
            )
            .await?;
        let backend = writer.db.backend();
        let (columns, shape) = search_row_shape(backend);
        let mut search = Vec::with_capacity(self.search.len() * columns.len());
        for row in self.search {
            // In the order of `search_row_shape`'s columns.
            search.push(Value::from(row.key(backend)?));
            if backend == Backend::Postgres {
                search.push(Value::from(row.last_activity_at));
            }
            search.push(Value::from(row.terms));
        }
        writer
            .insert_shaped("inbox_search", columns, shape, search)
            .await
    }
}

async fn write_slots(
    writer: &mut BatchWriter,
    plan: &PopulationPlan,
    ids: &Ids,
    now: i64,
) -> Result<(), StorageError> {
    let days = slot_days(now)?;
    let mut slot_id = ids.slot;
    for gp in 0..plan.gps() {
        let office = plan.office_of_gp(gp);
        let mut slots = Vec::new();
        for (day_index, day) in days.iter().enumerate() {
            let released = i64::from(day_index >= HELD_BACK_DAYS);
            let day_start = at_oslo(*day, 0, 0)?;
            for n in 0..SLOTS_PER_GP_DAY {
                // Ten 20-minute consultations from 08:00, six phone slots from 12:30.
                let (hour, minute, kind) = if n < 10 {
                    let minutes = 8 * 60 + 20 * n;
                    (minutes / 60, minutes % 60, AppointmentType::Konsultasjon)
                } else {
                    let minutes = 12 * 60 + 30 + 20 * (n - 10);
                    (minutes / 60, minutes % 60, AppointmentType::Telefontime)
                };
                let hour = i8::try_from(hour).unwrap_or(8);
                let minute = i8::try_from(minute).unwrap_or(0);
                let place = if kind == AppointmentType::Telefontime {
                    "Telefontime".to_owned()
                } else {
                    let (street, postal_code, city) = pick(PLACES, office);
                    format!("{street} {}, {postal_code} {city}", office % 90 + 1)
                };
                slots.extend([
                    Value::from(slot_id),
                    Value::from(ids.office(office)),
                    Value::from(ids.gp(gp)),
                    Value::from(at_oslo(*day, hour, minute)?),
                    Value::from(day_start),
                    Value::from(20),
                    Value::from(kind.code()),
                    Value::from(place),
                    Value::from(released),
                    Value::from(SlotPurpose::Ordinary.code()),
                    Value::from(0),
                    Value::from(now),
                ]);
                slot_id += 1;
            }
        }
        writer
            .insert(
                "slot",
                &[
                    "id",
                    "office_id",
                    "practitioner_id",
                    "starts_at",
                    "day_start",
                    "duration_minutes",
                    "appointment_type",
                    "place",
                    "released",
                    "purpose",
                    "removed",
                    "created_at",
                ],
                slots,
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_numbers_are_valid_distinct_and_synthetic() {
        let mut seen = std::collections::HashSet::new();
        for index in (0..200_000).step_by(7).chain([BIRTH_DAYS * 300]) {
            let fnr = synthetic_fnr(index).unwrap();
            assert_eq!(fnr.kind(), domain::NumberKind::Synthetic);
            assert!(Fodselsnummer::parse(fnr.as_str()).is_ok());
            assert!(seen.insert(fnr.as_str().to_owned()), "{index} repeats");
        }
    }

    #[test]
    fn a_million_citizens_get_national_proportions() {
        let plan = PopulationPlan::new(1_000_000, 10);
        assert_eq!(plan.gps(), 910);
        assert_eq!(plan.offices(), 182);
        // Each office's citizens are on its own GPs' lists.
        for n in 0..2_000 {
            let citizen = plan.citizen_of_office(3, n).unwrap();
            assert_eq!(plan.office_of_gp(plan.gp_of(citizen)), 3);
        }
        assert!(plan.offices_with_services().all(office_offers_services));
        assert_eq!(plan.offices_with_services().count(), 164);
    }
}
