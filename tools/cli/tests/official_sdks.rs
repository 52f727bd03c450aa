//! Each provider whose official SDK is a Python or Node.js package, both ways: what `hookway sign`
//! signs the SDK accepts, and what the SDK signs `hookway verify` accepts. The Python SDKs are
//! installed into .venv from tools/requirements.txt and tools/sdks/requirements-*.txt, the Node.js
//! ones into tools/sdks/node_modules from tools/sdks/package-lock.json; tools/official_sdks.py
//! drives them, through a module of its own in tools/sdks/ for each provider added since.

use std::path::PathBuf;
use std::process::Output;

use hookway_core::hookway_providers::key::generate;
use hookway_core::scheme::Scheme;
use hookway_testkit::{run_with_stdin, workspace_root};

fn run(program: &str, args: &[&str], stdin: &[u8]) -> Output {
    run_with_stdin(program, args, stdin)
}

fn python() -> String {
    workspace_root().join(".venv/bin/python").to_str().unwrap().to_owned()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// A provider, the secret `hookway verify` takes, and what signs (the secret, or a test private key).
struct Case {
    provider: String,
    secret: String,
    signing: String,
    body: String,
}

fn cases() -> Vec<Case> {
    let pair = |name: &str| {
        let spec = hookway_core::hookway_providers::find(name).unwrap().spec;
        generate(spec.algorithm, spec.secret, [42u8; 32])
    };
    let hmac = |provider: &str, secret: &str, body: &str| Case {
        provider: provider.to_owned(),
        secret: secret.to_owned(),
        signing: secret.to_owned(),
        body: body.to_owned(),
    };
    let json = r#"{"type": "thing.done", "id": "evt_1", "data": {"n": 1}}"#;
    let discord = pair("discord");
    let sendgrid = pair("sendgrid");
    let mut cases = vec![
        hmac("stripe", "whsec_test_secret", json),
        hmac("slack", "8f742231b10e8888abcd99yyyzzz85a5", json),
        hmac("twilio", "12345", "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030"),
        hmac(
            "hubspot",
            "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
            r#"[{"eventId": 1, "subscriptionType": "contact.creation"}]"#,
        ),
        hmac("svix", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", json),
        hmac("clerk", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", json),
        hmac("resend", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", json),
        hmac("standard-webhooks", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", json),
        hmac("paddle", "pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI", json),
        hmac("square", "asdf1234", json),
        Case {
            provider: "discord".into(),
            secret: discord.secret,
            signing: discord.private_key.unwrap(),
            body: json.into(),
        },
        Case {
            provider: "sendgrid".into(),
            secret: sendgrid.secret,
            signing: sendgrid.private_key.unwrap(),
            body: "[]".into(),
        },
    ];
    // The providers with a module of their own in tools/sdks/.
    let listed = run(&python(), &["tools/official_sdks.py", "cases"], b"");
    assert!(listed.status.success(), "{}", text(&listed));
    for line in String::from_utf8(listed.stdout).unwrap().lines() {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let field = |name: &str| case[name].as_str().unwrap_or_else(|| panic!("{line}: no {name}")).to_owned();
        cases.push(Case {
            provider: field("provider"),
            secret: field("public"),
            signing: field("secret"),
            body: field("body"),
        });
    }
    cases
}

/// Every provider whose evidence is its official SDK is tried here, both ways (and a few whose
/// documented example pins them too).
#[test]
fn each_provider_pinned_by_its_sdk_is_tried_with_it() {
    use hookway_core::hookway_providers::spec::Evidence;
    let mut tried: Vec<String> = cases().into_iter().map(|case| case.provider).collect();
    tried.sort();
    tried.dedup();
    let pinned: Vec<String> = hookway_core::hookway_providers::CATALOG
        .iter()
        .filter(|provider| matches!(provider.evidence, Evidence::Sdk(_) | Evidence::Verifier(_)))
        .map(|provider| provider.name.to_owned())
        .collect();
    let untried: Vec<&String> = pinned.iter().filter(|name| !tried.contains(name)).collect();
    assert!(untried.is_empty(), "pinned by an official SDK, never tried with it: {untried:?}");
}

const URL: &str = "https://hooks.example.com/v1/webhooks/provider?account=7";

fn body_file(case: &Case, test: &str) -> PathBuf {
    let name = format!("sdk-{test}-{}-{}.body", case.provider, std::process::id());
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, &case.body).unwrap();
    path
}

/// Runs `check` for every case, a few at a time: each starts an SDK's Python, which mostly waits
/// on imports.
fn each_case(check: impl Fn(&Case) + Sync) {
    let cases = cases();
    let threads = std::thread::available_parallelism().map_or(2, usize::from).max(2);
    std::thread::scope(|scope| {
        for start in 0..threads {
            let (cases, check) = (&cases, &check);
            scope.spawn(move || cases.iter().skip(start).step_by(threads).for_each(check));
        }
    });
}

#[test]
fn what_hookway_signs_each_official_sdk_accepts() {
    let hookway = env!("CARGO_BIN_EXE_hookway");
    let now = hookway_core::unix_now().to_string();
    each_case(|case| {
        let file = body_file(case, "accepts");
        let key_flag = if Scheme::named(&case.provider).unwrap().spec().algorithm.is_public_key() {
            "--private-key"
        } else {
            "--secret"
        };
        let signed = run(
            hookway,
            &[
                "sign",
                "--scheme",
                &case.provider,
                key_flag,
                &case.signing,
                "--url",
                URL,
                "--timestamp",
                &now,
                file.to_str().unwrap(),
            ],
            b"",
        );
        assert!(signed.status.success(), "{}: {}", case.provider, text(&signed));
        let sdk = run(
            &python(),
            &["tools/official_sdks.py", "verify", &case.provider, &case.signing, file.to_str().unwrap(), URL, &now],
            &signed.stdout,
        );
        assert!(
            sdk.status.success(),
            "{}: the SDK refused hookway's signature: {}\n{}",
            case.provider,
            text(&sdk),
            text(&signed)
        );

        let tampered = run(
            &python(),
            &[
                "tools/official_sdks.py",
                "verify",
                &case.provider,
                &case.signing,
                file.to_str().unwrap(),
                &format!("{URL}x"),
                &now,
            ],
            &signed.stdout,
        );
        let signs_url = Scheme::named(&case.provider).unwrap().signs_url();
        assert_eq!(tampered.status.success(), !signs_url, "{}: another URL", case.provider);

        // The SDK refuses the same headers over a body with one character changed.
        let changed = PathBuf::from(format!("{}.changed", file.display()));
        std::fs::write(&changed, changed_body(&case.body)).unwrap();
        let refused = run(
            &python(),
            &["tools/official_sdks.py", "verify", &case.provider, &case.signing, changed.to_str().unwrap(), URL, &now],
            &signed.stdout,
        );
        assert_eq!(refused.status.code(), Some(1), "{}: the SDK accepted a changed body", case.provider);
    });
}

/// The body with its first letter or digit changed to another of its kind (a space added to a body
/// without one).
fn changed_body(body: &str) -> String {
    let Some(at) = body.find(|c: char| c.is_ascii_alphanumeric()) else { return format!("{body} ") };
    let to = match body.as_bytes()[at] {
        b'a' => 'b',
        b'0' => '1',
        c if c.is_ascii_digit() => '0',
        _ => 'a',
    };
    format!("{}{to}{}", &body[..at], &body[at + 1..])
}

#[test]
fn what_each_official_sdk_signs_hookway_verifies() {
    let hookway = env!("CARGO_BIN_EXE_hookway");
    let now = hookway_core::unix_now().to_string();
    each_case(|case| {
        let file = body_file(case, "verifies");
        let signed = run(
            &python(),
            &["tools/official_sdks.py", "sign", &case.provider, &case.signing, file.to_str().unwrap(), URL, &now],
            b"",
        );
        assert!(signed.status.success(), "{}: {}", case.provider, text(&signed));
        let mut args =
            vec!["verify", "--scheme", &case.provider, "--secret", &case.secret, "--url", URL, "--now", &now];
        let lines = String::from_utf8(signed.stdout.clone()).unwrap();
        let headers: Vec<String> = lines.lines().flat_map(|line| ["-H".to_owned(), line.to_owned()]).collect();
        args.extend(headers.iter().map(String::as_str));
        args.push(file.to_str().unwrap());
        let verified = run(hookway, &args, b"");
        assert!(
            String::from_utf8_lossy(&verified.stdout).starts_with("valid\n"),
            "{}: {}\n{lines}",
            case.provider,
            text(&verified)
        );

        // The secret with its first character (after `whsec_`) changed, still of its form (text,
        // hex or base64).
        let at = if case.secret.starts_with("whsec_") { "whsec_".len() } else { 0 };
        let wrong = match case.secret[at..].chars().next() {
            Some('a') => format!("{}b{}", &case.secret[..at], &case.secret[at + 1..]),
            _ => format!("{}a{}", &case.secret[..at], &case.secret[at + 1..]),
        };
        if case.secret == case.signing {
            let mut other = args.clone();
            other[4] = &wrong;
            let refused = run(hookway, &other, b"");
            assert_eq!(refused.status.code(), Some(1), "{}: a wrong secret", case.provider);
        }
    });
}
