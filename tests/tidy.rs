//! Tidy: the layering rules of ARCHITECTURE.md, checked by reading the sources under `src/`.
//!
//! The compiler allows any module to import any other, so the invariants "the core is pure",
//! "the engine does not know the adapters", "adapters do not touch the store" and "no import
//! circles" are kept only by this test. (rust-analyzer keeps a similar one:
//! `crates/rust-analyzer/tests/slow-tests/tidy.rs`.)
//!
//! How the sources are read (deliberately simple, no `syn`):
//! - comments, string and char literals are blanked out first, so a comment or a message that
//!   mentions `crate::store` or `Store` is never an offence;
//! - a file's module path comes from its file path (`src/engine/jobs.rs` → `engine::jobs`,
//!   `src/engine/mod.rs` → `engine`); inline `mod name { … }` blocks extend it, so `super::` in
//!   a `mod tests { … }` means the file's own module;
//! - every path starting with `crate::`, `super::`, `self::` or with a child module the file
//!   declares (`mod sections;` … `sections::X`) counts, in `use` trees (`use crate::{a, b::{c}}`)
//!   and in code (`crate::core::slot_grid::is_on_grid(…)`). `mod` declarations themselves are
//!   not edges.
//! - a path resolves to the file of its longest prefix that is a module with a file:
//!   `crate::engine::jobs::JobError` → `src/engine/jobs.rs` (or `src/engine/jobs/mod.rs`),
//!   `crate::engine::Engine` → `src/engine/mod.rs`. Re-exports are not followed: importing
//!   `crate::platform::OutgoingMessage`, which `platform/mod.rs` re-exports from `message.rs`,
//!   is an edge to `platform/mod.rs`. That keeps the checker simple and is what the import says.
//! - For circles, an edge from a module's own file (`mod.rs`) into its own submodules is not
//!   counted: a parent that declares `mod jobs;` and uses or re-exports `jobs::X` is part of
//!   that declaration, and counting it would turn every `super::Engine` in a child into a
//!   "circle" with its parent. Edges between siblings, and from children up to parents, count.
//!
//! Each rule is its own test and lists every offender with file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use checker::{circles, offences, Circle, Rule, SourceFile};

/// Rule a: `src/core` is pure; it may name only itself (std and pure crates such as chrono,
/// chrono_tz, rand and rustworkx_core are outside `crate::` and not checked).
#[test]
fn core_imports_only_core() {
    assert_no_offences(Rule::CoreIsPure, "src/core may use only crate::core");
}

/// Rule b: the engine talks to platforms only through the port (`ChatPlatform` and friends),
/// never to an adapter.
#[test]
fn engine_does_not_import_adapters() {
    assert_no_offences(
        Rule::EngineKnowsNoAdapter,
        "src/engine may not import crate::platform::{discord, matrix, shell}",
    );
}

/// Rule c: adapters reach the store only through the engine's scoped handle.
#[test]
fn adapters_do_not_name_the_store() {
    assert_no_offences(
        Rule::AdaptersKeepOffTheStore,
        "src/platform and src/web (the adapters) may not name Store, crate::store or an engine's .store",
    );
}

/// Rule d: no import circle between files.
#[test]
fn no_import_circles() {
    let found = circles(&sources());
    eprintln!(
        "tidy: {} import circle(s) between files in src/",
        found.len()
    );
    assert!(
        found.is_empty(),
        "import circles between files in src/ (break each by moving the shared item to a leaf \
         file):\n{}",
        describe_circles(&found)
    );
}

