//! The docs' shell blocks. Every ```` ```sh,runnable ```` block under docs/ runs against one local
//! stack (`hookway dev` with the repository's hookway.json) as a reader would run it: with bash
//! `set -euo pipefail`, `hookway` on PATH, in a directory of its own holding a copy of
//! hookway.json (whose `.hookway` is the stack's state, so `--local` finds it), with the stack's
//! URL in place of `http://127.0.0.1:3000`; it must exit 0 within its deadline. Every other `sh`,
//! `bash`, `shell` or `console` block says on the line above its fence why it is not run:
//! `<!-- not run: reason -->`.

mod local_stack;

use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hookway_testkit::workspace_root;
use local_stack::LocalStack;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::Value;

/// How long one block may take: the docs promise commands that answer in seconds.
const BLOCK_DEADLINE: Duration = Duration::from_secs(60);
/// The local stack's URL as the docs write it (`make dev`'s default port).
const DOCS_URL: &str = "http://127.0.0.1:3000";
/// The languages of the blocks a reader types into a shell.
const SHELLS: [&str; 4] = ["sh", "bash", "shell", "console"];

/// A fenced block of a page: its language, whether it is marked runnable, what the line above its
/// fence says, and its text.
struct Block {
    page: PathBuf,
    line: usize,
    language: String,
    runnable: bool,
    above: String,
    code: String,
}

impl Block {
    fn place(&self) -> String {
        format!("{}:{}", self.page.display(), self.line)
    }
}

/// Every fenced block of every page under docs/, in page order.
fn blocks() -> Vec<Block> {
    let docs = workspace_root().join("docs");
    let mut pages = Vec::new();
    markdown_files(&docs, &mut pages);
    pages.sort();
    assert!(pages.len() > 10, "the docs' pages under {}", docs.display());
    pages
        .iter()
        .flat_map(|page| {
            let text = std::fs::read_to_string(page).unwrap();
            fenced_blocks(page.strip_prefix(workspace_root()).unwrap(), &text)
        })
        .collect()
}

fn markdown_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            markdown_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "md") {
            files.push(path);
        }
    }
}

/// The fenced blocks of one page: a fence is three or more backticks, indented or not (in a list
/// item), and the block ends at a fence of at least as many.
fn fenced_blocks(page: &Path, text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let opening = lines[index].trim_start();
        let ticks = opening.len() - opening.trim_start_matches('`').len();
        if ticks < 3 {
            index += 1;
            continue;
        }
        let info = opening[ticks..].trim();
        let mut tags = info.split([',', ' ']).filter(|tag| !tag.is_empty());
        let language = tags.next().unwrap_or_default().to_owned();
        let runnable = tags.any(|tag| tag == "runnable");
        let indent = lines[index].len() - opening.len();
        let mut end = index + 1;
        while end < lines.len() && !is_closing(lines[end], ticks) {
            end += 1;
        }
        // A block in a list item is indented as its fence is.
        let indentation = " ".repeat(indent);
        let code = lines[index + 1..end.min(lines.len())]
            .iter()
            .map(|line| line.strip_prefix(indentation.as_str()).unwrap_or_else(|| line.trim_start()))
            .collect::<Vec<_>>()
            .join("\n");
        let above = index.checked_sub(1).map(|above| lines[above].trim().to_owned()).unwrap_or_default();
        blocks.push(Block { page: page.to_owned(), line: index + 1, language, runnable, above, code });
        index = end + 1;
    }
    blocks
}

fn is_closing(line: &str, ticks: usize) -> bool {
    let line = line.trim();
    line.len() >= ticks && line.chars().all(|char| char == '`')
}

/// The reason a `<!-- not run: reason -->` line gives, if that is what `line` is.
fn not_run_reason(line: &str) -> Option<&str> {
    let reason = line.strip_prefix("<!-- not run:")?.strip_suffix("-->")?.trim();
    (!reason.is_empty()).then_some(reason)
}

