//! Object storage for attachments: the bytes live outside the database, under a random key.
//! The embedded default is a local folder; many app processes share an S3-compatible store
//! (path-style requests signed with AWS Signature Version 4).

use std::path::PathBuf;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::{StorageError, hex, random_token};

/// Where attachment bytes are kept.
#[derive(Debug, Clone)]
pub enum ObjectStore {
    /// A folder on this machine (the embedded default).
    Local(PathBuf),
    /// An S3-compatible store.
    S3(S3Store),
}

/// How to reach an S3-compatible bucket.
#[derive(Clone)]
pub struct S3Settings {
    /// E.g. `https://s3.eu-north-1.amazonaws.com` or `http://127.0.0.1:9000`.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: SecretString,
    pub secret_access_key: SecretString,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct S3Store {
    settings: S3Settings,
    http: reqwest::Client,
}

fn unavailable(what: impl std::fmt::Display) -> StorageError {
    StorageError::Unavailable(format!("object store: {what}"))
}

/// Keys are our own random tokens; anything else (a path, "..") is refused.
fn check_key(key: &str) -> Result<(), StorageError> {
    if key.len() < 16
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(StorageError::Corrupt("bad object key".into()));
    }
    Ok(())
}

impl ObjectStore {
    /// A local folder (created when missing).
    pub fn local(root: impl Into<PathBuf>) -> Result<Self, StorageError> {
        let root = root.into();
        std::fs::create_dir_all(&root)
            .map_err(|e| unavailable(format!("{}: {e}", root.display())))?;
        Ok(Self::Local(root))
    }

    /// An S3-compatible bucket.
    pub fn s3(settings: S3Settings) -> Result<Self, StorageError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(unavailable)?;
        Ok(Self::S3(S3Store { settings, http }))
    }

    fn local_path(root: &std::path::Path, key: &str) -> Result<PathBuf, StorageError> {
        check_key(key)?;
        Ok(root.join(&key[..2]).join(key))
    }

    /// Stores bytes under a new key; the object appears whole or not at all.
    pub async fn put(&self, bytes: &[u8]) -> Result<String, StorageError> {
        let key = random_token();
        match self {
            Self::Local(root) => {
                let path = Self::local_path(root, &key)?;
                if let Some(parent) = path.parent() {
                    tokio::fs::create_dir_all(parent)
                        .await
                        .map_err(unavailable)?;
                }
                let partial = path.with_extension("partial");
                tokio::fs::write(&partial, bytes)
                    .await
                    .map_err(unavailable)?;
                tokio::fs::rename(&partial, &path)
                    .await
                    .map_err(unavailable)?;
            }
            Self::S3(s3) => {
                s3.request(reqwest::Method::PUT, Some(&key), bytes.to_vec())
                    .await?;
            }
        }
        Ok(key)
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        match self {
            Self::Local(root) => tokio::fs::read(Self::local_path(root, key)?)
                .await
                .map_err(unavailable),
            Self::S3(s3) => {
                check_key(key)?;
                s3.request(reqwest::Method::GET, Some(key), Vec::new())
                    .await
            }
        }
    }

    /// Removes an object; one already gone is no error.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self {
            Self::Local(root) => match tokio::fs::remove_file(Self::local_path(root, key)?).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(unavailable(e)),
            },
            Self::S3(s3) => {
                check_key(key)?;
                s3.request(reqwest::Method::DELETE, Some(key), Vec::new())
                    .await
                    .map(|_| ())
            }
        }
    }

    /// Creates the S3 bucket if it does not exist (for a fresh store; production buckets are
    /// usually made by their owners). A local folder needs nothing.
    pub async fn ensure_bucket(&self) -> Result<(), StorageError> {
        match self {
            Self::Local(_) => Ok(()),
            Self::S3(s3) => match s3.request(reqwest::Method::HEAD, None, Vec::new()).await {
                Ok(_) => Ok(()),
                Err(_) => {
                    // Outside us-east-1, S3 wants the region named when a bucket is made.
                    let body = if s3.settings.region == "us-east-1" {
                        Vec::new()
                    } else {
                        format!(
                            "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                             <LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
                            s3.settings.region
                        )
                        .into_bytes()
                    };
                    s3.request(reqwest::Method::PUT, None, body)
                        .await
                        .map(|_| ())
                }
            },
        }
    }
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The `Authorization` header of AWS Signature Version 4 for a request without query string
/// whose signed headers are host, x-amz-content-sha256 and x-amz-date.
pub(crate) fn sigv4_authorization(
    settings: &S3Settings,
    method: &str,
    canonical_path: &str,
    host: &str,
    payload_hash: &str,
    amz_date: &str,
) -> String {
    let date = &amz_date[..8];
    let canonical_request = format!(
        "{method}\n{canonical_path}\n\nhost:{host}\nx-amz-content-sha256:{payload_hash}\nx-amz-date:{amz_date}\n\n\
         host;x-amz-content-sha256;x-amz-date\n{payload_hash}"
    );
    let scope = format!("{date}/{}/s3/aws4_request", settings.region);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let k_date = hmac(
        format!("AWS4{}", settings.secret_access_key.expose_secret()).as_bytes(),
        date,
    );
    let k_region = hmac(&k_date, &settings.region);
    let k_service = hmac(&k_region, "s3");
    let k_signing = hmac(&k_service, "aws4_request");
    let signature = hex(&hmac(&k_signing, &string_to_sign));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}",
        settings.access_key_id.expose_secret()
    )
}

