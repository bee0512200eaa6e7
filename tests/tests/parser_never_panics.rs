//! Property test: the attribute parser and the expansions never panic, whatever tokens they
//! get — random token soup, and valid attributes with tokens deleted, duplicated or replaced.
//!
//! `ATAKORA_FUZZ_CASES` sets the number of cases (default 3000, what CI runs);
//! `ATAKORA_FUZZ_SEED` the seed. For a long run:
//! `ATAKORA_FUZZ_CASES=100000 cargo test --release -p atakora-tests --test workspace parser_never_panics:: -- --nocapture`

use atakora_core::parse::{self, expand};
use atakora_tests::Rng;
use proc_macro2::TokenStream;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;

/// Words values use (environments, operations, the autoscale default), besides the option
/// names of every attribute and nested list.
const EXTRA_WORDS: &[&str] = &[
    "dev",
    "prod",
    "default",
    "max_throughput",
    "read",
    "list",
    "create",
    "x",
    "r#type",
    "_",
    "self",
    "crate",
];

fn words() -> Vec<&'static str> {
    use parse::options::{BACKEND, CRUD_API, FUNCTIONS_APP, NESTED};
    let nested = NESTED.iter().flat_map(|(_, names)| names.iter());
    let options = CRUD_API.iter().chain(FUNCTIONS_APP).chain(BACKEND).chain(nested);
    options.copied().chain(EXTRA_WORDS.iter().copied()).collect()
}
const LITERALS: &[&str] = &[
    "0",
    "-1",
    "1",
    "400",
    "4050",
    "-2147483649",
    "2147483648",
    "99999999999999999999999999",
    "1e3",
    "0.5",
    "-0.0",
    "100.0",
    "true",
    "false",
    "\"\"",
    "\"/\"",
    "\"/tenantId\"",
    "\"/a/b/c\"",
    "\"tenantId\"",
    "\"{type}-{app}\"",
    "\"{\"",
    "\"}\"",
    "\"ops@example.com\"",
    "\"10.0.0.0/16\"",
    "\"eastus\"",
    "\"Session\"",
    "'c'",
    "b\"bytes\"",
    "\"é\"",
    "\"/a//b\"",
];
const PUNCT: &[&str] = &[
    "=", ",", "/", "-", "::", "#", "!", ";", ":", ".", "..=", "&", "*", "+", "<", ">",
];

fn soup(rng: &mut Rng, depth: usize) -> String {
    let mut out = String::new();
    for _ in 0..rng.below(12) {
        match rng.below(10) {
            0..=3 => out.push_str(rng.pick(&words())),
            4..=5 => out.push_str(rng.pick(LITERALS)),
            6..=7 => out.push_str(rng.pick(PUNCT)),
            _ if depth < 4 => {
                let (open, close) = [("(", ")"), ("[", "]"), ("{", "}")][rng.below(3)];
                out.push_str(open);
                out.push_str(&soup(rng, depth + 1));
                out.push_str(close);
            }
            _ => out.push_str(rng.pick(LITERALS)),
        }
        out.push(' ');
    }
    out
}

const VALID: &[&str] = &[
    r#"partition_key = "/tenantId", ttl = 86400"#,
    r#"partition_key = ["/tenantId", "/userId"], throughput(dev = 400, prod = 4000), cache(ttl = 300), operations(read, list)"#,
    r#"autoscale(max_throughput = 4000), health_check(path = "/health", interval = 30, timeout = 10), unique_keys(["/email"])"#,
    r#"memory_mb = 2048, max_instances = 100, always_ready = 2"#,
    r#"app = "shop", location = "eastus", environments(dev, staging, prod), limits(max_cosmos_accounts = 1), monitoring(retention_days = 90, alerting(email = "a@b.co")), tags(a = "b"), naming(pattern = "{type}-{app}")"#,
    r#"networking(isolated(vnet_name = "v", address_space = "10.0.0.0/16")), consistency = "Strong", auto_scale(max_throughput = 4000)"#,
];

