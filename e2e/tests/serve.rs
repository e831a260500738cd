//! `palisade playground` serves a built page as a browser needs it: every
//! file with its content type (the wasm as `application/wasm`), nothing
//! outside its directory, and only reads.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// The server, killed on drop.
struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &std::path::Path) -> Server {
    let mut child = Command::new(common::runner())
        .args(["playground", "--address", "127.0.0.1:0", "--dir"])
        .arg(dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    Server(child, address)
}

/// Status line, headers (lower-case names) and body of one raw request.
fn request(server: &Server, method: &str, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(&server.1).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {}\r\n\r\n",
        server.1
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    (status, headers, raw[split + 4..].to_vec())
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn the_playground_is_served_with_its_content_types_and_nothing_else() {
    let tmp = common::TempDir::new("serve");
    let site = tmp.0.join("site");
    std::fs::create_dir_all(site.join("rules")).unwrap();
    std::fs::write(site.join("index.html"), "<!doctype html><title>p</title>").unwrap();
    std::fs::write(site.join("playground_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(site.join("playground.js"), "export {}").unwrap();
    std::fs::write(site.join("rules/no-privilege.md"), "# no-privilege").unwrap();
    std::fs::write(tmp.0.join("secret"), "outside").unwrap();
    let server = start(&site);

    let (status, headers, body) = request(&server, "GET", "/");
    assert_eq!(
        (status, body.as_slice()),
        (200, &b"<!doctype html><title>p</title>"[..])
    );
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
    for (path, content_type) in [
        ("/playground_bg.wasm", "application/wasm"),
        ("/playground.js", "text/javascript; charset=utf-8"),
        ("/rules/no-privilege.md?v=1", "text/markdown; charset=utf-8"),
    ] {
        let (status, headers, _) = request(&server, "GET", path);
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            header(&headers, "content-type"),
            Some(content_type),
            "{path}"
        );
    }
    for path in [
        "/../secret",
        "/%2e%2e/secret",
        "/rules/..%2f..%2fsecret",
        "/nothing.html",
    ] {
        let (status, _, body) = request(&server, "GET", path);
        assert_eq!(status, 404, "{path}");
        assert!(
            !String::from_utf8_lossy(&body).contains("outside"),
            "{path}"
        );
    }
    // HEAD: the headers of GET, no body.
    let (status, headers, body) = request(&server, "HEAD", "/playground_bg.wasm");
    assert_eq!((status, body.len()), (200, 0));
    assert_eq!(header(&headers, "content-length"), Some("8"));
    assert_eq!(header(&headers, "content-type"), Some("application/wasm"));
    let (status, _, _) = request(&server, "POST", "/index.html");
    assert_eq!(status, 405);
    // A directory without a page is refused with a pointer to the build.
    let output = Command::new(common::runner())
        .args(["playground", "--address", "127.0.0.1:0", "--dir"])
        .arg(tmp.0.join("missing"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("make playground"),
        "{output:?}"
    );
}
