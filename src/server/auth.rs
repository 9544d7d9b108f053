//! Review server access: a token every request must carry when one is set — as a
//! bearer header, a cookie, or once in the page's address (which sets the cookie, so
//! the page's own requests and images carry it from then on).

use super::Shared;
use crate::error::{Error, Result};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

const COOKIE: &str = "nianbao_token";

/// 128 random bits, hex: from the kernel's generator, so no dependency is needed.
pub fn new_token() -> Result<String> {
    let path = Path::new("/dev/urandom");
    let mut bytes = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::io(path, e))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub async fn require_token(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let Some(token) = &s.token else {
        return next.run(req).await;
    };
    let in_query = query_token(req.uri().query().unwrap_or(""));
    let carried = bearer(req.headers())
        .or_else(|| cookie(req.headers()))
        .or(in_query.clone());
    if !carried.is_some_and(|t| same(&t, token)) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "401: this review server needs its token: open the address it printed \
             (…/?token=…) or send Authorization: Bearer TOKEN\n",
        )
            .into_response();
    }
    let mut resp = next.run(req).await;
    if in_query.is_some() {
        let value = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
        if let Ok(v) = value.parse() {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp
}

fn bearer(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn cookie(h: &HeaderMap) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            kv.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_string)
        })
}

fn query_token(q: &str) -> Option<String> {
    q.split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .map(str::to_string)
}

/// Compares in time that does not depend on where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_where_clients_put_them() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&h).as_deref(), Some("abc"));
        h.insert(header::COOKIE, "x=1; nianbao_token=def".parse().unwrap());
        assert_eq!(cookie(&h).as_deref(), Some("def"));
        assert_eq!(query_token("a=1&token=ghi").as_deref(), Some("ghi"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
        let t = new_token().unwrap();
        assert_eq!(t.len(), 32);
        assert_ne!(t, new_token().unwrap());
    }
}