/// A valid attribute with tokens deleted, duplicated or replaced.
fn mutate(rng: &mut Rng) -> String {
    let base = VALID[rng.below(VALID.len())];
    let mut tokens: Vec<String> = base
        .split_inclusive([',', '(', ')', '=', ' '])
        .map(str::to_string)
        .collect();
    for _ in 0..1 + rng.below(4) {
        if tokens.is_empty() {
            break;
        }
        let i = rng.below(tokens.len());
        match rng.below(3) {
            0 => {
                tokens.remove(i);
            }
            1 => {
                let t = tokens[i].clone();
                tokens.insert(i, t);
            }
            _ => {
                tokens[i] = format!(
                    "{} ",
                    [rng.pick(&words()), rng.pick(LITERALS), rng.pick(PUNCT)][rng.below(3)]
                )
            }
        }
    }
    tokens.concat()
}

const ITEMS: &[&str] = &[
    "#[serde(rename_all = \"camelCase\")] pub struct User { pub id: String, pub tenant_id: String, #[serde(flatten)] pub x: X }",
    "pub struct P { pub id: String, pub category: String, #[serde(rename(serialize = \"c\"))] pub c2: Option<u32> }",
    "pub struct Unit;",
    "pub struct Tuple(pub String);",
    "pub enum E { A }",
    "pub struct G<T> { pub id: T }",
    "pub struct B { pub users: CrudApi<User>, pub jobs: atakora::FunctionsApp<Worker>, pub bad: u32 }",
];

#[test]
fn parser_and_expansions_never_panic() {
    let cases: usize = std::env::var("ATAKORA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let seed: u64 = std::env::var("ATAKORA_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x00A7_A40A);
    let mut rng = Rng(seed);
    let items: Vec<TokenStream> = ITEMS.iter().map(|i| TokenStream::from_str(i).unwrap()).collect();
    let (mut tokenized, mut rejected, mut accepted) = (0usize, 0usize, 0usize);
    for case in 0..cases {
        let text = if rng.below(2) == 0 {
            soup(&mut rng, 0)
        } else {
            mutate(&mut rng)
        };
        // Unbalanced delimiters never reach a macro: rustc's lexer refuses them first.
        let Ok(args) = TokenStream::from_str(&text) else {
            continue;
        };
        tokenized += 1;
        let item = items[rng.below(items.len())].clone();
        let result = catch_unwind(AssertUnwindSafe(|| {
            let input = syn::parse2::<syn::DeriveInput>(item.clone()).ok();
            let mut clean = 0;
            if let Some(input) = &input {
                let a = parse::crud_api(args.clone(), input);
                let b = parse::functions_app(args.clone(), input);
                let c = parse::backend(args.clone(), input, "fuzz_crate");
                let _ = (a.error_tokens(), b.error_tokens(), c.error_tokens(), a.error_messages());
                clean = usize::from(a.is_ok()) + usize::from(b.is_ok()) + usize::from(c.is_ok());
            }
            let _ = expand::crud_api(args.clone(), item.clone());
            let _ = expand::functions_app(args.clone(), item.clone());
            let _ = expand::backend(args.clone(), item.clone());
            clean
        }));
        match result {
            Ok(0) => rejected += 1,
            Ok(_) => accepted += 1,
            Err(_) => panic!("case {case} (seed {seed}) panicked on arguments `{text}` for item `{item}`"),
        }
    }
    eprintln!(
        "parser_never_panics: {cases} cases, {tokenized} tokenized, {rejected} refused by every parser, {accepted} accepted by at least one, 0 panics"
    );
    assert!(tokenized > cases / 2, "the generator must mostly produce lexable input");
    assert!(
        rejected > 0 && accepted > 0,
        "both valid and invalid inputs must be exercised"
    );
}
