//! sqlx is a library on tokio, but its SQLite driver runs each connection on a thread of its
//! own and calls none of sqlx's runtime functions: a `SqliteConnection` runs on every backend,
//! as docs/pitfalls.md says (an earlier version of that page said sqlx panics without tokio).
//! Here on every enabled backend, one-shot and on a kept runner, under the watchdog.

use std::time::Duration;

use oneoff::Backend;
use oneoff_workloads::watchdog;
use sqlx::{Connection, Row};

/// Creates a table in a database in memory, fills it and reads the sum back.
async fn sum_in_sqlite() -> Result<i64, sqlx::Error> {
    let mut connection = sqlx::SqliteConnection::connect("sqlite::memory:").await?;
    sqlx::query("CREATE TABLE numbers (n INTEGER NOT NULL)")
        .execute(&mut connection)
        .await?;
    sqlx::query("INSERT INTO numbers (n) VALUES (?), (?)")
        .bind(40_i64)
        .bind(2_i64)
        .execute(&mut connection)
        .await?;
    let row = sqlx::query("SELECT SUM(n) FROM numbers")
        .fetch_one(&mut connection)
        .await?;
    let sum = row.try_get(0)?;
    connection.close().await?;
    Ok(sum)
}

#[test]
fn a_sqlite_connection_runs_on_every_backend() {
    watchdog("sqlx on every backend", Duration::from_secs(120), || {
        for backend in Backend::ALL {
            let once = backend.run(sum_in_sqlite());
            assert_eq!(once.unwrap().unwrap(), 42, "one-shot on {backend}");
            let runner = backend.runner().unwrap();
            for _ in 0..2 {
                let kept = runner.block_on(sum_in_sqlite());
                assert_eq!(kept.unwrap().unwrap(), 42, "kept runner on {backend}");
            }
        }
    });
}
