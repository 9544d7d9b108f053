//! Overload guard: past a cap on requests in progress, the server answers 503 with
//! `Retry-After` at once rather than queueing without bound, so a client (the review
//! page retries) learns in a millisecond that it should come back, and the requests
//! already in progress keep their pace.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Counts the requests it lets through and turns away those past `max`.
#[derive(Debug)]
pub struct Gate {
    what: &'static str,
    max: usize,
    retry_after_secs: u32,
    in_progress: AtomicUsize,
    /// Set when a request is turned away, cleared once load falls to half the cap: a
    /// burst is logged once, not once per request.
    overloaded: AtomicBool,
}

/// A place taken at a gate, given back when the request ends however it ends.
struct Pass<'a>(&'a AtomicUsize);

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Gate {
    pub fn new(what: &'static str, max: usize, retry_after_secs: u32) -> Arc<Gate> {
        Arc::new(Gate {
            what,
            max: max.max(1),
            retry_after_secs,
            in_progress: AtomicUsize::new(0),
            overloaded: AtomicBool::new(false),
        })
    }

    /// A place, or past the cap whether this is the first request turned away since
    /// the gate was last at ease.
    fn enter(&self) -> Result<Pass<'_>, bool> {
        let before = self.in_progress.fetch_add(1, Ordering::SeqCst);
        let pass = Pass(&self.in_progress);
        if before < self.max {
            if before <= self.max / 2 {
                self.overloaded.store(false, Ordering::SeqCst);
            }
            Ok(pass)
        } else {
            Err(!self.overloaded.swap(true, Ordering::SeqCst))
        }
    }
}

pub async fn guard(State(gate): State<Arc<Gate>>, req: Request, next: Next) -> Response {
    let _pass = match gate.enter() {
        Ok(pass) => pass,
        Err(first_away) => return turn_away(&gate, first_away),
    };
    next.run(req).await
}

fn turn_away(gate: &Gate, first_away: bool) -> Response {
    if first_away {
        log::warn!(
            "overloaded: more than {} {} at once; answering 503",
            gate.max,
            gate.what
        );
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, gate.retry_after_secs.to_string())],
        Json(serde_json::json!({
            "error": format!(
                "busy: {} {} in progress; try again in {} s",
                gate.max, gate.what, gate.retry_after_secs
            ),
        })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_lets_max_through_and_logs_each_burst_once() {
        let gate = Gate::new("requests", 2, 1);
        let a = gate.enter();
        let b = gate.enter();
        assert!(a.is_ok() && b.is_ok());
        assert_eq!(
            gate.enter().err(),
            Some(true),
            "a third is turned away, logged"
        );
        assert_eq!(
            gate.enter().err(),
            Some(false),
            "the same burst is not logged again"
        );
        drop(a);
        assert!(
            gate.enter().is_ok(),
            "a place is given back when a request ends"
        );
        drop(b);
        let calm = gate.enter();
        let busy = gate.enter();
        assert!(calm.is_ok() && busy.is_ok());
        assert_eq!(gate.enter().err(), Some(true), "a new burst is logged");
    }
}
