//! The README is the front page: short, in the present tense, with links that lead somewhere and a
//! quick start that shows a webhook first. Each check below is also run on text that breaks it, so
//! none can pass for want of anything to look at.

use std::path::Path;

use hookway_testkit::workspace_root;

const MAX_LINES: usize = 200;

fn readme() -> String {
    std::fs::read_to_string(workspace_root().join("README.md")).unwrap()
}

#[test]
fn the_readme_is_at_most_200_lines() {
    let lines = readme().lines().count();
    assert!(lines <= MAX_LINES, "README.md has {lines} lines; the rest belongs in docs/");
    assert!(lines >= 50, "README.md has only {lines} lines: is it the README?");
}

/// Words and the characters that may be part of one (`evt_90ca…` is one word, not a hex run).
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut start = None;
    text.char_indices().chain(std::iter::once((text.len(), ' '))).filter_map(move |(at, c)| match (start, is_word(c)) {
        (None, true) => {
            start = Some(at);
            None
        }
        (Some(from), false) => {
            start = None;
            Some((from, &text[from..at]))
        }
        _ => None,
    })
}

/// Issue and pull-request numbers: `issue 14`, `issue #14`, `#14`, `(issue …`.
fn issue_numbers(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut found = Vec::new();
    for (at, _) in lower.match_indices('#') {
        // Not `PKCS#8`, nor a URL's fragment (`https://…#2-create-an-app`).
        let token = lower[..at].rsplit(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("");
        if token.ends_with(|c: char| c.is_ascii_alphanumeric()) || token.contains("://") {
            continue;
        }
        if lower[at + 1..].starts_with(|c: char| c.is_ascii_digit()) {
            found.push(lower[at..].chars().take(12).collect());
        }
    }
    for (at, _) in lower.match_indices("issue") {
        let rest = lower[at + "issue".len()..].trim_start_matches('s').trim_start();
        if rest.starts_with(|c: char| c.is_ascii_digit() || c == '#') || lower[..at].ends_with('(') {
            found.push(lower[at.saturating_sub(1)..].chars().take(16).collect());
        }
    }
    found
}

/// Commit ids: a word of 7 to 40 lowercase hex digits with both a digit and a letter, outside a URL,
/// a `sha256:` digest and a UUID (`2a9f7b21-2436-…`, or cut short as `2a9f7b21-…`).
fn commit_ids(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, word) in words(text) {
        let hex = word.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
        let mixed = word.chars().any(|c| c.is_ascii_digit()) && word.chars().any(|c| c.is_ascii_lowercase());
        if !(7..=40).contains(&word.len()) || !hex || !mixed {
            continue;
        }
        let before = &text[..at];
        let after = &text[at + word.len()..];
        let whole = before.rsplit(char::is_whitespace).next().unwrap_or("");
        let in_url = whole.contains("://");
        // A replay run's id (`r-3f2a9c0b1d4e`), and the signature algorithm.
        let not_a_commit = before.ends_with("r-") || word == "ed25519";
        let digest = before.ends_with("sha256:") || before.ends_with("sha256=");
        let uuid = (word.len() == 8 && (after.starts_with("-…") || is_uuid_rest(after)))
            || (before.ends_with('-') && before.len() >= 9 && is_uuid_prefix(&before[..before.len() - 1]));
        if !(in_url || digest || uuid || not_a_commit) {
            found.push(word.to_owned());
        }
    }
    found
}

/// `-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, the rest of a UUID after its first group.
fn is_uuid_rest(after: &str) -> bool {
    let groups: Vec<&str> = after.get(..28).unwrap_or("").split('-').collect();
    groups.len() == 5
        && groups[0].is_empty()
        && [4, 4, 4, 12]
            .iter()
            .zip(&groups[1..])
            .all(|(len, group)| group.len() == *len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Whether the text before a hex group ends with a UUID's earlier groups.
fn is_uuid_prefix(before: &str) -> bool {
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_hexdigit() || *c == '-'))
        .map_or(0, |(at, c)| at + c.len_utf8());
    let groups: Vec<&str> = before[start..].split('-').collect();
    (1..=4).contains(&groups.len()) && groups.iter().zip([8, 4, 4, 4]).all(|(group, len)| group.len() == len)
}

