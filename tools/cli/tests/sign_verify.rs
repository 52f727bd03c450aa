//! `hookway sign` and `hookway verify`, run as a user runs them: the built binary, its exit
//! codes and its output.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use hookway_testkit::{MotoServer, put_secret, workspace_root};
use serde_json::Value;

fn hookway(args: &[&str], stdin: &[u8]) -> Output {
    hookway_in(&workspace_root(), args, stdin, &[])
}

fn hookway_in(dir: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hookway"))
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails on its arguments exits without reading stdin.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

/// `-H 'Name: value'` arguments from `Name: value` lines.
fn header_args(lines: &str) -> Vec<String> {
    lines.lines().flat_map(|line| ["-H".to_owned(), line.to_owned()]).collect()
}

fn verify(scheme: &str, secrets: &[&str], headers: &[String], now: Option<i64>, body: &[u8]) -> Output {
    let mut args: Vec<String> = vec!["verify".into(), "--scheme".into(), scheme.into()];
    for secret in secrets {
        args.extend(["--secret".into(), (*secret).to_owned()]);
    }
    if let Some(now) = now {
        args.extend(["--now".into(), now.to_string()]);
    }
    args.extend(headers.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    hookway(&args, body)
}

struct Vector {
    scheme: String,
    secret: String,
    headers: Vec<String>,
    body: Vec<u8>,
    now: Option<i64>,
}

fn vectors() -> Vec<Vector> {
    let file: Value = serde_json::from_str(include_str!("../../../fixtures/signature-vectors.json")).unwrap();
    file["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|vector| Vector {
            scheme: vector["scheme"].as_str().unwrap().to_owned(),
            secret: vector["secret"].as_str().unwrap().to_owned(),
            headers: vector["headers"]
                .as_object()
                .unwrap()
                .iter()
                .flat_map(|(name, value)| ["-H".to_owned(), format!("{name}: {}", value.as_str().unwrap())])
                .collect(),
            body: vector["body"].as_str().unwrap().as_bytes().to_vec(),
            now: vector["now"].as_i64(),
        })
        .collect()
}

#[test]
fn the_published_vectors_are_valid() {
    for vector in vectors() {
        let output = verify(&vector.scheme, &[&vector.secret], &vector.headers, vector.now, &vector.body);
        assert_eq!(
            code(&output),
            0,
            "{}: {}{}",
            vector.scheme,
            stdout(&output),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout(&output).starts_with("valid\n"), "{}", stdout(&output));
    }
}

#[test]
fn the_tampered_vectors_are_invalid() {
    for vector in vectors() {
        let mut body = vector.body.clone();
        body[0] ^= 1;
        let tampered_body = verify(&vector.scheme, &[&vector.secret], &vector.headers, vector.now, &body);
        let wrong_secret =
            verify(&vector.scheme, &["whsec_bm90IHRoZSBzZWNyZXQ="], &vector.headers, vector.now, &vector.body);
        for output in [tampered_body, wrong_secret] {
            assert_eq!(code(&output), 1, "{}: {}", vector.scheme, stdout(&output));
            assert_eq!(stdout(&output), "invalid: signature does not match\n");
        }
    }
}

#[test]
fn a_stale_or_future_vector_is_invalid_and_a_wider_tolerance_admits_it() {
    let vector = vectors().into_iter().find(|v| v.scheme == "slack").unwrap();
    let now = vector.now.unwrap();
    let stale = verify("slack", &[&vector.secret], &vector.headers, Some(now + 301), &vector.body);
    assert_eq!(
        (code(&stale), stdout(&stale)),
        (1, "invalid: timestamp is 301 s old, beyond the 300 s tolerance\n".into())
    );
    let future = verify("slack", &[&vector.secret], &vector.headers, Some(now - 301), &vector.body);
    assert_eq!(code(&future), 1);
    assert!(stdout(&future).contains("in the future"), "{}", stdout(&future));

    let mut args = vec!["verify", "--scheme", "slack", "--secret", &vector.secret, "--tolerance", "400"];
    let later = (now + 301).to_string();
    args.extend(["--now", &later]);
    args.extend(vector.headers.iter().map(String::as_str));
    assert_eq!(code(&hookway(&args, &vector.body)), 0);
}

#[test]
fn what_sign_produces_verify_accepts_for_every_scheme() {
    for scheme in ["standard-webhooks", "stripe", "github", "slack", "shopify"] {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"id": "evt_7", "type": "thing.done", "event_id": "Ev7", "event": {"type": "app_mention"}}"#;
        let signed = hookway(&["sign", "--scheme", scheme, "--secret", secret, "--id", "delivery-7"], body);
        assert_eq!(code(&signed), 0, "{scheme}: {}", String::from_utf8_lossy(&signed.stderr));
        let output = verify(scheme, &[secret], &header_args(&stdout(&signed)), None, body);
        assert_eq!(code(&output), 0, "{scheme}: {}", stdout(&output));
        let expected_id = match scheme {
            "stripe" => "evt_7",
            "slack" => "Ev7",
            _ => "delivery-7",
        };
        assert!(stdout(&output).starts_with(&format!("valid\nid: {expected_id}\n")), "{scheme}: {}", stdout(&output));
    }
}

