//! `palisade playground`: serves the built playground (`make playground`)
//! on a local address. Any static server would do; this one knows the
//! page's content types (`application/wasm` lets the browser compile the
//! module while it downloads) and serves nothing outside its directory.
//!
//! It runs on hyper, on one tokio thread: every connection is served as
//! its requests arrive. (tiny_http, used first, left a request unread now
//! and then while a browser held its other connections open, and the
//! page hung.)

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Serves `dir` on `address` until the process is stopped; `ready` hears
/// the address actually bound (the port, when `address` asks for port 0).
pub fn serve(dir: &Path, address: &str, ready: impl FnOnce(&str)) -> Result<()> {
    if !dir.join("index.html").is_file() {
        bail!(
            "{}: no index.html; build the playground with `make playground`",
            dir.display()
        );
    }
    let root: Arc<Path> = dir
        .canonicalize()
        .with_context(|| format!("reading {}", dir.display()))?
        .into();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .context("starting the server's runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("listening on {address}"))?;
        let bound = listener
            .local_addr()
            .map_or_else(|_| address.to_owned(), |a| a.to_string());
        ready(&bound);
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                // Out of file descriptors, say: wait for some to close.
                Err(e) => {
                    eprintln!("palisade playground: accepting a connection: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            let root = Arc::clone(&root);
            let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                let response = respond(&root, &request);
                async move { Ok::<_, Infallible>(response) }
            });
            tokio::spawn(async move {
                // A client that went away is its own business.
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

type FileResponse = Response<Full<Bytes>>;

fn respond<B>(root: &Path, request: &Request<B>) -> FileResponse {
    match *request.method() {
        // hyper leaves the body out of a HEAD response itself.
        Method::GET | Method::HEAD => {
            let url = request.uri().path_and_query().map_or("/", |p| p.as_str());
            file_response(root, url)
        }
        _ => text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD"),
    }
}

fn with_type(body: Vec<u8>, status: StatusCode, content_type: &'static str) -> FileResponse {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn text(status: StatusCode, body: &str) -> FileResponse {
    with_type(body.into(), status, "text/plain; charset=utf-8")
}

fn file_response(root: &Path, url: &str) -> FileResponse {
    let Some(path) = resolve(root, url) else {
        return text(StatusCode::NOT_FOUND, "not found");
    };
    match std::fs::read(&path) {
        Ok(body) => {
            let mut response = with_type(body, StatusCode::OK, content_type(&path));
            let headers = response.headers_mut();
            headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(_) => text(StatusCode::NOT_FOUND, "not found"),
    }
}

/// The file a URL names under `root`: the path percent-decoded, without
/// its query; `None` for anything that would leave `root` (`..`, absolute
/// parts, symbolic links out) or that is not a file.
pub fn resolve(root: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let relative = Path::new(decoded.trim_start_matches('/'));
    if decoded.contains(['\\', '\0'])
        || !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let mut file = root.join(relative);
    if file.is_dir() {
        file = file.join("index.html");
    }
    let file = file.canonicalize().ok()?;
    (file.starts_with(root) && file.is_file()).then_some(file)
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "css" => "text/css; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "yml" | "yaml" => "application/yaml",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Prints where the page is, on stdout at once (a script may wait for it).
pub fn announce(dir: &Path, address: &str) {
    println!(
        "serving {} at http://{address}/ (Ctrl-C stops)",
        dir.display()
    );
    let _ = std::io::stdout().flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_resolve_to_files_inside_the_root_only() {
        let tmp = std::env::temp_dir().join(format!("palisade-serve-{}", std::process::id()));
        let root = tmp.join("site");
        std::fs::create_dir_all(root.join("rules")).unwrap();
        std::fs::write(root.join("index.html"), "<html>").unwrap();
        std::fs::write(root.join("rules/no privilege.md"), "# x").unwrap();
        std::fs::write(tmp.join("secret"), "outside").unwrap();
        std::os::unix::fs::symlink(tmp.join("secret"), root.join("link")).unwrap();
        let root = root.canonicalize().unwrap();
        let found =
            |url: &str| resolve(&root, url).map(|p| p.strip_prefix(&root).unwrap().to_owned());
        assert_eq!(found("/"), Some("index.html".into()));
        assert_eq!(found("/index.html?x=1#y"), Some("index.html".into()));
        assert_eq!(
            found("/rules/no%20privilege.md"),
            Some("rules/no privilege.md".into())
        );
        for outside in [
            "/../secret",
            "/%2e%2e/secret",
            "/rules/../../secret",
            "/rules/%2E%2E/%2E%2E/secret",
            "/..%2fsecret",
            "/..%5csecret",
            "//etc/passwd",
            "/link",
            "/rules",
            "/missing.html",
            "/index.html%00.png",
            "/%ff",
        ] {
            assert_eq!(found(outside), None, "{outside}");
        }
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