/// History told to the reader instead of what is true now: "before issue", "was … now", "no longer".
fn history(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let flat = text.replace('\n', " ");
    for sentence in flat.split(". ") {
        let lower = sentence.to_lowercase();
        let words: Vec<&str> = words(&lower).map(|(_, word)| word).collect();
        let was = words.iter().position(|word| *word == "was");
        let now = words.iter().rposition(|word| *word == "now");
        if matches!((was, now), (Some(was), Some(now)) if was < now) {
            found.push(sentence.trim().to_owned());
        }
        for phrase in
            ["before issue", "after issue", "since issue", "no longer", "used to be", "previously", "formerly"]
        {
            if lower.contains(phrase) {
                found.push(format!("{phrase}: {}", sentence.trim()));
            }
        }
    }
    found
}

#[test]
fn the_readme_has_no_issue_numbers_commit_ids_or_history() {
    let text = readme();
    assert_eq!(issue_numbers(&text), Vec::<String>::new(), "issue numbers in README.md");
    assert_eq!(commit_ids(&text), Vec::<String>::new(), "commit ids in README.md");
    assert_eq!(history(&text), Vec::<String>::new(), "history in README.md: say what is true today");
}

/// Every Markdown file a user reads besides the README: the docs site's pages (the generated ones
/// too: their text comes from the code), SECURITY.md, CONTRIBUTING.md and ARCHITECTURE.md.
fn user_pages() -> Vec<(String, String)> {
    let root = workspace_root();
    let mut paths: Vec<std::path::PathBuf> =
        ["SECURITY.md", "CONTRIBUTING.md", "ARCHITECTURE.md"].iter().map(|name| root.join(name)).collect();
    let mut dirs = vec![root.join("docs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|extension| extension == "md") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path.strip_prefix(&root).unwrap().display().to_string(), text)
        })
        .collect()
}

#[test]
fn no_page_a_user_reads_has_issue_numbers_commit_ids_or_history() {
    let pages = user_pages();
    assert!(pages.len() > 200, "the docs pages were not found: {}", pages.len());
    let mut found = Vec::new();
    for (path, text) in &pages {
        let text = prose(text);
        let hits = issue_numbers(&text).into_iter().chain(commit_ids(&text)).chain(history(&text));
        found.extend(hits.map(|hit| format!("{path}: {hit}")));
    }
    assert!(found.is_empty(), "say what is true today, without issue numbers or commit ids:\n{}", found.join("\n"));
}

#[test]
fn the_checks_find_what_they_look_for() {
    assert_eq!(issue_numbers("fixed in issue 14, see #27 (issue of the week)").len(), 3);
    assert_eq!(issue_numbers("the [runbook](#runbook) and `#[derive]`; issues are welcome"), Vec::<String>::new());
    assert_eq!(issue_numbers("a PKCS#8 key; [docs](https://example.com/a#2-create-an-app)"), Vec::<String>::new());
    assert_eq!(commit_ids("since 3ceefca the worker"), ["3ceefca"]);
    assert_eq!(
        commit_ids("merged c4641c1f0e9a7b0d9c0e1e2f3a4b5c6d7e8f9a0b"),
        ["c4641c1f0e9a7b0d9c0e1e2f3a4b5c6d7e8f9a0b"]
    );
    let allowed = "evt_90ca5f33a2cb4830a678995c5f497372 2a9f7b21-2436-4a2d-beff-9aa6e25d3f50 3592bac6-… \
                   sha256:53121349a0 https://example.com/commit/3ceefca1 1048576 deadbeef decade r-3f2a9c0b1d4e ed25519";
    assert_eq!(commit_ids(allowed), Vec::<String>::new());
    assert_eq!(history("The intake was slow. It is now fast.").len(), 0, "two sentences, each true today");
    assert_eq!(history("The limit was 540 and is now 200. Before issue 9 it was not.").len(), 2);
    assert_eq!(history("It no longer prints the banner.").len(), 1);
}