#[test]
fn every_shell_block_is_runnable_or_says_why_not() {
    let blocks = blocks();
    let mut problems = Vec::new();
    for block in blocks.iter().filter(|block| SHELLS.contains(&block.language.as_str())) {
        match (block.runnable, not_run_reason(&block.above)) {
            (true, Some(_)) => problems.push(format!("{}: runnable, yet marked `not run`", block.place())),
            (true, None) if !["sh", "bash"].contains(&block.language.as_str()) => {
                problems.push(format!("{}: a runnable block is ```sh,runnable, not {}", block.place(), block.language))
            }
            (false, None) if block.above.starts_with("<!-- not run") => {
                problems.push(format!("{}: `{}` gives no reason", block.place(), block.above))
            }
            (false, None) => problems.push(format!(
                "{}: a {} block neither ```sh,runnable nor preceded by `<!-- not run: reason -->`",
                block.place(),
                block.language
            )),
            _ => {}
        }
    }
    for block in blocks.iter().filter(|block| block.runnable && !SHELLS.contains(&block.language.as_str())) {
        problems.push(format!("{}: only a shell block can be runnable, not {}", block.place(), block.language));
    }
    assert!(problems.is_empty(), "shell blocks of the docs:\n{}", problems.join("\n"));
}

#[test]
fn the_block_reader_sees_fences_markers_and_reasons() {
    let page = "<!-- not run: deploys to AWS -->\n```sh\nmake deploy\n```\n\n- a step:\n\n  ```sh,runnable\n  hookway trigger stripe --local\n    indented\n  ```\n\n````md\n```sh\nnot a block\n```\n````\n";
    let blocks = fenced_blocks(Path::new("page.md"), page);
    let summary: Vec<(usize, &str, bool, &str)> =
        blocks.iter().map(|block| (block.line, block.language.as_str(), block.runnable, block.code.as_str())).collect();
    assert_eq!(
        summary,
        [
            (2, "sh", false, "make deploy"),
            (8, "sh", true, "hookway trigger stripe --local\n  indented"),
            (13, "md", false, "```sh\nnot a block\n```"),
        ]
    );
    assert_eq!(not_run_reason(&blocks[0].above), Some("deploys to AWS"));
    assert_eq!(not_run_reason("<!-- not run: -->"), None, "a reason is needed");
    assert_eq!(not_run_reason(&blocks[1].above), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runnable_blocks_run_against_the_local_stack() {
    let runnable: Vec<Block> = blocks().into_iter().filter(|block| block.runnable).collect();
    assert!(!runnable.is_empty(), "the docs have runnable blocks");

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("docs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config_text = std::fs::read_to_string(workspace_root().join("hookway.json")).unwrap();
    let config: Value = serde_json::from_str(&config_text).unwrap();
    let mut stack = LocalStack::start(&dir.join("stack"), &config);
    stack.running().await;

    let bin = Path::new(env!("CARGO_BIN_EXE_hookway")).parent().unwrap().to_owned();
    let path =
        std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())))
            .unwrap();
    let mut failures = Vec::new();
    for (index, block) in runnable.iter().enumerate() {
        let scratch = dir.join(format!("block-{index}"));
        std::fs::create_dir_all(&scratch).unwrap();
        std::fs::write(scratch.join("hookway.json"), &config_text).unwrap();
        std::os::unix::fs::symlink(&stack.state_dir, scratch.join(".hookway")).unwrap();
        std::fs::write(scratch.join("block.sh"), block.code.replace(DOCS_URL, &stack.url)).unwrap();
        let output_file = scratch.join("output");
        let output = File::create(&output_file).unwrap();
        let started = Instant::now();
        let mut child = Command::new("bash")
            .args(["-euo", "pipefail", "block.sh"])
            .current_dir(&scratch)
            .env("PATH", &path)
            .env_remove("HOOKWAY_STACK")
            .env_remove("AWS_ENDPOINT_URL")
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .process_group(0)
            .spawn()
            .unwrap();
        let exit = loop {
            if let Some(exit) = child.try_wait().unwrap() {
                break Some(exit);
            }
            if started.elapsed() > BLOCK_DEADLINE {
                let _ = killpg(Pid::from_raw(i32::try_from(child.id()).unwrap()), Signal::SIGKILL);
                child.wait().unwrap();
                break None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let said = std::fs::read_to_string(&output_file).unwrap_or_default();
        eprintln!("{} ({:?}):\n{said}", block.place(), started.elapsed());
        let verdict = match exit {
            Some(exit) if exit.success() => continue,
            Some(exit) => format!("failed ({exit})"),
            None => format!("still running after {BLOCK_DEADLINE:?}"),
        };
        failures.push(format!("{} {verdict}\n--- the block:\n{}\n--- its output:\n{said}", block.place(), block.code));
    }
    assert!(failures.is_empty(), "runnable blocks of the docs failed:\n\n{}", failures.join("\n\n"));
}