#[test]
fn the_hmac_scheme_is_used_through_a_configured_source() {
    let body = br#"{"type": "order.created"}"#;
    let signed = hookway(&["sign", "--source", "hmac", "--secret", "partner-secret", "--id", "ord_1"], body);
    assert_eq!(code(&signed), 0, "{}", String::from_utf8_lossy(&signed.stderr));
    let headers = stdout(&signed);
    assert!(headers.contains("X-Signature: sha256="), "{headers}");
    let mut args = vec!["verify", "--source", "hmac", "--config", "hookway.json", "--secret", "partner-secret"];
    let header_args = header_args(&headers);
    args.extend(header_args.iter().map(String::as_str));
    let output = hookway(&args, body);
    assert_eq!(stdout(&output), "valid\nid: ord_1\ntype: order.created\n");
}

#[test]
fn sign_uses_the_given_id_and_timestamp() {
    let signed = hookway(
        &[
            "sign",
            "--scheme",
            "standard-webhooks",
            "--secret",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "--id",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "--timestamp",
            "1614265330",
        ],
        br#"{"test": 2432232314}"#,
    );
    assert_eq!(
        stdout(&signed),
        "webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek\nwebhook-timestamp: 1614265330\n\
         webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\n",
        "the Standard Webhooks libraries' own vector"
    );
}

#[test]
fn during_a_rotation_either_secret_is_accepted() {
    for secret in ["old-secret", "new-secret"] {
        let signed = hookway(&["sign", "--scheme", "github", "--secret", secret], b"{}");
        let output = verify("github", &["new-secret", "old-secret"], &header_args(&stdout(&signed)), None, b"{}");
        assert_eq!(code(&output), 0, "{secret}");
    }
}

#[test]
fn a_stripe_header_with_only_v0_is_a_refused_downgrade() {
    let signed = stdout(&hookway(&["sign", "--scheme", "stripe", "--secret", "sk"], b"{}"));
    let downgraded = signed.replace("v1=", "v0=");
    let output = verify("stripe", &["sk"], &header_args(&downgraded), None, b"{}");
    assert_eq!(
        (code(&output), stdout(&output)),
        (1, "invalid: no v1 signature in the Stripe-Signature header\n".into())
    );
}

#[test]
fn missing_and_malformed_headers_are_invalid_with_their_reason() {
    let missing = verify("github", &["s"], &[], None, b"{}");
    assert_eq!((code(&missing), stdout(&missing)), (1, "invalid: missing X-Hub-Signature-256 header\n".into()));
    let malformed = verify("shopify", &["s"], &header_args("X-Shopify-Hmac-Sha256: not-base64!"), None, b"{}");
    assert_eq!((code(&malformed), stdout(&malformed)), (1, "invalid: malformed X-Shopify-Hmac-SHA256 header\n".into()));
}

