use sqlx::Row;

use crate::{Database, StorageError};

impl Database {
    /// A value shared by every app process (such as the built-in identity provider's client
    /// secret): created once with `make`, then read by all.
    pub async fn setting_or_create(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, StorageError> {
        sqlx::query(
            "INSERT INTO app_setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(make())
        .execute(&mut *self.write_connection().await?)
        .await?;
        let row = sqlx::query("SELECT value FROM app_setting WHERE key = $1")
            .bind(key)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("value")?)
    }
}
