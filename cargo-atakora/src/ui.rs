//! Human output on stderr: colours only on a terminal and never with `NO_COLOR`; progress as
//! a spinner on a terminal, plain lines otherwise.

use crate::ColorChoice;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Where human output goes and how it looks.
pub struct Ui {
    /// ANSI colours on stderr.
    pub color: bool,
    /// stderr is a terminal (spinners, prompts).
    pub tty: bool,
}

const RESET: &str = "\x1b[0m";

impl Ui {
    /// Decide from the choice, the terminal and `NO_COLOR`.
    pub fn new(choice: ColorChoice) -> Ui {
        let tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Ui { color, tty }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}{RESET}")
        } else {
            s.to_string()
        }
    }

    /// Bold.
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    /// Green.
    pub fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    /// Yellow.
    pub fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    /// Red.
    pub fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }
    /// Dim.
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }

    /// A line on stderr.
    pub fn line(&self, s: &str) {
        let _ = writeln!(std::io::stderr(), "{s}");
    }

    /// `error: ...` on stderr (a rendered diagnostic is printed as it is).
    pub fn error(&self, s: &str) {
        if s.starts_with("error") {
            self.line(s.trim_end());
        } else {
            self.line(&format!("{} {}", self.red(&self.bold("error:")), s.trim_end()));
        }
    }

    /// A step: `==> what` on stderr.
    pub fn step(&self, s: &str) {
        self.line(&format!("{} {}", self.green(&self.bold("==>")), self.bold(s)));
    }

    /// Run `f` while showing `what` as in progress: a spinner on a terminal, a plain line
    /// otherwise.
    pub fn progress<T>(&self, what: &str, f: impl FnOnce() -> T) -> T {
        if self.tty {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message(what.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            let out = f();
            bar.finish_and_clear();
            self.line(&format!("{} {what}", self.green("done")));
            out
        } else {
            self.line(&format!("... {what}"));
            f()
        }
    }

    /// Ask a yes/no question on the terminal; `false` unless answered yes.
    pub fn confirm(&self, question: &str) -> bool {
        let _ = write!(std::io::stderr(), "{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err() {
            return false;
        }
        matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES")
    }
}
