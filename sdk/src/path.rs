//! Field paths such as `spec.template.spec.initContainers[1].securityContext.privileged`.
//!
//! A path names a place in the admitted object. Rules use it to say where a
//! violation is, and the mutation code uses the same path to edit the object.

use std::borrow::Cow;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(Cow<'static, str>),
    Index(usize),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path extended by one object key.
    pub fn key(&self, key: impl Into<Cow<'static, str>>) -> Self {
        let mut segments = Vec::with_capacity(self.0.len() + 1);
        segments.extend_from_slice(&self.0);
        segments.push(Segment::Key(key.into()));
        Self(segments)
    }

    /// This path extended by one array index.
    pub fn index(&self, index: usize) -> Self {
        let mut segments = Vec::with_capacity(self.0.len() + 1);
        segments.extend_from_slice(&self.0);
        segments.push(Segment::Index(index));
        Self(segments)
    }

    /// This path extended by several keys, e.g. `["securityContext", "privileged"]`.
    pub fn keys(&self, keys: &[&'static str]) -> Self {
        let mut segments = Vec::with_capacity(self.0.len() + keys.len());
        segments.extend_from_slice(&self.0);
        segments.extend(keys.iter().map(|k| Segment::Key(Cow::Borrowed(*k))));
        Self(segments)
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Index(index) => write!(f, "[{index}]")?,
                // Annotation keys contain dots and slashes: quote them.
                Segment::Key(key) if key.contains(['.', '/', '[']) => write!(f, "[{key:?}]")?,
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_keys_indices_and_quoted_keys() {
        let path = FieldPath::root()
            .keys(&["spec", "template", "spec", "initContainers"])
            .index(1)
            .keys(&["securityContext", "privileged"]);
        assert_eq!(
            path.to_string(),
            "spec.template.spec.initContainers[1].securityContext.privileged"
        );
        let annotation = FieldPath::root()
            .keys(&["metadata", "annotations"])
            .key("container.apparmor.security.beta.kubernetes.io/nginx");
        assert_eq!(
            annotation.to_string(),
            "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/nginx\"]"
        );
    }
}
