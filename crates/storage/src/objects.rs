//! Object storage for attachments: the bytes live outside the database, under a random key.
//! The embedded default is a local folder; a store shared by many app processes (an
//! S3-compatible one) plugs in behind the same methods.

use std::path::PathBuf;

use crate::{StorageError, random_token};

/// Where attachment bytes are kept.
#[derive(Debug, Clone)]
pub struct ObjectStore {
    root: PathBuf,
}

impl ObjectStore {
    /// A local folder (created when missing).
    pub fn local(root: impl Into<PathBuf>) -> Result<Self, StorageError> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(|e| {
            StorageError::Unavailable(format!("object folder {}: {e}", root.display()))
        })?;
        Ok(Self { root })
    }

    fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        // Keys are our own random tokens; anything else (a path, "..") is refused.
        if key.len() < 16
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(StorageError::Corrupt("bad object key".into()));
        }
        Ok(self.root.join(&key[..2]).join(key))
    }

    /// Stores bytes under a new key; the file appears whole or not at all.
    pub async fn put(&self, bytes: &[u8]) -> Result<String, StorageError> {
        let key = random_token();
        let path = self.path(&key)?;
        let unavailable =
            |e: std::io::Error| StorageError::Unavailable(format!("object store: {e}"));
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
        Ok(key)
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        let path = self.path(key)?;
        tokio::fs::read(&path)
            .await
            .map_err(|e| StorageError::Unavailable(format!("object store: {e}")))
    }

    /// Removes an object; one already gone is no error.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StorageError::Unavailable(format!("object store: {e}"))),
        }
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
}
