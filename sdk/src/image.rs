//! Container image references, parsed as Docker (and so the kubelet and
//! the API server's pull-policy defaulting) parses them.
//!
//! `[registry/]repository[:tag][@digest]`, with Docker's defaults: no
//! registry is `docker.io` (`index.docker.io` is the same), a single-segment
//! name on `docker.io` lies under `library/`, and no tag and no digest means
//! the tag `latest`. The first segment is a registry only when it contains a
//! `.` or a `:`, or is `localhost`; so `localhost:5000/app` is registry
//! `localhost:5000`, while `app:5000` is repository `docker.io/library/app`
//! with tag `5000`. Docker also reads a first segment with an uppercase
//! letter as a registry (`MyHost/app` is pulled from host `myhost`); that
//! case is refused here: a host recognised only by its letter case is where
//! a typo (`Team/app` for `team/app`) sends a pull to another host, and its
//! lowercased form would read back as a Docker Hub repository.
//!
//! This is a security parser: anything outside the grammar is an error, never
//! a guess. Rules treat an error as a violation. Registries are compared
//! case-insensitively (host names are), so they are kept lowercased; the
//! repository must already be lowercase, as Docker requires.

use std::fmt;

/// Docker's registry when the reference names none.
pub const DEFAULT_REGISTRY: &str = "docker.io";
/// The tag a reference without tag and digest means.
pub const DEFAULT_TAG: &str = "latest";
/// Docker's limit on `registry/repository`.
pub const NAME_MAX: usize = 255;
/// Docker's limit on a tag.
pub const TAG_MAX: usize = 128;

/// A parsed image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// Lowercased host, with `:port` when given (`docker.io`, `localhost:5000`).
    pub registry: String,
    /// The path in the registry (`library/nginx`, `team/app`).
    pub repository: String,
    /// The tag as written; `None` when the reference has none.
    pub tag: Option<String>,
    /// `algorithm:hex` as written; `None` when the reference has none.
    pub digest: Option<String>,
}

/// Why a reference does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageError(pub String);

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ImageError {}

fn error<T>(message: impl Into<String>) -> Result<T, ImageError> {
    Err(ImageError(message.into()))
}

impl ImageRef {
    /// Parses a reference as written in a pod's `image`.
    pub fn parse(image: &str) -> Result<Self, ImageError> {
        if image.is_empty() {
            return error("the image is empty");
        }
        // Longer than any valid reference (name, tag and the longest digest):
        // refused before any work.
        if image.len() > NAME_MAX + 1 + TAG_MAX + 1 + 7 + 128 {
            return error(format!("the image is {} bytes long", image.len()));
        }
        if let Some(c) = image.chars().find(|c| !c.is_ascii_graphic()) {
            return error(format!("the image contains {c:?}"));
        }
        // Docker refuses a bare 64-hex name: it reads as an image ID.
        if image.len() == 64 && image.bytes().all(is_lower_hex) {
            return error("a 64-character hexadecimal string is an image ID, not a name");
        }
        let (rest, digest) = match image.split_once('@') {
            Some((rest, digest)) => (rest, Some(parse_digest(digest)?)),
            None => (image, None),
        };
        let (registry, remainder) = split_registry(rest)?;
        let (path, tag) = match remainder.split_once(':') {
            Some((path, tag)) => (path, Some(parse_tag(tag)?)),
            None => (remainder, None),
        };
        if path.bytes().any(|b| b.is_ascii_uppercase()) {
            return error(format!("repository {path:?} must be lowercase"));
        }
        let repository = if registry == DEFAULT_REGISTRY && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_owned()
        };
        check_path(&repository)?;
        let name_len = registry.len() + 1 + repository.len();
        if name_len > NAME_MAX {
            return error(format!(
                "the name is {name_len} characters long, more than {NAME_MAX}"
            ));
        }
        Ok(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// `registry/repository`, e.g. `docker.io/library/nginx`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The tag Kubernetes sees (its `ParseImageName`): the written tag, or
    /// `latest` when there is neither tag nor digest, or `None` for a
    /// reference with a digest and no tag.
    pub fn effective_tag(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => Some(tag),
            (None, None) => Some(DEFAULT_TAG),
            (None, Some(_)) => None,
        }
    }