/// Rule d with an allowance: circles listed in `KNOWN` (their files, sorted) may remain while a
/// refactor that removes them is in flight; no other may appear. The last known one
/// (engine/effects.rs <-> engine/jobs.rs) is gone, so the allowance is empty and this says what
/// `no_import_circles` says.
#[test]
fn no_import_circles_beyond_the_known_one() {
    const KNOWN: &[&[&str]] = &[];
    let found = circles(&sources());
    eprintln!(
        "tidy: {} import circle(s) between files in src/",
        found.len()
    );
    let unexpected: Vec<Circle> = found
        .into_iter()
        .filter(|circle| !KNOWN.iter().any(|known| circle.files == *known))
        .collect();
    assert!(
        unexpected.is_empty(),
        "new import circles between files in src/:\n{}",
        describe_circles(&unexpected)
    );
}

fn describe_circles(found: &[Circle]) -> String {
    found
        .iter()
        .map(|circle| {
            let mut path = circle.path.clone();
            path.push(circle.path[0].clone());
            format!(
                "  {} files: {}\n    e.g. {}",
                circle.files.len(),
                circle.files.join(", "),
                path.join(" -> ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_no_offences(rule: Rule, what: &str) {
    let found = offences(&sources(), rule);
    assert!(
        found.is_empty(),
        "{what}; offenders:\n{}",
        found
            .iter()
            .map(|o| format!("  {o}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every `.rs` file under `src/` except `main.rs`, which is its own crate (it names the
/// library as `focusfolk::`, and nothing can import it).
fn sources() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if relative == "src/main.rs" {
                return None;
            }
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            Some(SourceFile::new(&relative, &text))
        })
        .collect()
}

fn collect(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The checker itself, on in-memory sources, so the rules cannot pass by reading nothing.
mod checker_tests {
    use super::checker::{circles, offences, Rule, SourceFile};

    fn files(list: &[(&str, &str)]) -> Vec<SourceFile> {
        list.iter()
            .map(|(path, text)| SourceFile::new(path, text))
            .collect()
    }

    #[test]
    fn finds_a_circle_and_its_path() {
        let src = files(&[
            ("src/lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
            ("src/a.rs", "use crate::b::B;\npub struct A;\n"),
            ("src/b.rs", "use crate::{c::{self, C}};\npub struct B;\n"),
            ("src/c.rs", "pub struct C;\nfn f() { crate::a::A; }\n"),
        ]);
        let found = circles(&src);
        let abc = vec![
            "src/a.rs".to_string(),
            "src/b.rs".to_string(),
            "src/c.rs".to_string(),
        ];
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].files, abc);
        assert_eq!(found[0].path, abc);
    }

    #[test]
    fn no_circle_through_mod_declarations_or_a_parent_and_its_child() {
        let src = files(&[
            ("src/lib.rs", "pub mod engine;\n"),
            (
                "src/engine/mod.rs",
                "mod jobs;\npub use jobs::Runner;\npub struct Engine;\nfn f() { jobs::run(); }\n",
            ),
            (
                "src/engine/jobs.rs",
                "use super::Engine;\npub struct Runner;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
            ),
        ]);
        assert!(circles(&src).is_empty());
    }

    #[test]
    fn super_in_an_inline_module_is_the_files_own_module() {
        // Inside `mod tests` in effects.rs, `super::` is effects.rs itself, so it takes
        // `super::super::jobs` to reach jobs.rs; the checker must follow that to find the circle.
        let src = files(&[
            ("src/lib.rs", "pub mod engine;\n"),
            ("src/engine/mod.rs", "pub mod effects;\npub mod jobs;\n"),
            (
                "src/engine/effects.rs",
                "mod tests { use super::super::jobs::JobError; }\n",
            ),
            ("src/engine/jobs.rs", "use super::effects::FaultPoint;\n"),
        ]);
        let found = circles(&src);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path,
            vec![
                "src/engine/effects.rs".to_string(),
                "src/engine/jobs.rs".to_string()
            ]
        );
    }

    #[test]
    fn finds_a_core_to_engine_import_in_use_and_in_code() {
        let src = files(&[
            ("src/lib.rs", "pub mod core;\npub mod engine;\n"),
            ("src/core/mod.rs", "pub mod rules;\n"),
            (
                "src/core/rules.rs",
                "use crate::core::model::Slot;\nuse crate::{engine::Engine, core::grid};\n\
                 fn f() { let _ = crate::store::Store::open(); }\n",
            ),
            ("src/engine/mod.rs", "pub struct Engine;\n"),
        ]);
        let found = offences(&src, Rule::CoreIsPure);
        assert_eq!(
            found,
            vec![
                "src/core/rules.rs:2: crate::engine::Engine".to_string(),
                "src/core/rules.rs:3: crate::store::Store::open".to_string(),
            ]
        );
    }

    #[test]
    fn a_comment_or_string_mentioning_store_is_not_an_offence() {
        let src = files(&[
            ("src/lib.rs", "pub mod platform;\n"),
            ("src/platform/mod.rs", "pub mod discord;\n"),
            (
                "src/platform/discord/mod.rs",
                "// The Store is the engine's.\n/* crate::store::Store */\n/// See [`Store`].\n\
                 fn f() { let s = \"Store\"; let c = 'S'; counter.store(1, Ordering::SeqCst); }\n\
                 struct Stored;\n",
            ),
        ]);
        assert_eq!(
            offences(&src, Rule::AdaptersKeepOffTheStore),
            Vec::<String>::new()
        );
        let src = files(&[
            ("src/lib.rs", "pub mod platform;\n"),
            ("src/platform/mod.rs", "pub mod discord;\n"),
            (
                "src/platform/discord/mod.rs",
                "use crate::store::Store; // here\nfn f(e: &Engine) { e.store.find(); }\n",
            ),
        ]);
        assert_eq!(
            offences(&src, Rule::AdaptersKeepOffTheStore),
            vec![
                "src/platform/discord/mod.rs:1: Store".to_string(),
                "src/platform/discord/mod.rs:1: crate::store::Store".to_string(),
                "src/platform/discord/mod.rs:2: .store".to_string(),
            ]
        );
    }

    #[test]
    fn engine_may_use_the_port_but_not_an_adapter_outside_tests() {
        let src = files(&[
            ("src/lib.rs", "pub mod engine;\npub mod platform;\n"),
            (
                "src/engine/mod.rs",
                "use crate::platform::{ChatPlatform, discord::DiscordPlatform};\n\
                 #[cfg(test)]\nmod tests { use crate::platform::shell::ShellPlatform; }\n",
            ),
            ("src/platform/mod.rs", "pub mod discord;\npub mod shell;\n"),
            ("src/platform/discord.rs", ""),
            ("src/platform/shell.rs", ""),
        ]);
        assert_eq!(
            offences(&src, Rule::EngineKnowsNoAdapter),
            vec!["src/engine/mod.rs:1: crate::platform::discord::DiscordPlatform".to_string()]
        );
    }

    #[test]
    fn the_web_pages_are_an_adapter_kept_off_the_store_and_unknown_to_the_engine() {
        let src = files(&[
            (
                "src/lib.rs",
                "pub mod engine;\npub mod store;\npub mod web;\n",
            ),
            ("src/engine/mod.rs", "use crate::web::router;\n"),
            ("src/store/mod.rs", "pub struct Store;\n"),
            (
                "src/web/mod.rs",
                "use crate::store::Store;\npub fn router() {}\n",
            ),
        ]);
        assert_eq!(
            offences(&src, Rule::EngineKnowsNoAdapter),
            vec!["src/engine/mod.rs:1: crate::web::router".to_string()]
        );
        assert_eq!(
            offences(&src, Rule::AdaptersKeepOffTheStore),
            vec![
                "src/web/mod.rs:1: Store".to_string(),
                "src/web/mod.rs:1: crate::store::Store".to_string(),
            ]
        );
    }

    #[test]
    fn raw_strings_lifetimes_and_nested_comments_do_not_confuse_the_reader() {
        let src = files(&[
            ("src/lib.rs", "pub mod core;\n"),
            ("src/core/mod.rs", "pub mod a;\n"),
            (
                "src/core/a.rs",
                "/* outer /* crate::engine::X */ still comment */\n\
                 fn f<'a>(x: &'a str) -> &'a str { let _ = r#\"crate::store \"quoted\"\"#; x }\n\
                 fn g() { let _ = '\\''; crate::platform::message::render(); }\n",
            ),
        ]);
        assert_eq!(
            offences(&src, Rule::CoreIsPure),
            vec!["src/core/a.rs:3: crate::platform::message::render".to_string()]
        );
    }
}

mod checker {
    use super::{BTreeMap, BTreeSet};

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Rule {
        CoreIsPure,
        EngineKnowsNoAdapter,
        AdaptersKeepOffTheStore,
    }

    /// One path a file names, made absolute (`["engine", "jobs", "JobError"]` for
    /// `crate::engine::jobs::JobError`), with where it was written.
    #[derive(Debug, Clone)]
    struct NamedPath {
        absolute: Vec<String>,
        line: usize,
        in_test_code: bool,
    }

    #[derive(Debug, Clone)]
    struct Token {
        text: String,
        line: usize,
    }

    pub struct SourceFile {
        /// `src/engine/jobs.rs`
        path: String,
        /// `["engine", "jobs"]`
        module: Vec<String>,
        tokens: Vec<Token>,
        paths: Vec<NamedPath>,
    }

    impl SourceFile {
        pub fn new(path: &str, text: &str) -> SourceFile {
            let module = module_of(path);
            let tokens = tokenize(&blank_comments_and_literals(text));
            let paths = named_paths(&module, &tokens);
            SourceFile {
                path: path.to_string(),
                module,
                tokens,
                paths,
            }
        }
    }

    /// `src/lib.rs` → `[]`, `src/a/mod.rs` → `["a"]`, `src/a/b.rs` → `["a", "b"]`.
    fn module_of(path: &str) -> Vec<String> {
        let inner = path.strip_prefix("src/").unwrap_or(path);
        let inner = inner.strip_suffix(".rs").unwrap_or(inner);
        let mut parts: Vec<String> = inner.split('/').map(str::to_string).collect();
        if matches!(
            parts.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            parts.pop();
        }
        parts
    }

    /// The text with comments and the insides of string and char literals replaced by spaces
    /// (newlines kept, so line numbers stay right).
    fn blank_comments_and_literals(text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if c == '/' && next == Some('/') {
                while i < chars.len() && chars[i] != '\n' {
                    out.push(' ');
                    i += 1;
                }
            } else if c == '/' && next == Some('*') {
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        depth += 1;
                        out.push_str("  ");
                        i += 2;
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        out.push_str("  ");
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        out.push(blank(chars[i]));
                        i += 1;
                    }
                }
            } else if c == 'r'
                && starts_a_word(&chars, i)
                && raw_string_start(&chars, i + 1).is_some()
            {
                // r"…", r#"…"#, and br"…" (the b was copied as an identifier character).
                let hashes = raw_string_start(&chars, i + 1).unwrap();
                out.push('"');
                i += 2 + hashes;
                out.push_str(&" ".repeat(1 + hashes));
                let closing: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                while i < chars.len() && !chars[i..].starts_with(&closing) {
                    out.push(blank(chars[i]));
                    i += 1;
                }
                out.push('"');
                out.push_str(&" ".repeat(hashes));
                i += closing.len();
            } else if c == '"' {
                out.push('"');
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        out.push(' ');
                        i += 1;
                    }
                    if i < chars.len() {
                        out.push(blank(chars[i]));
                        i += 1;
                    }
                }
                out.push('"');
                i += 1;
            } else if c == '\'' {
                // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a).
                if next == Some('\\') {
                    out.push('\'');
                    i += 1;
                    while i < chars.len() && chars[i] != '\'' {
                        if chars[i] == '\\' {
                            out.push(' ');
                            i += 1;
                        }
                        if i < chars.len() {
                            out.push(' ');
                            i += 1;
                        }
                    }
                    out.push('\'');
                    i += 1;
                } else if chars.get(i + 2) == Some(&'\'') {
                    out.push_str("' '");
                    i += 3;
                } else {
                    out.push('\'');
                    i += 1;
                }
            } else {
                out.push(c);
                i += 1;
            }
        }
        out
    }

    /// Whether the `r` at `chars[at]` starts a word (or follows a `b` that does), so it can
    /// open a raw string rather than end an identifier like `bar`.
    fn starts_a_word(chars: &[char], at: usize) -> bool {
        let word_char = |c: &char| c.is_alphanumeric() || *c == '_';
        match at.checked_sub(1).map(|p| chars[p]) {
            None => true,
            Some('b') => !at.checked_sub(2).is_some_and(|p| word_char(&chars[p])),
            Some(p) => !word_char(&p),
        }
    }

    /// At `chars[at]` (just after an `r`): the number of `#`s of a raw string's opening, if
    /// one starts here.
    fn raw_string_start(chars: &[char], at: usize) -> Option<usize> {
        let hashes = chars[at..].iter().take_while(|c| **c == '#').count();
        (chars.get(at + hashes) == Some(&'"')).then_some(hashes)
    }

    /// Identifiers (keywords included), `::`, and single punctuation characters.
    fn tokenize(text: &str) -> Vec<Token> {
        let mut tokens = Vec::new();
        let mut line = 1;
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\n' {
                line += 1;
                i += 1;
            } else if c.is_whitespace() {
                i += 1;
            } else if c.is_alphanumeric() || c == '_' {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push(Token {
                    text: chars[start..i].iter().collect(),
                    line,
                });
            } else if c == ':' && chars.get(i + 1) == Some(&':') {
                tokens.push(Token {
                    text: "::".into(),
                    line,
                });
                i += 2;
            } else {
                tokens.push(Token {
                    text: c.to_string(),
                    line,
                });
                i += 1;
            }
        }
        tokens
    }

    fn is_ident(text: &str) -> bool {
        text.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
    }

    /// Every crate-internal path the file names, made absolute.
    fn named_paths(file_module: &[String], tokens: &[Token]) -> Vec<NamedPath> {
        // Child modules the file declares (`mod sections;`), for 2018-style relative paths.
        let mut children: BTreeSet<String> = BTreeSet::new();
        for window in tokens.windows(3) {
            if window[0].text == "mod" && is_ident(&window[1].text) && window[2].text == ";" {
                children.insert(window[1].text.clone());
            }
        }

        let mut paths = Vec::new();
        // Open braces: for each, the inline module it opened (if any) and whether it is test
        // code.
        let mut braces: Vec<(Option<String>, bool)> = Vec::new();
        let mut attribute_says_test = false;
        let mut i = 0;
        while i < tokens.len() {
            let text = tokens[i].text.as_str();
            let in_test = braces.iter().any(|(_, test)| *test) || attribute_says_test;
            let inline: Vec<String> = braces.iter().filter_map(|(m, _)| m.clone()).collect();
            let current: Vec<String> = file_module.iter().cloned().chain(inline).collect();
            let at_file_level = braces.iter().all(|(m, _)| m.is_none());
            match text {
                "#" if tokens.get(i + 1).is_some_and(|t| t.text == "[") => {
                    let attribute: Vec<&str> = tokens[i + 2..]
                        .iter()
                        .take(4)
                        .map(|t| t.text.as_str())
                        .collect();
                    if attribute == ["cfg", "(", "test", ")"] {
                        attribute_says_test = true;
                    }
                    i += 2;
                    continue;
                }
                "{" => {
                    let module =
                        (i >= 2 && tokens[i - 2].text == "mod").then(|| tokens[i - 1].text.clone());
                    braces.push((module, in_test));
                    attribute_says_test = false;
                }
                "}" => {
                    braces.pop();
                }
                ";" => attribute_says_test = false,
                "use" => {
                    let end = tokens[i..]
                        .iter()
                        .position(|t| t.text == ";")
                        .map_or(tokens.len(), |p| i + p);
                    let mut prefix = Vec::new();
                    let mut written = Vec::new();
                    expand_use_tree(&tokens[i + 1..end], &mut prefix, &mut written);
                    for (segments, line) in written {
                        let line = line.unwrap_or(tokens[i].line);
                        if let Some(absolute) =
                            absolute_path(&current, at_file_level, &children, &segments)
                        {
                            paths.push(NamedPath {
                                absolute,
                                line,
                                in_test_code: in_test,
                            });
                        }
                    }
                    attribute_says_test = false;
                    i = end + 1;
                    continue;
                }
                _ if is_ident(text)
                    && tokens.get(i + 1).is_some_and(|t| t.text == "::")
                    && !(i > 0 && matches!(tokens[i - 1].text.as_str(), "::" | "$")) =>
                {
                    // A path in code: ident (:: ident)*.
                    let mut segments = vec![text.to_string()];
                    let mut j = i + 1;
                    while j + 1 < tokens.len()
                        && tokens[j].text == "::"
                        && is_ident(&tokens[j + 1].text)
                    {
                        segments.push(tokens[j + 1].text.clone());
                        j += 2;
                    }
                    if let Some(absolute) =
                        absolute_path(&current, at_file_level, &children, &segments)
                    {
                        paths.push(NamedPath {
                            absolute,
                            line: tokens[i].line,
                            in_test_code: in_test,
                        });
                    }
                    i = j;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        paths
    }

    /// Expands a `use` tree (`crate::{a::b, c::{self, d}}`) into full paths, each with the line
    /// of its last segment.
    fn expand_use_tree(
        tokens: &[Token],
        prefix: &mut Vec<String>,
        out: &mut Vec<(Vec<String>, Option<usize>)>,
    ) {
        // Split the group at top-level commas.
        let mut depth = 0;
        let mut start = 0;
        let mut items: Vec<&[Token]> = Vec::new();
        for (k, t) in tokens.iter().enumerate() {
            match t.text.as_str() {
                "{" => depth += 1,
                "}" => depth -= 1,
                "," if depth == 0 => {
                    items.push(&tokens[start..k]);
                    start = k + 1;
                }
                _ => {}
            }
        }
        items.push(&tokens[start..]);
        for item in items {
            let mut segments = prefix.clone();
            let mut line = None;
            // `{self, …}` names the prefix itself.
            let mut names_prefix = false;
            let mut k = 0;
            while k < item.len() {
                let t = &item[k];
                match t.text.as_str() {
                    "::" => {}
                    "{" => {
                        // The group runs to the item's last token, a `}`.
                        let inner = &item[k + 1..item.len().saturating_sub(1)];
                        expand_use_tree(inner, &mut segments, out);
                        segments.clear();
                        break;
                    }
                    "as" => break,
                    "*" => break,
                    "self" if !segments.is_empty() => {
                        names_prefix = true;
                        line = Some(t.line);
                    }
                    other if is_ident(other) => {
                        segments.push(other.to_string());
                        line = Some(t.line);
                    }
                    _ => {}
                }
                k += 1;
            }
            if segments.len() > prefix.len() || names_prefix {
                out.push((segments, line));
            }
        }
    }

    /// `crate::a::b`, `super::x`, `self::x` or `child::x` made absolute from the module the
    /// path is written in; `None` for paths outside the crate (std, chrono, …).
    fn absolute_path(
        current: &[String],
        at_file_level: bool,
        children: &BTreeSet<String>,
        segments: &[String],
    ) -> Option<Vec<String>> {
        let first = segments.first()?.as_str();
        let mut base: Vec<String> = match first {
            "crate" => Vec::new(),
            "self" | "super" => current.to_vec(),
            _ if at_file_level && children.contains(first) => current.to_vec(),
            _ => return None,
        };
        let mut rest = segments;
        if first == "crate" || first == "self" {
            rest = &segments[1..];
        }
        while rest.first().is_some_and(|s| s == "super") {
            base.pop()?;
            rest = &rest[1..];
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    impl SourceFile {
        /// The file a path points into: the longest prefix of it that is a module with a file.
        fn resolve<'a>(files: &'a [SourceFile], absolute: &[String]) -> Option<&'a SourceFile> {
            (0..=absolute.len())
                .rev()
                .find_map(|n| files.iter().find(|f| f.module == absolute[..n]))
        }
    }

    fn starts_with(path: &[String], prefix: &[&str]) -> bool {
        path.len() >= prefix.len() && path.iter().zip(prefix).all(|(a, b)| a == b)
    }

    /// Offenders of a rule, as `file:line: what`.
    pub fn offences(files: &[SourceFile], rule: Rule) -> Vec<String> {
        let mut found = Vec::new();
        for file in files {
            let path = file.path.as_str();
            match rule {
                Rule::CoreIsPure if path.starts_with("src/core/") => {
                    for named in &file.paths {
                        if !starts_with(&named.absolute, &["core"]) {
                            found.push(format!(
                                "{path}:{}: crate::{}",
                                named.line,
                                named.absolute.join("::")
                            ));
                        }
                    }
                }
                // Test code may stand the shell adapter in for a platform.
                Rule::EngineKnowsNoAdapter if path.starts_with("src/engine/") => {
                    for named in file.paths.iter().filter(|n| !n.in_test_code) {
                        // The web pages (`src/web/`) are an adapter too: the engine serves them
                        // queries and never names them.
                        let adapter = ["discord", "matrix", "shell"]
                            .iter()
                            .any(|a| starts_with(&named.absolute, &["platform", a]))
                            || starts_with(&named.absolute, &["web"]);
                        if adapter {
                            found.push(format!(
                                "{path}:{}: crate::{}",
                                named.line,
                                named.absolute.join("::")
                            ));
                        }
                    }
                }
                // The port files (platform/mod.rs, platform/message.rs) are not adapters, but
                // they have no business with the store either.
                Rule::AdaptersKeepOffTheStore
                    if path.starts_with("src/platform/") || path.starts_with("src/web/") =>
                {
                    let mut here: Vec<(usize, String)> = Vec::new();
                    for named in &file.paths {
                        if starts_with(&named.absolute, &["store"]) {
                            here.push((
                                named.line,
                                format!("crate::{}", named.absolute.join("::")),
                            ));
                        }
                    }
                    for (k, token) in file.tokens.iter().enumerate() {
                        if token.text == "Store" {
                            here.push((token.line, "Store".into()));
                        }
                        // `engine.store` / `self.store` (a field); not `counter.store(…)`,
                        // an atomic's method.
                        let field = token.text == "store"
                            && k > 0
                            && file.tokens[k - 1].text == "."
                            && file.tokens.get(k + 1).is_none_or(|t| t.text != "(");
                        if field {
                            here.push((token.line, ".store".into()));
                        }
                    }
                    here.sort();
                    here.dedup();
                    found.extend(
                        here.into_iter()
                            .map(|(line, what)| format!("{path}:{line}: {what}")),
                    );
                }
                _ => {}
            }
        }
        found
    }

    /// The file-level import graph: for each file, the files it names (see the module docs
    /// for what counts).
    fn graph(files: &[SourceFile]) -> BTreeMap<&str, BTreeSet<&str>> {
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for file in files {
            let targets = edges.entry(file.path.as_str()).or_default();
            for named in &file.paths {
                let Some(target) = SourceFile::resolve(files, &named.absolute) else {
                    continue;
                };
                // Itself, or one of its own submodules (see the module docs).
                if target.module.starts_with(&file.module) {
                    continue;
                }
                targets.insert(target.path.as_str());
            }
        }
        edges
    }

    /// One import circle: a group of files that all reach each other through imports, and one
    /// cycle through it starting at its first file (`a -> b -> c -> a` is `[a, b, c]`).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Circle {
        pub files: Vec<String>,
        pub path: Vec<String>,
    }

    /// Every import circle: one per strongly connected group of two or more files. The cycle
    /// shown visits every file of the group if a short search finds such a cycle, else it is
    /// the shortest cycle through the group's first file.
    pub fn circles(files: &[SourceFile]) -> Vec<Circle> {
        let edges = graph(files);
        let nodes: Vec<&str> = edges.keys().copied().collect();
        let reach = |from: &str| -> BTreeSet<&str> {
            let mut seen = BTreeSet::new();
            let mut stack = vec![from];
            while let Some(node) = stack.pop() {
                for next in edges.get(node).into_iter().flatten() {
                    if seen.insert(*next) {
                        stack.push(next);
                    }
                }
            }
            seen
        };
        let reachable: BTreeMap<&str, BTreeSet<&str>> =
            nodes.iter().map(|n| (*n, reach(n))).collect();
        let mut assigned: BTreeSet<&str> = BTreeSet::new();
        let mut found = Vec::new();
        for node in &nodes {
            if assigned.contains(node) || !reachable[node].contains(node) {
                continue;
            }
            let group: BTreeSet<&str> = nodes
                .iter()
                .copied()
                .filter(|other| reachable[node].contains(other) && reachable[other].contains(node))
                .collect();
            assigned.extend(group.iter().copied());
            found.push(Circle {
                files: group.iter().map(|f| f.to_string()).collect(),
                path: cycle_through(&edges, &group, node),
            });
        }
        found
    }

    /// A cycle from `start` back to itself inside `group`: the shortest one that visits every
    /// file if a short search finds it, else the shortest cycle through `start`.
    fn cycle_through(
        edges: &BTreeMap<&str, BTreeSet<&str>>,
        group: &BTreeSet<&str>,
        start: &str,
    ) -> Vec<String> {
        // Depth-first search for a Hamiltonian cycle (groups are small), bounded.
        fn search<'a>(
            edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
            group: &BTreeSet<&'a str>,
            start: &'a str,
            path: &mut Vec<&'a str>,
            budget: &mut usize,
        ) -> bool {
            if *budget == 0 {
                return false;
            }
            *budget -= 1;
            let last = *path.last().unwrap();
            let nexts = edges
                .get(last)
                .into_iter()
                .flatten()
                .filter(|n| group.contains(*n));
            for next in nexts {
                if *next == start && path.len() == group.len() {
                    return true;
                }
                if !path.contains(next) {
                    path.push(next);
                    if search(edges, group, start, path, budget) {
                        return true;
                    }
                    path.pop();
                }
            }
            false
        }
        let mut path = vec![start];
        let mut budget = 100_000;
        if search(edges, group, start, &mut path, &mut budget) {
            return path.into_iter().map(str::to_string).collect();
        }
        // Breadth-first: the shortest way back to `start`.
        let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            for next in edges.get(node).into_iter().flatten() {
                if !group.contains(next) {
                    continue;
                }
                if *next == start {
                    let mut cycle = vec![node];
                    while let Some(p) = previous.get(cycle.last().unwrap()) {
                        cycle.push(p);
                    }
                    cycle.reverse();
                    return cycle.into_iter().map(str::to_string).collect();
                }
                if *next != start && !previous.contains_key(next) {
                    previous.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        vec![start.to_string()]
    }
}
