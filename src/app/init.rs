//! `sfaudit init`: the commented starter config.

use super::console::print_message;
use crate::cli::InitArgs;
use crate::error::{Error, exit};

pub(super) fn init(args: &InitArgs) -> Result<u8, Error> {
    if args.path.exists() && !args.force {
        return Err(Error::usage(
            format!("{} already exists", args.path.display()),
            "pass --force to replace it, or edit it by hand",
        ));
    }
    std::fs::write(&args.path, crate::config::STARTER)
        .map_err(|source| Error::Output { path: args.path.display().to_string(), source })?;
    print_message(&format!("wrote {}; every key is commented, uncomment what you need\n", args.path.display()))?;
    Ok(exit::OK)
}