#[test]
fn usage_errors_exit_2() {
    let cases: [&[&str]; 5] = [
        &["verify", "--scheme", "gitlub", "--secret", "s"],
        &["verify", "--scheme", "github"],
        &["verify", "--scheme", "github", "--secret", "s", "-H", "no colon here"],
        &["verify", "--scheme", "github", "--secret", "s", "/nonexistent/body"],
        &["sign", "--source", "nowhere", "--secret", "s"],
    ];
    for args in cases {
        let output = hookway(args, b"{}");
        assert_eq!(code(&output), 2, "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        assert!(!output.stderr.is_empty(), "{args:?} says why");
    }
}

#[test]
fn the_body_comes_from_a_file_or_stdin() {
    let dir = tempdir();
    let file = dir.join("body.json");
    std::fs::write(&file, b"{\"a\": 1}").unwrap();
    let signed = hookway(&["sign", "--scheme", "github", "--secret", "s", file.to_str().unwrap()], b"");
    let headers = header_args(&stdout(&signed));
    for body_arg in [None, Some("-")] {
        let mut args = vec!["verify", "--scheme", "github", "--secret", "s"];
        args.extend(headers.iter().map(String::as_str));
        args.extend(body_arg);
        assert_eq!(code(&hookway(&args, b"{\"a\": 1}")), 0, "{body_arg:?}");
    }
}

#[tokio::test]
async fn with_a_source_and_no_secret_the_secrets_are_read_from_ssm() {
    let moto = MotoServer::start();
    let aws = moto.sdk_config().await;
    put_secret(&aws, "/hookway/github/secret", "from-ssm").await;
    let env = [
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    let root = workspace_root();
    let signed = hookway_in(&root, &["sign", "--source", "github"], b"{}", &env);
    assert_eq!(code(&signed), 0, "{}", String::from_utf8_lossy(&signed.stderr));
    let mut args = vec!["verify", "--source", "github", "--secret", "from-ssm"];
    let headers = header_args(&stdout(&signed));
    args.extend(headers.iter().map(String::as_str));
    assert_eq!(code(&hookway(&args, b"{}")), 0, "signed with the secret in SSM");
}

#[test]
fn the_committed_json_schema_is_the_one_the_code_generates() {
    let output = hookway(&["config", "schema"], b"");
    let committed = std::fs::read_to_string(workspace_root().join("hookway.schema.json")).unwrap();
    assert_eq!(stdout(&output), committed, "run `hookway config schema > hookway.schema.json`");
}

/// What `file` (from the repository's root) holds between `<!-- name:start -->` and
/// `<!-- name:end -->`.
fn generated_block(file: &str, name: &str) -> String {
    let text = std::fs::read_to_string(workspace_root().join(file)).unwrap();
    let start_marker = format!("<!-- {name}:start -->\n");
    let start = text.find(&start_marker).unwrap_or_else(|| panic!("{file} has no {start_marker}")) + start_marker.len();
    let end = text.find(&format!("<!-- {name}:end -->")).unwrap_or_else(|| panic!("{file} has no {name}:end"));
    text[start..end].to_owned()
}

#[test]
fn the_docs_provider_table_is_the_one_the_catalog_generates() {
    let table = stdout(&hookway(&["providers", "--markdown"], b""));
    assert_eq!(generated_block("docs/guides/providers.md", "providers"), table, "run `make schema`");
    assert!(table.lines().count() >= 2 + 30, "at least 30 providers");
}

#[test]
fn the_docs_table_of_contents_lists_every_provider_page_the_catalog_generates() {
    let entries = stdout(&hookway(&["providers", "--summary"], b""));
    assert_eq!(generated_block("docs/SUMMARY.md", "summary"), entries, "run `make schema`");
    let catalog = hookway_core::scheme::CATALOG;
    assert_eq!(entries.lines().count(), catalog.len(), "an entry a provider:\n{entries}");
    for (line, provider) in entries.lines().zip(catalog) {
        let entry = format!("  - [{}](providers/{}.md)", provider.title, provider.name);
        assert_eq!(line, entry, "nested under the providers guide, titled as the catalog says");
        assert!(workspace_root().join("docs/providers").join(format!("{}.md", provider.name)).is_file(), "{line}");
    }
    let names: Vec<&str> = catalog.iter().map(|provider| provider.name).collect();
    assert!(names.is_sorted(), "listed by name");
}

#[test]
fn the_provider_pages_are_the_ones_the_catalog_generates() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("pages-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code(&hookway(&["providers", "--pages", dir.to_str().unwrap()], b"")), 0);
    let files = |dir: &std::path::Path| -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| {
                let path = entry.unwrap().path();
                (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&path).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let generated = files(&dir);
    assert_eq!(generated.len(), hookway_core::scheme::CATALOG.len(), "a page a provider");
    assert!(generated.iter().all(|(_, page)| page.contains("## Set it up") && page.contains("## Replays")));
    // Outside code, a `<` would open an HTML tag (the docs site shows `https://<api>/…` as nothing).
    for (file, page) in &generated {
        let prose = page.replacen("<!-- Generated", "", 1);
        let tags: Vec<&str> = prose.split('`').step_by(2).filter(|part| part.contains('<')).collect();
        assert!(tags.is_empty(), "{file}: an unescaped `<` in {tags:?}");
    }
    let tally = &generated.iter().find(|(file, _)| file == "tally.md").unwrap().1;
    assert!(tally.contains("https://&lt;api>/webhooks/&lt;source>"), "{tally}");
    assert!(files(&workspace_root().join("docs/providers")) == generated, "run `make schema`");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_docs_replay_table_is_the_one_the_catalog_generates() {
    let table = stdout(&hookway(&["providers", "--replays"], b""));
    assert_eq!(generated_block("docs/how-it-works/security.md", "replays"), table, "run `make schema`");
    let github = table.lines().find(|line| line.starts_with("| `github` |")).unwrap();
    assert!(
        github.contains("**not signed** (`X-GitHub-Delivery`)") && github.contains("keyed by source and body"),
        "{github}"
    );
    let stripe = table.lines().find(|line| line.starts_with("| `stripe` |")).unwrap();
    assert!(stripe.contains("in the signed body") && stripe.contains("refused"), "{stripe}");
}

#[test]
fn the_security_captured_request_table_is_the_one_the_catalog_generates() {
    let table = stdout(&hookway(&["providers", "--captured"], b""));
    assert_eq!(generated_block("SECURITY.md", "captured"), table, "run `make schema`");
    let row = |name: &str| table.lines().find(|line| line.starts_with(&format!("| `{name}` |"))).unwrap().to_owned();
    let github = row("github");
    assert!(github.contains("**any time**") && github.contains("keyed by source and body"), "{github}");
    assert!(github.contains("90 days (the longest of") && github.contains("processed again"), "{github}");
    let stripe = row("stripe");
    assert!(stripe.contains("± 300 s") && stripe.contains("refused: the id is signed"), "{stripe}");
    assert!(stripe.contains("ever: its record, kept 7 days"), "{stripe}");
    assert!(row("gitlab").contains("the token alone"));
    assert!(row("mailgun").contains("**any body**: the body is not signed"), "{}", row("mailgun"));
}

#[test]
fn providers_lists_the_catalog_with_what_each_source_needs() {
    let output = hookway(&["providers"], b"");
    assert_eq!(code(&output), 0);
    let listing = stdout(&output);
    for line in [
        "twilio ",
        "HMAC-SHA1",
        "X-Twilio-Signature",
        "publicUrl",
        "discord ",
        "Ed25519",
        "public key (hex)",
        "sendgrid ",
        "ECDSA P-256",
        "gitlab ",
        "X-Gitlab-Token",
        "meta ",
        "verifyTokenParameter",
    ] {
        assert!(listing.contains(line), "{line} in:\n{listing}");
    }
}

#[test]
fn config_check_names_the_field_at_fault() {
    let dir = tempdir();
    let file = dir.join("hookway.json");
    std::fs::write(
        &file,
        r#"{"sources": [{"name": "a", "scheme": "github", "secretParameters": ["/a"], "toleranceSeconds": 0}]}"#,
    )
    .unwrap();
    let output = hookway(&["config", "check", "--config", file.to_str().unwrap()], b"");
    assert_eq!(code(&output), 2);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "hookway: sources[0].toleranceSeconds: 0 is out of range 1..=3600\n"
    );
    assert_eq!(code(&hookway(&["config", "check"], b"")), 0, "the repository's own hookway.json");
}

/// The digest an operator compares with the stack's `ConfigDigest` output: the file's SHA-256, as
/// `sha256sum` computes it, so that a reformatted file is told from the one deployed.
#[test]
fn config_check_prints_the_files_digest_as_sha256sum_computes_it() {
    let dir = tempdir();
    let file = dir.join("hookway.json");
    std::fs::write(
        &file,
        "{\"sources\": [{\"name\": \"a\", \"scheme\": \"github\", \"secretParameters\": [\"/a\"]}]}\n",
    )
    .unwrap();
    let sha256sum = Command::new("sha256sum").arg(&file).output().unwrap();
    let expected = String::from_utf8_lossy(&sha256sum.stdout).split_whitespace().next().unwrap().to_owned();
    let output = hookway(&["config", "check", "--config", file.to_str().unwrap()], b"");
    assert_eq!(code(&output), 0);
    let printed = stdout(&output);
    let digests: Vec<&str> = printed.lines().filter_map(|line| line.strip_prefix("digest ")).collect();
    assert_eq!(digests, [format!("sha256:{expected}")], "{printed}");
}

#[test]
fn config_check_says_intake_function_url_is_deprecated_and_names_its_replacement() {
    let dir = tempdir();
    let file = dir.join("hookway.json");
    std::fs::write(
        &file,
        r#"{"intake": {"functionUrl": true}, "sources": [{"name": "a", "scheme": "github", "secretParameters": ["/a"]}]}"#,
    )
    .unwrap();
    let output = hookway(&["config", "check", "--config", file.to_str().unwrap()], b"");
    assert_eq!(code(&output), 0, "still accepted");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            r#"warning: intake.functionUrl: is deprecated: its replacement is `webhooks.endpoint: "function-url"`"#
        ),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("deprecated"), "on stderr only");
}

#[test]
fn config_check_refuses_a_configuration_past_an_aws_limit_naming_it_and_the_numbers() {
    let dir = tempdir();
    let file = dir.join("hookway.json");
    let sources: Vec<String> = (0..320)
        .map(|i| {
            format!(
                r#"{{"name": "partner-{i}", "scheme": "stripe", "secretParameters": ["/hookway/partners/partner-{i}/secret"],
                    "throttle": {{"rate": 5, "burst": 10}}}}"#
            )
        })
        .collect();
    std::fs::write(&file, format!(r#"{{"sources": [{}]}}"#, sources.join(","))).unwrap();
    let output = hookway(&["config", "check", "--config", file.to_str().unwrap()], b"");
    assert_eq!(code(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for refusal in [
        r#"sources: 320 sources with their own throttle need 325 API Gateway resources; a REST API holds 300 ("Resources per API")"#,
        r#"sources: 320 sources with their own throttle make the stack 1,031 CloudFormation resources; a stack holds 500 ("Resources per stack")"#,
    ] {
        assert!(stderr.contains(refusal), "{refusal}\nnot in:\n{stderr}");
    }
    assert!(stdout(&output).is_empty(), "nothing said to fit");
}

#[test]
fn config_check_warnings_a_source_acknowledges_are_not_printed() {
    let dir = tempdir();
    let file = dir.join("hookway.json");
    let check = |acknowledge: &str| {
        let config = format!(
            r#"{{"worker": {{"replayWindowDays": 20}},
                "sources": [{{"name": "github", "scheme": "github", "secretParameters": ["/g"]{acknowledge}}},
                            {{"name": "quiet", "scheme": "stripe", "secretParameters": ["/q"]}}],
                "routes": [{{"source": "github", "type": "push", "handler": "log"}}, {{"source": "*", "handler": "log"}}]}}"#
        );
        std::fs::write(&file, config).unwrap();
        let output = hookway(&["config", "check", "--config", file.to_str().unwrap()], b"");
        assert_eq!(code(&output), 0, "warnings only");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let warned = check("");
    for warning in [
        "warning: worker.replayWindowDays: (20 days) is shorter than archive.retentionDays (30 days)",
        "warning: sources[1]: `quiet` has no route of its own",
        "warning: routes[0].type: routes `push` events of source `github` by their type, which the `X-GitHub-Event` header carries without a signature",
    ] {
        assert!(warned.contains(warning), "{warning}\nnot in:\n{warned}");
    }
    assert_eq!(warned.lines().count(), 3, "{warned}");
    let acknowledged = check(r#", "acknowledge": ["unsigned-type"]"#);
    assert!(!acknowledged.contains("X-GitHub-Event"), "{acknowledged}");
    assert_eq!(acknowledged.lines().count(), 2, "the others stay: {acknowledged}");
}

#[test]
fn config_check_shows_how_much_of_each_limit_the_stack_takes() {
    let output = hookway(&["config", "check"], b"");
    assert_eq!(code(&output), 0);
    let listing = stdout(&output);
    assert!(listing.contains("fits one stack:"), "{listing}");
    assert!(
        listing.contains(r#"       71 of       500  CloudFormation resources in the stack ("Resources per stack")"#),
        "{listing}"
    );
    assert!(
        listing.contains(r#"of    10,240  characters of the intake role's inline policy (6 parameters by name)"#),
        "{listing}"
    );
}

/// A fresh directory under the target directory.
fn tempdir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(uuid());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn uuid() -> String {
    format!("{}-{:?}", std::process::id(), std::thread::current().id()).replace(['(', ')'], "")
}
