//! The Palisade runner: kwctl-like evaluation of built policy modules, and
//! the tools that turn them into artifacts.

pub mod annotate;
pub mod artifacthub;
pub mod cases;
pub mod convert;
pub mod convert_azure;
pub mod examples;
pub mod host;
pub mod manifest;
pub mod oci;
pub mod package;
pub mod profile;
pub mod registry;
pub mod run;
pub mod scan;
pub mod serve;
pub mod signing;
