//! The Azure CLI, as `cargo atakora deploy` drives it: every call goes through here, so that
//! `--dry-run` prints exactly the commands a real run makes.

use crate::{Failure, Result};
use std::process::Command;

/// `az`, from `PATH`.
pub struct Az {
    /// Print the commands instead of running them.
    pub dry_run: bool,
}

/// `args` as a shell would need them quoted.
pub fn shell_line(program: &str, args: &[String]) -> String {
    let quote = |a: &str| {
        if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=@:,+%".contains(c)) {
            a.to_string()
        } else {
            format!("'{}'", a.replace('\'', "'\\''"))
        }
    };
    std::iter::once(program.to_string())
        .chain(args.iter().map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Az {
    /// Run `az <args>` and return its stdout; in a dry run, print the command (stdout) and
    /// return an empty string.
    pub fn run(&self, args: &[String]) -> Result<String> {
        if self.dry_run {
            println!("{}", shell_line("az", args));
            return Ok(String::new());
        }
        let out = Command::new("az").args(args).output().map_err(|e| {
            Failure::new(if e.kind() == std::io::ErrorKind::NotFound {
                "`az` (the Azure CLI) is not on PATH: install it (https://learn.microsoft.com/cli/azure/install-azure-cli) and run `az login`".to_string()
            } else {
                format!("cannot run `az`: {e}")
            })
        })?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(Failure::new(format!(
                "`{}` failed: {}",
                shell_line("az", &args[..args.len().min(3)]),
                err.trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Run `az <args>` and parse its JSON output (`Null` in a dry run).
    pub fn json(&self, args: &[String]) -> Result<serde_json::Value> {
        let text = self.run(args)?;
        if self.dry_run || text.trim().is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| Failure::new(format!("`az {}` printed no JSON: {e}", args.join(" "))))
    }
}

/// `["a", "b"]` as owned strings.
pub fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}
