//! The command line as a script sees it: exit codes (0 success, 1 a failure at run time, 2 a usage
//! or configuration error), help, version, completions; `--profile` and `--region` reaching AWS;
//! the configuration a command reads being the one its stack runs, read once, and a broken one
//! stopping the command before any AWS call; `secrets put` taking its value from stdin; and the
//! operator build (no default features) leaving the emulator out. The built binary, against a real moto server (through the local stack's state
//! file, this process standing in for `hookway dev`) or a stand-in for CloudFormation.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use hookway_core::local::secrets::LocalSecrets;
use hookway_core::local::state::DevState;
use hookway_testkit::receiver::{Receiver, Reply};
use hookway_testkit::{MotoServer, closed_endpoint, create_bucket, put_secret, wait_for};
use serde_json::json;

/// A folder of this test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// This shell's AWS settings, which no run of these tests may inherit.
const SHELL_AWS: [&str; 7] = [
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// Removes each of `names` from a command's environment.
trait EnvRemoveEach {
    fn env_remove_each(&mut self, names: impl IntoIterator<Item = &'static str>) -> &mut Self;
}

impl EnvRemoveEach for Command {
    fn env_remove_each(&mut self, names: impl IntoIterator<Item = &'static str>) -> &mut Self {
        names.into_iter().fold(self, |command, name| command.env_remove(name))
    }
}

/// `hookway <args>` in `dir`, with nothing of this shell's AWS settings, and `stdin`.
fn hookway_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = hookway_with(dir, args, Stdio::piped());
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// `hookway <args>` started in `dir`, with nothing of this shell's AWS settings, on `stdin`.
fn hookway_with(dir: &Path, args: &[&str], stdin: Stdio) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_hookway"))
        .args(args)
        .current_dir(dir)
        .env_remove_each(SHELL_AWS)
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-aws-credentials"))
        .env_remove("HOOKWAY_STACK")
        .env_remove("NO_COLOR")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn hookway(args: &[&str]) -> Output {
    hookway_in(Path::new(env!("CARGO_TARGET_TMPDIR")), args, b"")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A local stack's state file in `dir`, pointing at `aws_endpoint` and running `config`: this
/// process stands in for `hookway dev`, so the commands find it running.
fn local_stack(dir: &Path, aws_endpoint: &str, config: &Path) {
    DevState {
        pid: std::process::id(),
        gateway_url: "http://127.0.0.1:9".into(),
        aws_endpoint: aws_endpoint.into(),
        region: "us-east-1".into(),
        lambda_endpoint: "http://127.0.0.1:9".into(),
        events_queue_url: format!("{aws_endpoint}/123456789012/hookway-events"),
        events_dlq_url: format!("{aws_endpoint}/123456789012/hookway-events-dlq"),
        jobs_dlq_url: format!("{aws_endpoint}/123456789012/hookway-jobs-dlq"),
        table: "hookway-state".into(),
        archive_bucket: "hookway-archive".into(),
        worker_function: "hookway-worker".into(),
        config: config.to_owned(),
        logs: dir.to_owned(),
        process_groups: Vec::new(),
    }
    .write(dir)
    .unwrap();
}

/// A configuration of one source, `name`.
fn config_of(path: &Path, name: &str) {
    let config = json!({
        "sources": [{"name": name, "scheme": "github", "secretParameters": [format!("/hookway/{name}/secret")]}],
        "routes": [{"source": "*", "handler": "log"}],
    });
    std::fs::write(path, config.to_string()).unwrap();
}

/// What a command said names no part of the SDK's `Debug` account of an error.
fn assert_said_in_words(said: &str) {
    for debug in ["DispatchFailure", "Debug", "ConnectorError", "SdkBody", "{ "] {
        assert!(!said.contains(debug), "{debug}: {said}");
    }
}

#[test]
fn a_success_exits_0_a_failure_at_run_time_1_and_a_usage_error_2() {
    let providers = hookway(&["providers"]);
    assert_eq!(providers.status.code(), Some(0), "{}", text(&providers.stderr));
    assert!(text(&providers.stdout).contains("stripe"));

    // The local stack's AWS endpoint refuses connections.
    let dir = scratch("down");
    config_of(&dir.join("hookway.json"), "acme");
    local_stack(&dir, &closed_endpoint(), &dir.join("hookway.json"));
    let down = hookway(&["dlq", "list", "--local", "--state-dir", dir.to_str().unwrap()]);
    let said = text(&down.stderr);
    assert_eq!(down.status.code(), Some(1), "{said}");
    assert!(said.starts_with("hookway: cannot reach the SQS endpoint ("), "{said}");
    assert!(said.contains("is `make dev` running?"), "{said}");
    assert_said_in_words(&said);

    // Every command that reads AWS says why it failed in words, with what to do: the state table,
    // the archive, the secrets, and the credential chain when there are none.
    let state_dir = dir.to_str().unwrap();
    std::fs::write(
        dir.join("hookway.json"),
        json!({
            "sources": [
                {"name": "acme", "scheme": "github", "secretParameters": ["/hookway/acme/secret"]},
                {"name": "pay", "scheme": "stripe", "secretParameters": ["/hookway/pay/secret"]},
            ],
            "routes": [{"source": "*", "handler": "log"}],
        })
        .to_string(),
    )
    .unwrap();
    let local = ["--local", "--state-dir", state_dir];
    let runs: [(&[&str], &str); 8] = [
        (&["events", "list"], "cannot reach the "),
        (&["events", "show", "evt-1"], "cannot reach the "),
        (&["destinations", "list"], "cannot reach the "),
        (&["replay", "--dry-run", "--since", "1h", "-y"], "cannot reach the "),
        (&["send", "--source", "acme"], "cannot reach the SSM endpoint"),
        (&["trigger", "stripe"], "cannot reach the SSM endpoint"),
        (&["verify", "--source", "acme", "-H", "X-Hub-Signature-256: sha256=00"], "no AWS credentials"),
        (&["sign", "--source", "acme"], "no AWS credentials"),
    ];
    for (command, expected) in runs {
        let args: Vec<&str> = if ["verify", "sign"].contains(&command[0]) {
            command.to_vec()
        } else {
            command.iter().chain(&local).copied().collect()
        };
        let output = hookway_in(&dir, &args, b"{}");
        let said = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{command:?}: {said}");
        assert!(said.contains(expected), "{command:?}: {said}");
        assert_said_in_words(&said);
    }

    // No stack started there at all.
    let none = hookway(&["dlq", "list", "--local", "--state-dir", scratch("none").to_str().unwrap()]);
    assert_eq!(none.status.code(), Some(1), "{}", text(&none.stderr));

    for usage in [&["providers", "--no-such-flag"][..], &["no-such-command"], &["events", "list", "--since"]] {
        let output = hookway(usage);
        assert_eq!(output.status.code(), Some(2), "{usage:?}: {}", text(&output.stderr));
    }
}

#[test]
fn help_lists_the_commands_by_group_with_examples_and_the_exit_codes() {
    let help = hookway(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = text(&help.stdout);
    let groups = ["\nLocal (", "\nEvents (", "\nOperations (", "\nConfiguration:"];
    let at: Vec<usize> =
        groups.iter().map(|group| help.find(group).unwrap_or_else(|| panic!("{group}\n{help}"))).collect();
    assert!(at.is_sorted(), "{help}");
    // Each command under its group.
    for (command, group) in [("dev", 0), ("sign", 0), ("replay", 1), ("dlq", 1), ("secrets", 2), ("config", 3)] {
        let line = help.find(&format!("\n  {command} ")).unwrap_or_else(|| panic!("{command}\n{help}"));
        assert!(line > at[group] && at.get(group + 1).is_none_or(|next| line < *next), "{command}\n{help}");
    }
    assert!(!help.contains("\n  man "), "the man page writer is for `make build`, not listed: {help}");
    for global in ["--profile <NAME>", "--region <REGION>", "--color <WHEN>", "-V, --version"] {
        assert!(help.contains(global), "{global}\n{help}");
    }
    assert!(help.contains("Examples:\n  hookway dev"), "{help}");
    assert!(
        help.contains(
            "Exit codes:\n  0  success\n  1  a failure at run time: AWS, the network, a check that failed\n  \
             2  a usage or configuration error: fix the command line or the configuration"
        ),
        "{help}"
    );
    // The global options in a command's help too.
    let events = text(&hookway(&["events", "list", "--help"]).stdout);
    assert!(events.contains("--profile <NAME>") && events.contains("--region <REGION>"), "{events}");
}

#[test]
fn the_version_is_asked_of_hookway_not_of_a_command() {
    let version = hookway(&["-V"]);
    assert_eq!(
        (version.status.code(), text(&version.stdout)),
        (Some(0), format!("hookway {}\n", env!("CARGO_PKG_VERSION")))
    );
    let long = hookway(&["--version"]);
    assert_eq!(text(&long.stdout), text(&version.stdout));
    for args in [&["events", "-V"][..], &["events", "list", "--version"]] {
        let refused = hookway(args);
        assert_eq!(refused.status.code(), Some(2), "{args:?}: {}", text(&refused.stdout));
        assert!(text(&refused.stderr).contains("unexpected argument"), "{}", text(&refused.stderr));
    }
}

#[test]
fn completions_are_printed_for_four_shells() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef hookway"),
        ("fish", "complete -c hookway"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let output = hookway(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}: {}", text(&output.stderr));
        let script = text(&output.stdout);
        assert!(script.contains(marker) && script.contains("hookway"), "{shell}: {script}");
        // Its commands and the options of theirs are completed.
        assert!(script.contains("replay") && script.contains("state-dir"), "{shell}");
    }
    assert_eq!(hookway(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_pages_are_written_for_hookway_and_each_command() {
    let dir = scratch("man");
    let output = hookway(&["man", "--out", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let page = std::fs::read_to_string(dir.join("hookway.1")).unwrap();
    assert!(page.starts_with(".ie") || page.contains(".TH hookway"), "{page}");
    assert!(page.contains("Exit codes"), "the exit codes in the page too");
    let events = std::fs::read_to_string(dir.join("hookway-events-list.1")).unwrap();
    assert!(events.contains("state\\-dir"), "{events}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_reads_the_configuration_the_local_stack_runs() {
    let moto = MotoServer::start();
    let aws = moto.sdk_config().await;
    create_bucket(&aws, "hookway-archive").await;
    let dir = scratch("runs");
    let state_dir = dir.join("state");
    std::fs::create_dir_all(&state_dir).unwrap();
    // The stack runs stack.json; beside it, in the folder the command is run from, another file.
    let runs = dir.join("stack.json");
    config_of(&runs, "acme");
    config_of(&dir.join("hookway.json"), "elsewhere");
    local_stack(&state_dir, &moto.endpoint, &runs);

    let following = |extra: &[&str]| {
        let state = state_dir.to_str().unwrap();
        let args = [&["events", "tail", "--local", "--state-dir", state][..], extra].concat();
        let mut child = Command::new(env!("CARGO_BIN_EXE_hookway"))
            .args(args)
            .current_dir(&dir)
            .env_remove("AWS_ENDPOINT_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("tail.err")).unwrap())
            .spawn()
            .unwrap();
        let err = dir.join("tail.err");
        async move {
            let said = wait_for("the tail to say what it follows", Duration::from_secs(60), || {
                let said = std::fs::read_to_string(&err).unwrap_or_default();
                std::future::ready(said.contains("following").then_some(said))
            })
            .await;
            child.kill().unwrap();
            child.wait().unwrap();
            said
        }
    };
    let said = following(&[]).await;
    assert!(said.contains("following acme "), "the stack's sources: {said}");
    assert!(!said.contains("runs"), "{said}");

    let said = following(&["--config", "hookway.json"]).await;
    assert!(said.contains(&format!("hookway: the local stack runs {}, not hookway.json", runs.display())), "{said}");
    assert!(said.contains("following elsewhere "), "the file given wins: {said}");
}

/// A CloudFormation `DescribeStacks` answer: the stack `name`, its outputs.
fn described(name: &str, outputs: &[(&str, &str)]) -> Reply {
    let outputs: String = outputs
        .iter()
        .map(|(key, value)| format!("<member><OutputKey>{key}</OutputKey><OutputValue>{value}</OutputValue></member>"))
        .collect();
    Reply::Body(
        200,
        "text/xml",
        format!(
            "<DescribeStacksResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><DescribeStacksResult>\
             <Stacks><member><StackName>{name}</StackName><StackId>arn:aws:cloudformation:eu-west-3:123456789012:stack/{name}/1</StackId>\
             <CreationTime>2026-12-01T00:00:00Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus>\
             <Outputs>{outputs}</Outputs></member></Stacks></DescribeStacksResult>\
             <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>"
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_and_region_reach_aws_and_a_file_the_stack_does_not_run_is_said() {
    let cloudformation = Receiver::start().await;
    cloudformation.always(described("hw-test", &[("ConfigDigest", "sha256:0000")]));
    let dir = scratch("deployed");
    config_of(&dir.join("hookway.json"), "acme");
    let aws_dir = dir.join("aws");
    std::fs::create_dir_all(&aws_dir).unwrap();
    std::fs::write(aws_dir.join("config"), "[profile ops]\nregion = ap-south-1\n").unwrap();
    std::fs::write(aws_dir.join("credentials"), "[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = x\n")
        .unwrap();
    let run = |globals: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hookway"));
        command
            .args(globals)
            .args(["destinations", "list", "--stack", "hw-test"])
            .current_dir(&dir)
            .env_remove_each(SHELL_AWS)
            .env("AWS_CONFIG_FILE", aws_dir.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", aws_dir.join("credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL_CLOUDFORMATION", &cloudformation.url)
            .env("AWS_ENDPOINT_URL_DYNAMODB", closed_endpoint())
            .stdin(Stdio::null());
        command.output().unwrap()
    };
    let scopes = |from: usize| -> Vec<String> {
        cloudformation.received()[from..]
            .iter()
            .map(|request| request.headers["authorization"].to_str().unwrap().to_owned())
            .collect()
    };

    // The receiver answers on this runtime's other thread while the command runs.
    let output = tokio::task::block_in_place(|| run(&["--profile", "ops"]));
    let said = text(&output.stderr);
    // The stack has no TableName output: a failure at run time, after the warning.
    assert_eq!(output.status.code(), Some(1), "{said}");
    let digest = hookway_core::config::digest(&std::fs::read(dir.join("hookway.json")).unwrap());
    assert!(
        said.contains(&format!(
            "hookway: the stack hw-test runs a configuration whose digest sha256:0000 differs from hookway.json's ({digest}): \
             deploy it, or pass the file it was deployed with (--config)"
        )),
        "{said}"
    );
    let asked = scopes(0);
    assert_eq!(asked.len(), 1, "the outputs are read once: {asked:?}");
    assert!(asked[0].contains("Credential=AKIDOPS/") && asked[0].contains("/ap-south-1/cloudformation/"), "{asked:?}");

    let output = tokio::task::block_in_place(|| run(&["--profile", "ops", "--region", "eu-west-3"]));
    assert_eq!(output.status.code(), Some(1));
    let asked = scopes(1);
    assert!(asked[0].contains("Credential=AKIDOPS/") && asked[0].contains("/eu-west-3/cloudformation/"), "{asked:?}");

    // No such stack: said once, and asked once, though both the check and the command need it.
    cloudformation.always(Reply::Body(
        400,
        "text/xml",
        "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error><Type>Sender</Type>\
         <Code>ValidationError</Code><Message>Stack with id hw-test does not exist</Message></Error>\
         <RequestId>1</RequestId></ErrorResponse>"
            .to_owned(),
    ));
    let output = tokio::task::block_in_place(|| run(&["--profile", "ops"]));
    let said = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(said.starts_with("hookway: no stack named hw-test in this account and region"), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    assert_eq!(scopes(2).len(), 1, "CloudFormation is asked once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_put_takes_the_secret_from_stdin_and_warns_about_value() {
    let moto = MotoServer::start();
    let aws = moto.sdk_config().await;
    let dir = scratch("secrets");
    let config = dir.join("stack.json");
    config_of(&config, "acme");
    local_stack(&dir, &moto.endpoint, &config);
    // The secret `hookway dev` generated (and moto's SSM started, however slowly).
    put_secret(&aws, "/hookway/acme/secret", "generated").await;
    let ssm = aws_sdk_ssm::Client::new(&aws);
    let stored = || async {
        let parameter = ssm.get_parameter().name("/hookway/acme/secret").with_decryption(true).send().await.unwrap();
        parameter.parameter.unwrap().value.unwrap()
    };
    let state = dir.to_str().unwrap();

    // Piped, with the newline echo adds: not printed, not warned about; no --config, the stack's.
    let output = hookway_in(&dir, &["secrets", "put", "acme", "--local", "--state-dir", state], b"from-stdin\n");
    let (out, err) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{out}{err}");
    assert_eq!(stored().await, "from-stdin");
    assert!(!out.contains("from-stdin") && !err.contains("from-stdin") && !out.contains("new secret"), "{out}{err}");
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(LocalSecrets::load(&dir).unwrap().values["/hookway/acme/secret"], "from-stdin");

    // --value-file; the source named as the other commands name it.
    std::fs::write(dir.join("secret.txt"), "from-file\r\n").unwrap();
    let output = hookway_in(
        &dir,
        &["secrets", "put", "--source", "acme", "--value-file", "secret.txt", "--local", "--state-dir", state],
        b"",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(stored().await, "from-file");

    // --value still works, with a warning on stderr.
    let output =
        hookway_in(&dir, &["secrets", "put", "acme", "--value", "from-flag", "--local", "--state-dir", state], b"");
    let err = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert_eq!(stored().await, "from-flag");
    assert!(err.contains("warning: --value puts the secret in your shell's history"), "{err}");

    // Nothing on stdin: a fresh one, printed once.
    let output = hookway_in(&dir, &["secrets", "put", "acme", "--local", "--state-dir", state], b"");
    let out = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let fresh = stored().await;
    assert!(fresh.starts_with("whsec_") || fresh.len() >= 32, "{fresh}");
    assert!(out.contains(&format!("new secret (give it to the sender): {fresh}")), "{out}");

    // Stdin a socket that stays open (ssh, docker -i): not waited on; a fresh one.
    let (_open, socket) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut child = hookway_with(
        &dir,
        &["secrets", "put", "acme", "--local", "--state-dir", state],
        Stdio::from(std::os::fd::OwnedFd::from(socket)),
    );
    let status = wait_for("secrets put on an open socket to end", Duration::from_secs(60), || {
        std::future::ready(child.try_wait().unwrap())
    })
    .await;
    let output = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(0), "{}", text(&output.stderr));
    assert_ne!(stored().await, fresh, "a fresh one again");
    assert!(text(&output.stdout).contains("new secret (give it to the sender): "));

    // A value the scheme cannot take: refused, nothing stored.
    let before = stored().await;
    let output = hookway_in(&dir, &["secrets", "put", "acme", "--value", "", "--local", "--state-dir", state], b"");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("acme: the secret is empty; nothing was stored"), "{}", text(&output.stderr));
    assert_eq!(stored().await, before);

    // Both ways of naming it, or both values: a usage error.
    let output = hookway_in(&dir, &["secrets", "put", "acme", "--source", "acme", "--local"], b"x");
    assert_eq!(output.status.code(), Some(2));
    let output = hookway_in(&dir, &["secrets", "put", "acme", "--value", "a", "--value-file", "b", "--local"], b"");
    assert_eq!(output.status.code(), Some(2));
}

/// Every command that reads the configuration reads it first, once, and stops on a file it cannot
/// use: exit 2, the file named with what is wrong in it, before any AWS call (with no credentials
/// here, a call would fail first, exit 1). No command goes on with defaults in its place, which
/// would key records wrongly.
#[test]
fn a_broken_configuration_stops_the_command_naming_the_file_before_any_aws_call() {
    let dir = scratch("broken");
    let broken = b"{\"sources\": [{\"name\": \"acme\", \"scheme\": \"github\",";
    std::fs::write(dir.join("broken.json"), broken).unwrap();
    let json_error = hookway_core::Config::from_slice(broken).unwrap_err().to_string();
    // Well-formed JSON, but no configuration: each problem on a line of its own.
    let source =
        |name: &str| json!({"name": name, "scheme": "github", "secretParameters": ["/s"], "toleranceSeconds": 0});
    std::fs::write(dir.join("invalid.json"), json!({"sources": [source("a"), source("b")]}).to_string()).unwrap();
    let invalid_error = hookway_core::Config::from_json(&std::fs::read_to_string(dir.join("invalid.json")).unwrap())
        .unwrap_err()
        .to_string();
    std::fs::write(dir.join("body.json"), "{}").unwrap();
    let commands: [&[&str]; 11] = [
        &["replay", "--since", "1h", "-y"],
        &["replay", "--id", "evt_1", "--source", "acme", "-y"],
        &["events", "list"],
        &["events", "show", "evt_1"],
        &["events", "tail"],
        &["destinations", "list"],
        &["destinations", "pause", "--url", "https://example.com/hook"],
        &["send", "--source", "acme"],
        &["trigger", "github"],
        &["secrets", "put", "acme"],
        &["transform", "--route", "0", "--file", "body.json"],
    ];
    for (file, error) in [("broken.json", &json_error), ("invalid.json", &invalid_error)] {
        for command in commands {
            for stack in [&["--stack", "hw-test"][..], &["--local", "--state-dir", "no-stack-here"]] {
                let args = [command, &["--config", file], stack].concat();
                let output = hookway_in(&dir, &args, b"");
                let said = text(&output.stderr);
                assert_eq!(output.status.code(), Some(2), "{args:?}: {said}");
                assert_eq!(said, format!("hookway: {file}: {}\n", error.replace('\n', "\n  ")), "{args:?}");
            }
        }
    }
    // The file named with the JSON error, in words.
    assert!(json_error.contains("EOF while parsing"), "{json_error}");
    assert!(invalid_error.lines().count() > 1, "several problems: {invalid_error}");

    // A file that is not there: named, exit 2.
    let output = hookway_in(&dir, &["replay", "--since", "1h", "--config", "missing.json", "--stack", "hw-test"], b"");
    let said = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(said.starts_with("hookway: cannot read missing.json: No such file"), "{said}");
}

/// What `cargo tree` says hookway-cli depends on, with `features` (its dev-dependencies too).
fn dependency_tree(features: &[&str]) -> String {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--offline", "--package", "hookway-cli", "--prefix", "none"])
        .args(["--edges", "normal,build,dev", "--format", "{p}"])
        .args(features)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(output.status.success(), "cargo tree: {}", text(&output.stderr));
    text(&output.stdout)
}

/// The operator's build (`--no-default-features`) has nothing of the emulator: hookway-dev (and
/// what it alone brings) comes with the `dev` feature only, which the default build has.
#[test]
fn the_operator_build_leaves_the_local_stack_out() {
    let depends_on = |tree: &str, name: &str| tree.lines().any(|line| line.split(' ').next() == Some(name));
    let operator = dependency_tree(&["--no-default-features"]);
    assert!(depends_on(&operator, "hookway-core"), "{operator}");
    assert!(!depends_on(&operator, "hookway-dev"), "the operator build depends on the emulator:\n{operator}");
    let default = dependency_tree(&[]);
    assert!(depends_on(&default, "hookway-dev"), "`hookway dev` is in the default build:\n{default}");
}
