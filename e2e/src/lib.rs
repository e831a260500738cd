//! The end-to-end suite over the built modules (`tests/`), the benchmark
//! (`benches/`) and its reference modules (`modules/`). The runner they
//! drive is the `palisade-cli` crate (`cli/`).
