//! `docs/reference.md` is the attributes' rustdoc (`atakora/doc/*.md`, shown on
//! `atakora::crud_api`, `atakora::functions_app` and `atakora::backend`) behind a table of
//! contents, and lists every option the parser knows. `ATAKORA_BLESS=1` rewrites the page after
//! an intended change of the rustdoc.

use atakora_core::parse::options;

const PAGES: [&str; 3] = ["crud_api", "functions_app", "backend"];

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn page(name: &str) -> String {
    std::fs::read_to_string(root().join(format!("atakora/doc/{name}.md"))).unwrap()
}

fn expected() -> String {
    let mut out = String::from(
        "# Reference: the attributes and their options\n\n\
         Every option of atakora's three attributes: its type, its default, what Azure gets and an\n\
         example. The same text is the rustdoc of `atakora::crud_api`, `atakora::functions_app` and\n\
         `atakora::backend`. Each mistake in an option is a compile error with a code listed in\n\
         [errors.md](errors.md).\n\n",
    );
    for name in PAGES {
        out.push_str(&format!("- [`#[{name}(...)]`](#{name})\n"));
    }
    for name in PAGES {
        out.push('\n');
        out.push_str(&page(name).replacen(
            &format!("## `#[{name}(...)]`"),
            &format!("<a id=\"{name}\"></a>\n## `#[{name}(...)]`"),
            1,
        ));
    }
    out
}

#[test]
fn the_reference_page_is_the_rustdoc() {
    let path = root().join("docs/reference.md");
    let want = expected();
    if std::env::var_os("ATAKORA_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "docs/reference.md is out of date: run `ATAKORA_BLESS=1 cargo test -p atakora-tests --test workspace reference::`"
    );
}

#[test]
fn every_option_is_documented() {
    let table_rows = |text: &str, name: &str| {
        text.lines().any(|l| {
            l.starts_with(&format!("| `{name}")) || (l.starts_with("| ") && l.contains(&format!("(also `{name}`)")))
        })
    };
    let (crud, functions, backend) = (page("crud_api"), page("functions_app"), page("backend"));
    let mut checked = 0;
    for (text, names) in [
        (&crud, options::CRUD_API),
        (&functions, options::FUNCTIONS_APP),
        (&backend, options::BACKEND),
    ] {
        for name in names {
            assert!(
                table_rows(text, name),
                "option `{name}` has no row in its reference table"
            );
            checked += 1;
        }
    }
    for (what, names) in options::NESTED {
        let text = if what.contains("cache") || what.contains("health_check") || what.contains("roles") {
            &crud
        } else {
            &backend
        };
        for name in *names {
            let row = |l: &str| {
                l.starts_with(&format!("| `{name}"))
                    || l.contains(&format!("(`{name}`)"))
                    || l.contains(&format!("({name})`"))
            };
            assert!(
                text.lines().any(row) || text.contains(&format!("`{name}")),
                "{what} option `{name}` is not documented"
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked}");
}