impl S3Store {
    /// One signed path-style request to the bucket (or to an object in it).
    async fn request(
        &self,
        method: reqwest::Method,
        key: Option<&str>,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, StorageError> {
        let endpoint = self.settings.endpoint.trim_end_matches('/');
        let path = match key {
            Some(key) => format!("/{}/{key}", self.settings.bucket),
            None => format!("/{}", self.settings.bucket),
        };
        let url = url::Url::parse(&format!("{endpoint}{path}")).map_err(unavailable)?;
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => return Err(unavailable("endpoint without host")),
        };
        let payload_hash = hex(&Sha256::digest(&body));
        // Signing needs the wall clock; the store is infrastructure, not a domain rule.
        let amz_date = jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let authorization = sigv4_authorization(
            &self.settings,
            method.as_str(),
            url.path(),
            &host,
            &payload_hash,
            &amz_date,
        );
        let response = self
            .http
            .request(method, url)
            .header("x-amz-date", &amz_date)
            .header("x-amz-content-sha256", &payload_hash)
            .header("authorization", authorization)
            .body(body)
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(unavailable)?;
        if !status.is_success() {
            return Err(unavailable(format!("S3 answered {status}")));
        }
        Ok(bytes.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_reads_and_deletes() {
        let dir = std::env::temp_dir().join(format!("hp-objects-{}", random_token()));
        let store = ObjectStore::local(&dir).unwrap();
        let key = store.put(b"%PDF-1.4").await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), b"%PDF-1.4");
        store.delete(&key).await.unwrap();
        assert!(store.get(&key).await.is_err());
        store.delete(&key).await.unwrap();
    }

    #[tokio::test]
    async fn refuses_keys_that_are_paths() {
        let store = ObjectStore::local(std::env::temp_dir().join("hp-objects-keys")).unwrap();
        assert!(store.get("../../../../etc/passwd").await.is_err());
        assert!(store.get("short").await.is_err());
    }

    #[test]
    fn signature_matches_the_reference_signer() {
        // Computed with botocore's S3SigV4Auth for the same request, date and credentials (the
        // example credentials of the AWS documentation).
        let settings = S3Settings {
            endpoint: "http://127.0.0.1:9000".into(),
            bucket: "helseportal-attachments".into(),
            region: "eu-north-1".into(),
            access_key_id: SecretString::from("AKIAIOSFODNN7EXAMPLE"),
            secret_access_key: SecretString::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        };
        let empty = hex(&Sha256::digest(b""));
        assert_eq!(
            empty,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let auth = sigv4_authorization(
            &settings,
            "GET",
            "/helseportal-attachments/abcdefghijklmnop1234",
            "127.0.0.1:9000",
            &empty,
            "20261125T062056Z",
        );
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261125/eu-north-1/s3/aws4_request, \
             SignedHeaders=host;x-amz-content-sha256;x-amz-date, \
             Signature=1cea9ed4ae9bf916a149ecaaecfdd63c453b581ec4a92208fe4d928349224187"
        );
    }

    #[test]
    fn settings_never_print_the_secret() {
        let settings = S3Settings {
            endpoint: "http://127.0.0.1:9000".into(),
            bucket: "b".into(),
            region: "r".into(),
            access_key_id: SecretString::from("id"),
            secret_access_key: SecretString::from("very-secret"),
        };
        assert!(!format!("{settings:?}").contains("very-secret"));
    }
}