    /// The registry's host without its port.
    pub fn host(&self) -> &str {
        host_of(&self.registry)
    }
}

impl fmt::Display for ImageRef {
    /// The fully qualified reference, e.g. `docker.io/library/nginx:1.27`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// How messages show an image as written: quoted, and cut after
/// [`SHOWN_MAX`] bytes, so that a hostile megabyte-long `image` is not
/// echoed back whole in a denial.
pub fn quoted(image: &str) -> String {
    if image.len() <= SHOWN_MAX {
        return format!("{image:?}");
    }
    let mut end = SHOWN_MAX;
    while !image.is_char_boundary(end) {
        end -= 1;
    }
    let head = image.get(..end).unwrap_or_default();
    format!("{head:?}… ({} bytes)", image.len())
}

/// The longest image [`quoted`] shows whole.
pub const SHOWN_MAX: usize = 256;

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// A registry's host without its port (`[::1]:5000` → `[::1]`).
pub fn host_of(registry: &str) -> &str {
    if registry.starts_with('[') {
        return registry
            .find(']')
            .and_then(|end| registry.get(..=end))
            .unwrap_or(registry);
    }
    registry.split(':').next().unwrap_or(registry)
}

/// Docker's registry detection: the part before the first `/` is the
/// registry when it has a `.` or `:`, or is `localhost`. Docker takes a
/// segment that is not lowercase for a registry too; that is refused.
fn split_registry(reference: &str) -> Result<(String, &str), ImageError> {
    let (registry, remainder) = match reference.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (parse_registry(first)?, rest)
        }
        Some((first, _)) if first.bytes().any(|b| b.is_ascii_uppercase()) => {
            return error(format!(
                "{first:?} has uppercase letters and no `.` or `:`: Docker would pull from a \
                 host of that name; write a registry with its domain or port, or the repository \
                 in lowercase"
            ));
        }
        _ => (DEFAULT_REGISTRY.to_owned(), reference),
    };
    Ok((registry, remainder))
}

/// A registry host with an optional port, lowercased; `index.docker.io` is
/// `docker.io`. For settings that name registries too.
pub fn parse_registry(registry: &str) -> Result<String, ImageError> {
    let bad = |why: &str| error(format!("registry {registry:?} {why}"));
    let (host, port) = if let Some(inner) = registry.strip_prefix('[') {
        // [IPv6]:port
        let Some((address, after)) = inner.split_once(']') else {
            return bad("has no closing `]`");
        };
        if address.is_empty() || !address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return bad("is not a bracketed IPv6 address");
        }
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return bad("has text after its IPv6 address"),
            },
        };
        (None, port)
    } else {
        let (host, port) = match registry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (registry, None),
        };
        (Some(host), port)
    };
    if let Some(host) = host {
        if host.is_empty() {
            return bad("has no host");
        }
        for label in host.split('.') {
            let alnum = |b: u8| b.is_ascii_alphanumeric();
            let ok = !label.is_empty()
                && label.bytes().all(|b| alnum(b) || b == b'-')
                && label.bytes().next().is_some_and(alnum)
                && label.bytes().last().is_some_and(alnum);
            if !ok {
                return bad("is not a host name (letters, digits and inner `-`, between dots)");
            }
        }
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !valid {
            return bad("has a port that is not a number from 1 to 65535");
        }
    }
    let lower = registry.to_ascii_lowercase();
    Ok(if lower == "index.docker.io" {
        DEFAULT_REGISTRY.to_owned()
    } else {
        lower
    })
}

/// `component(/component)*`, each `[a-z0-9]+` joined by `.`, `_`, `__` or
/// any number of `-`.
fn check_path(path: &str) -> Result<(), ImageError> {
    for component in path.split('/') {
        if !is_path_component(component) {
            return error(format!(
                "repository {path:?} has an invalid component {component:?} \
                 (lowercase letters and digits, joined by `.`, `_`, `__` or `-`)"
            ));
        }
    }
    Ok(())
}