/// The text outside fenced code blocks, where links and headings are.
fn prose(text: &str) -> String {
    let mut in_block = false;
    let mut kept = String::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
        } else if !in_block {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

/// Markdown links and images: `[text](target)`, `![alt](target)`, without a title.
fn links(text: &str) -> Vec<String> {
    let prose = prose(text);
    let mut found = Vec::new();
    let mut rest = prose.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').expect("an unclosed link in README.md");
        found.push(after[..end].split_whitespace().next().unwrap_or("").to_owned());
        rest = &after[end..];
    }
    found
}

/// GitHub's anchor of a heading: lower case, spaces to `-`, punctuation but `-` and `_` dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn broken_links(text: &str, root: &Path) -> Vec<String> {
    let anchors: Vec<String> = prose(text)
        .lines()
        .filter_map(|line| line.strip_prefix('#'))
        .map(|h| anchor(h.trim_start_matches('#')))
        .collect();
    let summary = std::fs::read_to_string(root.join("docs/SUMMARY.md")).unwrap_or_default();
    let mut broken = Vec::new();
    for link in links(text) {
        if link.starts_with("http://") || link.starts_with("https://") || link.starts_with("mailto:") {
            continue;
        }
        let (path, fragment) = link.split_once('#').unwrap_or((&link, ""));
        if path.is_empty() {
            if !anchors.contains(&fragment.to_owned()) {
                broken.push(format!("{link}: no such heading in README.md"));
            }
        } else if !root.join(path).exists() {
            broken.push(format!("{link}: no such file"));
        } else if let Some(page) = path.strip_prefix("docs/").filter(|page| page.ends_with(".md"))
            && page != "SUMMARY.md"
            && !summary.contains(&format!("]({page})"))
        {
            broken.push(format!("{link}: not a page of docs/SUMMARY.md, so not in the book"));
        }
    }
    broken
}

#[test]
fn every_relative_link_of_the_readme_leads_to_a_file() {
    let text = readme();
    let root = workspace_root();
    let relative = links(&text).into_iter().filter(|link| !link.contains("://")).count();
    assert!(relative >= 20, "only {relative} relative links found in README.md: is the link parser right?");
    assert_eq!(broken_links(&text, &root), Vec::<String>::new());
    for page in ["docs/getting-started/local.md", "docs/guides/providers.md", "docs/reference/cli.md"] {
        assert!(text.contains(&format!("]({page})")), "README.md links the docs page {page}");
    }
    // The same check, on links that are broken.
    let bad = "[a](docs/nowhere.md) [b](#no-heading) [c](Cargo.toml) [d](docs/operator-policy.json) \
               [e](docs/README.md) [f](https://example.com/x)\n# A heading\n[g](#a-heading)";
    let broken = broken_links(bad, &root);
    assert_eq!(broken.len(), 2, "{broken:?}");
    assert!(broken[0].starts_with("docs/nowhere.md") && broken[1].starts_with("#no-heading"), "{broken:?}");
}

/// The commands of a section's `sh` blocks, in order: comments and blank lines left out.
fn commands(section: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_block = false;
    for line in section.lines() {
        if line.starts_with("```") {
            in_block = !in_block && line.trim_start_matches('`').starts_with("sh");
            continue;
        }
        let command = line.split(" #").next().unwrap().trim();
        if in_block && !command.is_empty() && !command.starts_with('#') {
            commands.push(command.to_owned());
        }
    }
    commands
}

#[test]
fn the_quick_start_starts_the_stack_then_sends_a_webhook_before_a_job() {
    let text = readme();
    let start = text.find("\n## Quick start\n").expect("a Quick start section");
    let section = &text[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |end| end + 3)];
    let commands = commands(section);
    assert_eq!(commands.first().map(String::as_str), Some("make dev"), "{commands:#?}");
    let webhook = commands.iter().position(|command| command.contains(" trigger ") || command.contains("/webhooks/"));
    let job = commands.iter().position(|command| command.contains("jobs submit") || command.contains("/jobs"));
    let webhook = webhook.unwrap_or_else(|| panic!("no webhook sent in the quick start: {commands:#?}"));
    assert!(job.is_none_or(|job| webhook < job), "a job comes before the first webhook: {commands:#?}");
    assert!(section.contains("make test"), "the quick start says how to run the tests");
    assert!(section.contains("http://127.0.0.1:3000/_hookway/"), "the quick start says where to see the event");
}
