//! The built-in rule pack, compiled into the binary by `build.rs` so no checkout is needed.

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
