//! `palisade playground`: serves the built playground (`make playground`)
//! on a local address. Any static server would do; this one knows the
//! page's content types (`application/wasm` lets the browser compile the
//! module while it downloads) and serves nothing outside its directory.

use anyhow::{Context, Result, anyhow, bail};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use tiny_http::{Header, Method, Response, Server, StatusCode};

/// Serves `dir` on `address` until the process is stopped; `ready` hears
/// the address actually bound (the port, when `address` asks for port 0).
pub fn serve(dir: &Path, address: &str, ready: impl FnOnce(&str)) -> Result<()> {
    if !dir.join("index.html").is_file() {
        bail!(
            "{}: no index.html; build the playground with `make playground`",
            dir.display()
        );
    }
    let root = dir
        .canonicalize()
        .with_context(|| format!("reading {}", dir.display()))?;
    let server = Server::http(address).map_err(|e| anyhow!("listening on {address}: {e}"))?;
    let bound = server
        .server_addr()
        .to_ip()
        .map_or_else(|| address.to_owned(), |a| a.to_string());
    ready(&bound);
    for request in server.incoming_requests() {
        let response = match request.method() {
            Method::Get | Method::Head => file_response(&root, request.url()),
            _ => text(405, "only GET and HEAD"),
        };
        // A client that went away is its own business.
        let _ = request.respond(response);
    }
    Ok(())
}

type FileResponse = Response<std::io::Cursor<Vec<u8>>>;

fn text(status: u16, body: &str) -> FileResponse {
    let response = Response::from_string(body).with_status_code(StatusCode(status));
    with_header(response, "Content-Type", "text/plain; charset=utf-8")
}

/// Our header names and values are ASCII constants: always valid.
fn with_header(response: FileResponse, name: &str, value: &str) -> FileResponse {
    match Header::from_bytes(name.as_bytes(), value.as_bytes()) {
        Ok(header) => response.with_header(header),
        Err(()) => response,
    }
}

fn file_response(root: &Path, url: &str) -> FileResponse {
    let Some(path) = resolve(root, url) else {
        return text(404, "not found");
    };
    match std::fs::read(&path) {
        Ok(body) => {
            let response = Response::from_data(body);
            let response = with_header(response, "Content-Type", content_type(&path));
            let response = with_header(response, "X-Content-Type-Options", "nosniff");
            with_header(response, "Cache-Control", "no-cache")
        }
        Err(_) => text(404, "not found"),
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
