//! Review server: the local web page where people clear the archive's review queue —
//! a small JSON API over [`crate::archive::queue`] and [`crate::archive::decide`], the
//! images it shows (by id, never by path), and the page's own assets, all served by
//! this binary.

mod api;
mod auth;
mod limit;

use crate::archive::Archive;
use crate::error::{Error, Result};
use crate::rasterize::PdfiumRasterizer;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Options of [`Server::bind`].
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Loopback by default: the archive is the reviewers' own data, not the network's.
    pub addr: SocketAddr,
    /// Required on every request when set; [`ServeOptions::resolve_token`] sets one for
    /// any address other than loopback.
    pub token: Option<String>,
    /// Where pdfium is, for the page images of the document view (`None`: the usual
    /// places, see [`PdfiumRasterizer::load`]).
    pub pdfium: Option<PathBuf>,
    /// Requests served at once; past it the answer is 503 with Retry-After. 64: a
    /// team's pages make a few requests each, and 64 waiting on the archive's few
    /// milliseconds apiece still answer within a second.
    pub max_requests: usize,
    /// Opens encrypted PDFs for the page images: the password their `batch` run was
    /// given. None by default, as reports are published open.
    pub password: Option<String>,
    /// Page images rendered at once (each a whole PDF page, about a second of one
    /// core): past 4 a reviewer would wait longer than a retry takes.
    pub max_page_renders: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 8700)),
            token: None,
            pdfium: None,
            password: None,
            max_requests: 64,
            max_page_renders: 4,
        }
    }
}

impl ServeOptions {
    /// The token to require: the one given, or for an address other than loopback a
    /// new random one (returned with `true` so the caller prints it).
    pub fn resolve_token(&mut self) -> Result<bool> {
        if self.token.is_some() || self.addr.ip().is_loopback() {
            return Ok(false);
        }
        self.token = Some(auth::new_token()?);
        Ok(true)
    }
}

pub(crate) struct Shared {
    archive: Mutex<Archive>,
    pdf: std::result::Result<PdfiumRasterizer, String>,
    password: Option<String>,
    token: Option<String>,
}

/// A bound review server, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    runtime: tokio::runtime::Runtime,
    router: Router,
}

impl Server {
    /// Opens the archive and binds `opts.addr` (port 0 picks a free one).
    pub fn bind(db: &Path, opts: &ServeOptions) -> Result<Server> {
        let archive = Archive::open(db)?;
        let pdf = PdfiumRasterizer::load(opts.pdfium.as_deref()).map_err(|e| e.to_string());
        if let Err(e) = &pdf {
            log::warn!("page images unavailable in the document view: {e}");
        }
        let shared = Arc::new(Shared {
            archive: Mutex::new(archive),
            pdf,
            password: opts.password.clone(),
            token: opts.token.clone(),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_io()
            .build()
            .map_err(|e| Error::io(db, e))?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(opts.addr))
            .map_err(|e| Error::io(Path::new(&opts.addr.to_string()), e))?;
        Ok(Server {
            listener,
            runtime,
            router: router(shared, opts),
        })
    }

    /// The address bound, with the port chosen when 0 was asked for.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the process is stopped.
    pub fn run(self) -> Result<()> {
        let addr = self.local_addr().ok();
        let Server {
            listener,
            runtime,
            router,
        } = self;
        runtime
            .block_on(async move { axum::serve(listener, router).await })
            .map_err(|e| Error::io(Path::new(&format!("{addr:?}")), e))
    }
}

fn router(shared: Arc<Shared>, opts: &ServeOptions) -> Router {
    let renders = limit::Gate::new("page renders", opts.max_page_renders, 2);
    let requests = limit::Gate::new("requests", opts.max_requests, 1);
    Router::new()
        .route("/", get(|| async { asset("index.html") }))
        .route("/doc/{id}", get(|| async { asset("doc.html") }))
        .route("/assets/{name}", get(api::assets))
        .route("/api/queue", get(api::queue))
        .route("/api/filters", get(api::filters))
        .route("/api/claim", post(api::claim))
        .route("/api/decide", post(api::decide))
        .route("/api/undo", post(api::undo))
        .route("/api/checks", get(api::checks))
        .route("/api/documents/{id}", get(api::document))
        .route("/api/audit", get(api::audit))
        .route("/img/cell/{doc}/{table}/{row}/{col}", get(api::cell_image))
        .route("/img/row/{doc}/{table}/{row}", get(api::row_image))
        .route(
            "/img/page/{doc}/{page}",
            get(api::page_image)
                .route_layer(axum::middleware::from_fn_with_state(renders, limit::guard)),
        )
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            auth::require_token,
        ))
        // Outermost: an overloaded server spends nothing on a request it turns away.
        .layer(axum::middleware::from_fn_with_state(requests, limit::guard))
        .with_state(shared)
}

/// The page's files, built into the binary so nothing is fetched from elsewhere.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("assets/index.html"),
    ),
    (
        "doc.html",
        "text/html; charset=utf-8",
        include_str!("assets/doc.html"),
    ),
    (
        "queue.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/queue.js"),
    ),
    (
        "doc.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/doc.js"),
    ),
    (
        "common.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/common.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("assets/style.css"),
    ),
];

fn asset(name: &str) -> Response {
    match ASSETS.iter().find(|a| a.0 == name) {
        Some((_, mime, body)) => ([(header::CONTENT_TYPE, *mime)], *body).into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