fn is_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !bytes.first().is_some_and(alnum) || !bytes.last().is_some_and(alnum) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while bytes.get(i).is_some_and(|b| !alnum(b)) {
            i += 1;
        }
        let separator = bytes.get(start..i).unwrap_or_default();
        let ok =
            matches!(separator, b"" | b"." | b"_" | b"__") || separator.iter().all(|&b| b == b'-');
        if !ok {
            return false;
        }
        while bytes.get(i).is_some_and(alnum) {
            i += 1;
        }
    }
    true
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn parse_tag(tag: &str) -> Result<String, ImageError> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let valid = tag.len() <= TAG_MAX
        && tag.bytes().next().is_some_and(word)
        && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-');
    if !valid {
        return error(format!(
            "tag {tag:?} is not a valid tag (up to {TAG_MAX} letters, digits, `_`, `.` and `-`, \
             not starting with `.` or `-`)"
        ));
    }
    Ok(tag.to_owned())
}

/// `sha256:<64 hex>`, `sha384:<96 hex>` or `sha512:<128 hex>`, lowercase
/// hex: the algorithms a registry verifies.
fn parse_digest(digest: &str) -> Result<String, ImageError> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return error(format!("digest {digest:?} has no algorithm"));
    };
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return error(format!(
                "digest algorithm {algorithm:?} is not sha256, sha384 or sha512"
            ));
        }
    };
    if hex.len() != length || !hex.bytes().all(is_lower_hex) {
        return error(format!(
            "digest {digest:?} must be {algorithm}: and {length} lowercase hexadecimal digits"
        ));
    }
    Ok(digest.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

    use super::*;

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn parts(image: &str) -> (String, String, Option<String>, Option<String>) {
        let r = ImageRef::parse(image).unwrap_or_else(|e| panic!("{image}: {e}"));
        (r.registry, r.repository, r.tag, r.digest)
    }

    fn p(
        registry: &str,
        repository: &str,
        tag: Option<&str>,
        digest: Option<&str>,
    ) -> (String, String, Option<String>, Option<String>) {
        (
            registry.into(),
            repository.into(),
            tag.map(Into::into),
            digest.map(Into::into),
        )
    }

    #[test]
    fn docker_defaults() {
        assert_eq!(parts("nginx"), p("docker.io", "library/nginx", None, None));
        assert_eq!(
            parts("nginx:1.27"),
            p("docker.io", "library/nginx", Some("1.27"), None)
        );
        assert_eq!(
            parts("bitnami/redis:7"),
            p("docker.io", "bitnami/redis", Some("7"), None)
        );
        assert_eq!(
            parts("docker.io/nginx"),
            p("docker.io", "library/nginx", None, None)
        );
        assert_eq!(
            parts("index.docker.io/library/nginx"),
            p("docker.io", "library/nginx", None, None)
        );
        assert_eq!(
            parts("Index.Docker.IO/nginx"),
            p("docker.io", "library/nginx", None, None)
        );
        assert_eq!(
            parts("ghcr.io/org/team/app:v1.2.3-rc.1_b"),
            p("ghcr.io", "org/team/app", Some("v1.2.3-rc.1_b"), None)
        );
        // A registry other than docker.io gets no library/ prefix.
        assert_eq!(parts("quay.io/app"), p("quay.io", "app", None, None));
    }

    #[test]
    fn tag_and_port() {
        assert_eq!(
            parts("localhost:5000/app"),
            p("localhost:5000", "app", None, None)
        );
        assert_eq!(
            parts("localhost:5000/app:5000"),
            p("localhost:5000", "app", Some("5000"), None)
        );
        assert_eq!(parts("localhost/app"), p("localhost", "app", None, None));
        // Without a slash, `:` separates a tag: `localhost:5000` is an image.
        assert_eq!(
            parts("localhost:5000"),
            p("docker.io", "library/localhost", Some("5000"), None)
        );
        assert_eq!(
            parts("myhost:5000/team/app:1"),
            p("myhost:5000", "team/app", Some("1"), None)
        );
        // A first segment without `.`, `:` or uppercase is a path, not a host.
        assert_eq!(
            parts("myhost/app"),
            p("docker.io", "myhost/app", None, None)
        );
        assert_eq!(
            parts("[::1]:5000/app:2"),
            p("[::1]:5000", "app", Some("2"), None)
        );
        assert_eq!(
            parts("10.0.0.1:5000/app"),
            p("10.0.0.1:5000", "app", None, None)
        );
        // A registry's host is lowercased.
        assert_eq!(
            parts("Registry.Example.com/app"),
            p("registry.example.com", "app", None, None)
        );
        // Docker reads an uppercase first segment as a host; refused here.
        for ambiguous in ["MyHost/app", "Team/app", "Z/9", "LOCALHOST/app"] {
            let err = ImageRef::parse(ambiguous).unwrap_err();
            assert!(
                err.0.contains("uppercase letters and no `.` or `:`"),
                "{err}"
            );
        }
        assert_eq!(
            parts("Localhost:5000/app"),
            p("localhost:5000", "app", None, None)
        );
    }

    #[test]
    fn digests() {
        assert_eq!(
            parts(&format!("nginx@{SHA}")),
            p("docker.io", "library/nginx", None, Some(SHA))
        );
        assert_eq!(
            parts(&format!("localhost:5000/app:1@{SHA}")),
            p("localhost:5000", "app", Some("1"), Some(SHA))
        );
        let sha512 = format!("sha512:{}", "a".repeat(128));
        assert_eq!(
            parts(&format!("app@{sha512}")).3.as_deref(),
            Some(sha512.as_str())
        );
        for bad in [
            "nginx@sha256:abc",
            "nginx@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
            "nginx@md5:0123456789abcdef0123456789abcdef",
            "nginx@sha256",
            "nginx@",
            "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad}");
        }
        let twice = format!("nginx@{SHA}@{SHA}");
        assert!(ImageRef::parse(&twice).is_err());
        let hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert!(ImageRef::parse(hex64).is_err());
        assert!(ImageRef::parse(&format!("{hex64}x")).is_ok());
    }

    #[test]
    fn effective_tags_as_kubernetes_defaults_them() {
        let tag = |image: &str| {
            ImageRef::parse(image)
                .unwrap()
                .effective_tag()
                .map(str::to_owned)
        };
        assert_eq!(tag("nginx").as_deref(), Some("latest"));
        assert_eq!(tag("nginx:latest").as_deref(), Some("latest"));
        assert_eq!(tag("nginx:1").as_deref(), Some("1"));
        assert_eq!(tag(&format!("nginx@{SHA}")), None);
        assert_eq!(
            tag(&format!("nginx:latest@{SHA}")).as_deref(),
            Some("latest")
        );
        assert_eq!(tag("localhost:5000/app").as_deref(), Some("latest"));
    }

    #[test]
    fn malformed_references_are_errors() {
        let long_path = format!("a/{}", "b".repeat(300));
        let long_tag = format!("nginx:{}", "t".repeat(129));
        let huge = "a".repeat(100_000);
        for bad in [
            "",
            " ",
            "nginx ",
            " nginx",
            "ngi nx",
            "nginx\t",
            "nginx\n",
            "Nginx",
            "docker.io/Library/nginx",
            "registry.example.com/Team/app",
            "nginx:",
            "nginx:.tag",
            "nginx:-tag",
            "nginx:ta/g",
            "nginx:a:b",
            "/nginx",
            "nginx/",
            "a//b",
            "registry.example.com/",
            "registry.example.com//app",
            "../etc/passwd",
            "registry.example.com/../app",
            "team/../app",
            "a..b",
            "a/.b",
            "a._b",
            "a___b",
            "a-",
            "-a",
            "_a",
            "a_",
            ".a",
            "reg..istry.io/app",
            "registry.io./app",
            ".registry.io/app",
            "-registry.io/app",
            "registry-.io/app",
            "reg_istry.io/app",
            "registry.io:/app",
            "registry.io:0/app",
            "registry.io:65536/app",
            "registry.io:99999999999/app",
            "registry.io:port/app",
            ":5000/app",
            "[::1/app",
            "[]:5000/app",
            "[::1]x/app",
            "[zz]/app",
            "ngïnx",
            "nginx\u{0}",
            "user@registry.io/app",
            long_path.as_str(),
            long_tag.as_str(),
            huge.as_str(),
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn separators_and_limits() {
        for good in [
            "a.b",
            "a_b",
            "a__b",
            "a-b",
            "a---b",
            "a.b-c_d__e",
            "0",
            "a1/b2",
        ] {
            assert!(ImageRef::parse(good).is_ok(), "{good}");
        }
        let max_tag = format!("nginx:{}", "t".repeat(128));
        assert!(ImageRef::parse(&max_tag).is_ok());
        // docker.io/ + library/ count towards the 255 limit.
        let at_limit = "a".repeat(NAME_MAX - "docker.io/library/".len());
        assert!(ImageRef::parse(&at_limit).is_ok());
        assert!(ImageRef::parse(&format!("{at_limit}a")).is_err());
    }

    #[test]
    fn display_and_names() {
        let r = ImageRef::parse("nginx").unwrap();
        assert_eq!(r.to_string(), "docker.io/library/nginx");
        assert_eq!(r.name(), "docker.io/library/nginx");
        let r = ImageRef::parse(&format!("Localhost:5000/a/b:1@{SHA}")).unwrap();
        assert_eq!(r.to_string(), format!("localhost:5000/a/b:1@{SHA}"));
        assert_eq!(r.host(), "localhost");
        assert_eq!(ImageRef::parse("[::1]:80/a").unwrap().host(), "[::1]");
    }

    /// Pieces that exercise every branch: separators, ports, digests.
    const PIECES: [&str; 24] = [
        "a",
        "Z",
        "0",
        "9",
        ".",
        "-",
        "_",
        "__",
        ":",
        "/",
        "@",
        "[",
        "]",
        "::1",
        " ",
        "localhost",
        "docker.io",
        "index.docker.io",
        "library",
        "latest",
        "5000",
        "sha256:",
        "é",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ];

    #[test]
    fn any_input_parses_or_errs_and_what_parses_round_trips() {
        // A fixed linear congruential generator: the same 20 000 inputs on every run.
        let mut state: u64 = 0x5eed;
        let mut parsed = 0;
        for _ in 0..20_000 {
            let mut input = String::new();
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (state >> 60) as usize + 1;
            for _ in 0..len {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                input.push_str(PIECES[(state >> 33) as usize % PIECES.len()]);
            }
            let Ok(image) = ImageRef::parse(&input) else {
                continue;
            };
            parsed += 1;
            // The canonical form reads back as the same reference.
            assert_eq!(
                ImageRef::parse(&image.to_string()),
                Ok(image.clone()),
                "{input}"
            );
            assert_eq!(
                image.registry,
                image.registry.to_ascii_lowercase(),
                "{input}"
            );
            assert!(check_path(&image.repository).is_ok(), "{input}");
            assert!(image.name().len() <= NAME_MAX, "{input}");
            assert!(!input.contains(char::is_whitespace), "{input}");
        }
        assert!(parsed > 1_000, "only {parsed} inputs parsed");
    }

    #[test]
    fn long_images_are_shown_cut() {
        assert_eq!(quoted("nginx:1"), "\"nginx:1\"");
        let long = format!("{}é{}", "a".repeat(255), "b".repeat(10_000));
        let shown = quoted(&long);
        assert!(
            shown.starts_with(&format!("\"{}\"…", "a".repeat(255))),
            "{shown}"
        );
        assert!(shown.ends_with("(10257 bytes)"), "{shown}");
    }

    #[test]
    fn registries_for_settings() {
        assert_eq!(
            parse_registry("Registry.Example.com:443").unwrap(),
            "registry.example.com:443"
        );
        assert_eq!(parse_registry("index.docker.io").unwrap(), "docker.io");
        assert_eq!(parse_registry("[fe80::1]").unwrap(), "[fe80::1]");
        for bad in ["", "a/b", "a b", "a..b", "a:", "*.io", "a:1:2", "[::1]:x"] {
            assert!(parse_registry(bad).is_err(), "{bad}");
        }
        assert_eq!(host_of("a.io:5000"), "a.io");
        assert_eq!(host_of("a.io"), "a.io");
    }
}
