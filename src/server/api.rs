//! Review server handlers: each parses its request, runs the archive work on a
//! blocking thread, and answers JSON (errors as `{"error": …}` with a status a client
//! can act on: 400 bad request, 403 a password needed, 404 unknown or gone, 409
//! someone else's change, 422 a report's file no longer readable, 500 ours).

use super::{asset, Shared};
use crate::archive::decide::{self, Decision, DecisionError};
use crate::archive::queue::{self, CellKey, QueueFilter};
use crate::archive::Archive;
use crate::error::Error;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

type St = State<Arc<Shared>>;

/// An answer that is not a success.
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

impl From<Error> for ApiError {
    /// A report's file that moved, changed or needs a password since its conversion is
    /// the user's to fix and said so; the rest is the server's.
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::Io { cause, .. } if cause.kind() == std::io::ErrorKind::NotFound => {
                StatusCode::NOT_FOUND
            }
            Error::Encrypted { .. } => StatusCode::FORBIDDEN,
            Error::UnknownFormat { .. }
            | Error::Image { .. }
            | Error::Pdf { .. }
            | Error::Empty { .. }
            | Error::NoPages { .. }
            | Error::TooLarge { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            log::error!("{e}");
        } else {
            log::warn!("{e}");
        }
        ApiError::new(status, e.to_string())
    }
}

impl From<DecisionError> for ApiError {
    fn from(e: DecisionError) -> Self {
        let status = match e {
            DecisionError::Archive(e) => return e.into(),
            DecisionError::Invalid(_) => StatusCode::BAD_REQUEST,
            DecisionError::NotFound(_) => StatusCode::NOT_FOUND,
            DecisionError::Conflict(_) => StatusCode::CONFLICT,
            DecisionError::Sql(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

type Answer<T> = std::result::Result<T, ApiError>;

/// Runs `f` on the archive off the async threads: SQLite blocks.
async fn on_archive<T, F>(s: Arc<Shared>, f: F) -> Answer<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Archive, &Shared) -> Answer<T> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        // A panic while holding the lock leaves SQLite consistent (the transaction
        // rolls back), so the archive stays usable.
        let mut a = s.archive.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut a, &s)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

async fn json<T, F>(s: Arc<Shared>, f: F) -> Response
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut Archive, &Shared) -> Answer<T> + Send + 'static,
{
    match on_archive(s, f).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A JSON body, with serde's own words for what is wrong with it.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Answer<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("bad request body: {e}")))
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

pub async fn assets(Path(name): Path<String>) -> Response {
    asset(&name)
}

#[derive(Deserialize)]
pub struct QueueParams {
    organization: Option<String>,
    year: Option<i64>,
    table: Option<String>,
    reason: Option<String>,
    reviewer: Option<String>,
    /// How many items to send: a screenful and the prefetch behind it.
    limit: Option<usize>,
}

pub async fn queue(State(s): St, Query(p): Query<QueueParams>) -> Response {
    let filter = QueueFilter {
        organization: p.organization,
        year: p.year,
        table: p.table,
        reason: p.reason,
        reviewer: p.reviewer,
    };
    let limit = p.limit.unwrap_or(50).min(1000);
    json(s, move |a, _| {
        Ok(queue::queue(a, &filter, limit, now_unix())?)
    })
    .await
}

pub async fn filters(State(s): St) -> Response {
    json(s, |a, _| Ok(queue::filter_choices(a)?)).await
}

#[derive(Deserialize)]
struct ClaimRequest {
    #[serde(flatten)]
    key: CellKey,
    reviewer: String,
}

pub async fn claim(State(s): St, bytes: Bytes) -> Response {
    json(s, move |a, _| {
        let c: ClaimRequest = body(&bytes)?;
        decide::claim(a, &c.key, &c.reviewer, now_unix())?;
        Ok(serde_json::json!({ "claimed": true, "seconds": decide::CLAIM_SECONDS }))
    })
    .await
}

pub async fn decide(State(s): St, bytes: Bytes) -> Response {
    json(s, move |a, _| {
        let d: Decision = body(&bytes)?;
        Ok(decide::decide(a, &d, now_unix())?)
    })
    .await
}

#[derive(Deserialize)]
struct UndoRequest {
    audit: i64,
    reviewer: String,
}

pub async fn undo(State(s): St, bytes: Bytes) -> Response {
    json(s, move |a, _| {
        let u: UndoRequest = body(&bytes)?;
        Ok(decide::undo(a, u.audit, &u.reviewer)?)
    })
    .await
}

#[derive(Deserialize)]
pub struct ChecksParams {
    document: i64,
    table: String,
}

pub async fn checks(State(s): St, Query(p): Query<ChecksParams>) -> Response {
    json(s, move |a, _| {
        Ok(queue::table_checks(a, p.document, &p.table)?)
    })
    .await
}

fn not_found(what: String) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, what)
}

pub async fn document(State(s): St, Path(id): Path<i64>) -> Response {
    json(s, move |a, _| {
        queue::document_view(a, id)?.ok_or_else(|| not_found(format!("no document {id}")))
    })
    .await
}

#[derive(Deserialize)]
pub struct AuditParams {
    document: Option<i64>,
}

pub async fn audit(State(s): St, Query(p): Query<AuditParams>) -> Response {
    json(s, move |a, _| Ok(decide::audit_trail(a, p.document)?)).await
}

fn image(mime: &'static str, bytes: Answer<Vec<u8>>) -> Response {
    match bytes {
        Ok(b) => (
            [
                (header::CONTENT_TYPE, mime),
                // Crops never change once batch wrote them; the page prefetches them.
                (header::CACHE_CONTROL, "private, max-age=3600"),
            ],
            b,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn cell_image(
    State(s): St,
    Path((document, table, row, col)): Path<(i64, String, String, String)>,
) -> Response {
    let key = CellKey {
        document,
        table,
        row,
        col,
    };
    let png = on_archive(s, move |a, _| {
        queue::cell_image(a, &key)?.ok_or_else(|| not_found(format!("no image of {key}")))
    })
    .await;
    image("image/png", png)
}

pub async fn row_image(
    State(s): St,
    Path((document, table, row)): Path<(i64, String, String)>,
) -> Response {
    let key = CellKey {
        document,
        table,
        row,
        col: String::new(),
    };
    let png = on_archive(s, move |a, _| {
        queue::row_image(a, &key)?
            .map(|(_, png)| png)
            .ok_or_else(|| not_found(format!("no row image of {key}")))
    })
    .await;
    image("image/png", png)
}

pub async fn page_image(State(s): St, Path((doc, page)): Path<(i64, usize)>) -> Response {
    let source = on_archive(s.clone(), move |a, _| {
        queue::page_source(a, doc, page)?
            .ok_or_else(|| not_found(format!("document {doc} has no page {page}")))
    })
    .await;
    // Rendered without the archive's lock: a page takes a while, decisions do not.
    let jpeg = match source {
        Ok((path, dpi)) => tokio::task::spawn_blocking(move || {
            let pdf = s
                .pdf
                .as_ref()
                .map_err(|e| not_found(format!("page images unavailable: {e}")))?;
            Ok(queue::render_page(
                &path,
                page,
                dpi,
                pdf,
                s.password.as_deref(),
            )?)
        })
        .await
        .unwrap_or_else(|e| {
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                e.to_string(),
            ))
        }),
        Err(e) => Err(e),
    };
    image("image/jpeg", jpeg)
}
