//! The test app: the portal on port 0 with a fresh database, a hand-moved clock, and
//! "browsers" (HTTP clients with their own cookie jars) that log in through the built-in
//! identity provider exactly as a person's browser does.

pub mod delivery;

use std::ops::Deref;
use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use storage::Database;
use web::{AppState, ManualClock, OidcSettings, WebConfig};

/// Held while a test generates a population and while the test that checks what VACUUM did after generating runs: a transaction open in any database
/// of the shared PostgreSQL server keeps VACUUM from marking rows visible to all (measured on
/// PostgreSQL 15), and the generator keeps transactions open for seconds.
pub static LONG_TRANSACTIONS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub url: String,
    pub db: Database,
    pub objects: storage::ObjectStore,
    pub database_url: String,
    pub clock: Arc<ManualClock>,
    /// Every route the portal serves, as its router registered them.
    pub routes: web::RouteList,
    /// The test's own settings, for other processes of the same portal too.
    configure: fn(&mut WebConfig),
    browser: Browser,
}

impl Deref for TestApp {
    type Target = Browser;

    fn deref(&self) -> &Browser {
        &self.browser
    }
}

pub fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("helseportal-test-{}", storage::random_token()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh database of the chosen kind, with its URL.
pub async fn fresh_database(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}/portal.db", temp_dir().display()),
        Backend::Postgres => {
            let admin = std::env::var("HELSEPORTAL_TEST_POSTGRES_URL").expect(
                "HELSEPORTAL_TEST_POSTGRES_URL must name a PostgreSQL server for the tests \
                 (scripts/test.sh starts one)",
            );
            let name = format!(
                "test_{}",
                storage::random_token()
                    .to_lowercase()
                    .replace(['-', '_'], "")
            );
            let name = &name[..40];
            use sqlx::Connection;
            let mut conn = sqlx::postgres::PgConnection::connect(&admin).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .unwrap();
            let mut url = url::Url::parse(&admin).unwrap();
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
    }
}

impl TestApp {
    /// The portal with demo data on a fresh database, attachments in a fresh folder.
    pub async fn spawn(backend: Backend) -> Self {
        let objects = storage::ObjectStore::local(temp_dir().join("attachments")).unwrap();
        Self::spawn_with_objects(backend, objects).await
    }

    /// The portal on a fresh migrated database without demo data.
    pub async fn spawn_empty(backend: Backend) -> Self {
        let database_url = fresh_database(backend).await;
        let db = Database::connect(&database_url).await.unwrap();
        db.migrate().await.unwrap();
        let objects = storage::ObjectStore::local(temp_dir().join("attachments")).unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        Self::start(db, objects, database_url, clock, None).await
    }

    /// The portal on a database the test prepared itself (migrated, with what it holds).
    pub async fn spawn_on(db: Database, database_url: String) -> Self {
        let objects = storage::ObjectStore::local(temp_dir().join("attachments")).unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        Self::start(db, objects, database_url, clock, None).await
    }

    /// The portal as served behind a TLS-terminating proxy at `public_url`.
    pub async fn spawn_behind(backend: Backend, public_url: &str) -> Self {
        let database_url = fresh_database(backend).await;
        let db = Database::connect(&database_url).await.unwrap();
        db.migrate().await.unwrap();
        let objects = storage::ObjectStore::local(temp_dir().join("attachments")).unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        Self::start(db, objects, database_url, clock, Some(public_url)).await
    }

    /// The portal with demo data on a fresh database and the given object store.
    pub async fn spawn_with_objects(backend: Backend, objects: storage::ObjectStore) -> Self {
        Self::spawn_with_config(backend, objects, |_| {}).await
    }

    /// The portal with demo data and settings of the test's own (low limits, a proxy header).
    pub async fn spawn_configured(backend: Backend, configure: fn(&mut WebConfig)) -> Self {
        let objects = storage::ObjectStore::local(temp_dir().join("attachments")).unwrap();
        Self::spawn_with_config(backend, objects, configure).await
    }

