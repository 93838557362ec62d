//! The cargo-fuzz targets' functions: sfaudit's own [`sfaudit::fuzzing`] module, so the targets,
//! the stable mutation test and the library agree on what each target runs.

pub use sfaudit::fuzzing::*;