    async fn spawn_with_config(
        backend: Backend,
        objects: storage::ObjectStore,
        configure: fn(&mut WebConfig),
    ) -> Self {
        let database_url = fresh_database(backend).await;
        let db = Database::connect(&database_url).await.unwrap();
        db.migrate().await.unwrap();
        assert!(storage::seed_demo(&db).await.unwrap());
        Self::start_with(
            db,
            objects,
            database_url,
            Arc::new(ManualClock::starting_now()),
            None,
            configure,
        )
        .await
    }

    async fn start(
        db: Database,
        objects: storage::ObjectStore,
        database_url: String,
        clock: Arc<ManualClock>,
        public_url: Option<&str>,
    ) -> Self {
        Self::start_with(db, objects, database_url, clock, public_url, |_| {}).await
    }

    async fn start_with(
        db: Database,
        objects: storage::ObjectStore,
        database_url: String,
        clock: Arc<ManualClock>,
        public_url: Option<&str>,
        configure: fn(&mut WebConfig),
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let public_url = url::Url::parse(public_url.unwrap_or(&url)).unwrap();
        let mut config = WebConfig::new(public_url, OidcSettings::BuiltIn);
        configure(&mut config);
        let state = AppState::new(db.clone(), objects.clone(), config, clock.clone());
        let routes = web::route_list(&state);
        // Served as `helseportal serve` serves it, with each connection's address.
        let app = web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let browser = Browser::new(&url);
        Self {
            url,
            db,
            objects,
            database_url,
            clock,
            routes,
            configure,
            browser,
        }
    }

    /// Another app process on the same database (its own pool, its own port) serving the
    /// same public address, as behind a load balancer.
    pub async fn second_process(&self) -> TestApp {
        let db = Database::connect(&self.database_url).await.unwrap();
        Self::start_with(
            db,
            self.objects.clone(),
            self.database_url.clone(),
            self.clock.clone(),
            Some(&self.url),
            self.configure,
        )
        .await
    }

    pub fn new_browser(&self) -> Browser {
        Browser::new(&self.url)
    }

    /// A browser that sends a header with every request (as a proxy in front would add).
    pub fn new_browser_with_header(&self, name: &str, value: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
        Browser::with_headers(&self.url, headers)
    }

    pub fn new_browser_with_cookie(&self, cookie: &str) -> Browser {
        let browser = Browser::new(&self.url);
        browser
            .jar
            .add_cookie_str(&format!("{cookie}; Path=/"), &browser.base());
        browser
    }

    pub fn clock_now(&self) -> i64 {
        use web::Clock;
        self.clock.now()
    }
}

/// One person's browser: its own cookies, no automatic redirects (tests look at each one).
pub struct Browser {
    url: String,
    client: reqwest::Client,
    jar: Arc<Jar>,
}

impl Browser {
    /// A browser of its own for a portal at `url` (a process the test started).
    pub fn at(url: &str) -> Self {
        Self::new(url)
    }

    pub fn new(url: &str) -> Self {
        Self::with_headers(url, reqwest::header::HeaderMap::new())
    }

    fn with_headers(url: &str, headers: reqwest::header::HeaderMap) -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            url: url.to_owned(),
            client,
            jar,
        }
    }

    fn base(&self) -> url::Url {
        url::Url::parse(&self.url).unwrap()
    }

    fn absolute(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.url)
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.absolute(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.absolute(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a multipart form: text fields and files (name, bytes).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, Vec<u8>)],
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        for (file_name, bytes) in files {
            let part =
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(file_name.to_string());
            form = form.part("vedlegg", part);
        }
        self.client
            .post(self.absolute(path))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// The page at `path` and the CSRF token of its form posting to `action`.
    pub async fn page_and_csrf(&self, path: &str, action: &str) -> (String, String) {
        let page = self.get(path).await.text().await.unwrap();
        let csrf = csrf_of_form(&page, action);
        (page, csrf)
    }

    pub async fn post_raw(&self, path: &str, body: &str) -> reqwest::Response {
        self.client
            .post(self.absolute(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// Posts a body the server may answer before reading it all (one over a size limit); the
    /// server then closes the connection, so it is not kept for the next request.
    pub async fn post_raw_and_close(&self, path: &str, body: &str) -> reqwest::Response {
        self.client
            .post(self.absolute(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("connection", "close")
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    fn cookie(&self, path: &str, name: &str) -> Option<String> {
        let url = url::Url::parse(&format!("{}{path}", self.url)).unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .unwrap()
            .split("; ")
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_owned())
    }

    pub async fn session_token(&self) -> String {
        self.cookie("/", "hp_session").expect("a session cookie")
    }

    /// The pending-login cookie, as a `name=value` pair.
    pub async fn login_cookie(&self) -> String {
        format!(
            "hp_login={}",
            self.cookie("/auth/callback", "hp_login")
                .expect("a login cookie")
        )
    }

    /// Sets a cookie for the whole site, as a page of the site (or a sibling) could.
    pub fn add_cookie(&self, cookie: &str) {
        self.jar
            .add_cookie_str(&format!("{cookie}; Path=/"), &self.base());
    }

    /// Sends a request with any method and a form body.
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .request(method, self.absolute(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn forget_session(&self) {
        self.jar
            .add_cookie_str("hp_session=; Max-Age=0; Path=/", &self.base());
    }

    /// Follows a login link to the identity provider and returns its page.
    pub async fn start_login(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{path} redirects to the provider"
        );
        let provider = response.headers()["location"].to_str().unwrap().to_owned();
        let page = self.get(&provider).await;
        assert_eq!(page.status(), StatusCode::OK);
        page.text().await.unwrap()
    }

    /// Submits the provider's number field.
    pub async fn submit_idp_form(&self, idp_page: &str, fnr: &str) -> reqwest::Response {
        let mut fields = hidden_fields(idp_page);
        fields.push(("fnr".into(), fnr.into()));
        let form: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post("/testidp/authorize", &form).await
    }

    /// Logs in at the provider; returns the callback URL it sends the browser to.
    pub async fn authorize(&self, idp_page: &str, fnr: &str) -> String {
        let response = self.submit_idp_form(idp_page, fnr).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        response.headers()["location"].to_str().unwrap().to_owned()
    }

    /// Completes a login at the provider; returns where the portal sends the browser next.
    pub async fn finish_login(&self, idp_page: &str, fnr: &str) -> String {
        let callback = self.authorize(idp_page, fnr).await;
        let response = self.get(&callback).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{}",
            response.text().await.unwrap()
        );
        response.headers()["location"].to_str().unwrap().to_owned()
    }

    pub async fn login(&self, fnr: &str) {
        let page = self.start_login("/logg-inn").await;
        assert_eq!(self.finish_login(&page, fnr).await, "/");
    }

    pub async fn login_with_consent(&self, fnr: &str, level: &str) {
        self.login(fnr).await;
        let page = self.get("/samtykke").await.text().await.unwrap();
        let csrf = csrf_in(&page);
        let response = self
            .post("/samtykke", &[("_csrf", csrf.as_str()), ("level", level)])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }

    pub async fn login_staff(&self, fnr: &str) {
        let page = self.start_login("/kontor/logg-inn").await;
        assert_eq!(self.finish_login(&page, fnr).await, "/kontor");
    }
}

/// Undoes HTML escaping as templates apply it (named and numeric entities).
pub fn unescape(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// The hidden inputs of the first form on a page.
pub fn hidden_fields(page: &str) -> Vec<(String, String)> {
    let form = page.split("</form>").next().unwrap();
    form.split(r#"<input type="hidden" name=""#)
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once('"').unwrap();
            let value = rest
                .split_once(r#"value=""#)
                .unwrap()
                .1
                .split('"')
                .next()
                .unwrap();
            (name.to_owned(), unescape(value))
        })
        .collect()
}

/// The CSRF token of the form that posts to `action`.
pub fn csrf_of_form(page: &str, action: &str) -> String {
    let marker = format!(r#"action="{action}""#);
    let form = page.split(&marker).nth(1).expect("the form is on the page");
    csrf_in(form)
}

/// The CSRF token of the first form on a page.
pub fn csrf_in(page: &str) -> String {
    hidden_fields(page)
        .into_iter()
        .find(|(name, _)| name == "_csrf")
        .map(|(_, v)| v)
        .expect("a CSRF field")
}

/// The service card titles of "Din fastlege", in order.
pub fn card_titles(page: &str) -> Vec<String> {
    page.split(r#"<h3 class="card-title">"#)
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap().to_owned())
        .collect()
}

pub fn no_consent_yet(page: &str) -> bool {
    page.contains("Første gang du logger inn, må du samtykke til bruk av Helseportal.")
}

pub fn kari() -> domain::Fodselsnummer {
    domain::Fodselsnummer::parse(storage::DemoPersons::KARI_NORDMANN).unwrap()
}

/// The id of a person the test knows is there (a demo or generated citizen).
pub async fn person_id(db: &Database, fnr: &str) -> i64 {
    db.person_id_by_fnr(fnr)
        .await
        .unwrap()
        .expect("the person exists")
}

/// A staff member the test knows is there (one of the demo office's).
pub async fn staff(db: &Database, fnr: &str) -> storage::StaffMember {
    db.staff_by_fnr(fnr)
        .await
        .unwrap()
        .expect("the staff member exists")
}

pub fn asset_url(page: &str, name: &str) -> String {
    let marker = format!("/static/{name}?v=");
    let start = page.find(&marker).expect("the asset is linked");
    page[start..].split('"').next().unwrap().to_owned()
}

pub fn query_param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .unwrap()
        .1
        .into_owned()
}

pub fn replace_query_param(url: &str, name: &str, value: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            if k == name {
                (k.into_owned(), value.to_owned())
            } else {
                (k.into_owned(), v.into_owned())
            }
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

pub fn replace_origin(url: &str, origin: &str) -> String {
    let parsed = url::Url::parse(url).unwrap();
    format!("{origin}{}?{}", parsed.path(), parsed.query().unwrap_or(""))
}

pub async fn client_secret(app: &TestApp) -> String {
    app.db
        .setting_or_create("test_idp_client_secret", String::new)
        .await
        .unwrap()
}

/// A small whole PNG (1x1 pixel).
pub fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0, 0, 0, 13]);
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
    ]);
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes.extend_from_slice(b"IEND");
    bytes.extend_from_slice(&[0xae, 0x42, 0x60, 0x82]);
    bytes
}

/// A small whole PDF, padded to `size` bytes.
pub fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n1 0 obj << >> endobj\n".to_vec();
    bytes.resize(size.saturating_sub(7).max(bytes.len()), b' ');
    bytes.extend_from_slice(b"\n%%EOF\n");
    bytes
}

/// The path a redirect points to.
pub fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// An S3-compatible store on the server the test command starts (its address is in
/// `HELSEPORTAL_TEST_S3_ENDPOINT`), with a fresh bucket.
pub async fn s3_store() -> storage::ObjectStore {
    let endpoint = std::env::var("HELSEPORTAL_TEST_S3_ENDPOINT").expect(
        "HELSEPORTAL_TEST_S3_ENDPOINT must name an S3-compatible server for the tests (scripts/test.sh starts one)",
    );
    let bucket = format!(
        "test-{}",
        storage::random_token()
            .to_lowercase()
            .replace(['-', '_'], "")[..20]
            .to_owned()
    );
    let store = storage::ObjectStore::s3(storage::S3Settings {
        endpoint,
        bucket,
        region: "eu-north-1".into(),
        access_key_id: "helseportal-test".into(),
        secret_access_key: "helseportal-test-secret".into(),
    })
    .unwrap();
    store.ensure_bucket().await.unwrap();
    store
}
