//! The configuration as the local stack hands it to the functions: a copy of the file as this
//! start read it, byte for byte, which the functions read as they read `hookway.json` in their
//! package in AWS.

use std::collections::BTreeMap;
use std::path::PathBuf;

use hookway_core::env::{self, INTAKE, LambdaEnv, Var, WORKER};
use hookway_dev::stage_config;

/// A fresh folder under the target directory.
fn folder(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("dev-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A configuration as a person writes it: indented, a trailing newline.
const WRITTEN: &str = "{\n  \"sources\": [\n    {\"name\": \"github\", \"scheme\": \"github\", \"secretParameters\": [\"/hookway/github/secret\"]}\n  ]\n}\n";

#[test]
fn the_functions_get_a_copy_of_the_file_as_read_which_a_later_edit_does_not_reach() {
    let dir = folder("copy");
    let original = dir.join("hookway.json");
    std::fs::write(&original, WRITTEN).unwrap();
    let state_dir = dir.join("state");
    std::fs::create_dir_all(&state_dir).unwrap();

    let staged = stage_config(&original, &state_dir).unwrap();
    assert!(staged.file.is_absolute(), "the functions may run elsewhere: {}", staged.file.display());
    assert_eq!(staged.file, state_dir.canonicalize().unwrap().join("hookway.json"));
    assert_eq!(std::fs::read(&staged.file).unwrap(), WRITTEN.as_bytes(), "byte for byte");
    assert_eq!(staged.digest, hookway_core::config::digest(WRITTEN.as_bytes()));
    assert_eq!(staged.config.sources[0].name, "github");
    let names: Vec<String> = std::fs::read_dir(&state_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["hookway.json"], "nothing half-written is left beside it");

    // An edit while the stack runs: the functions' copy stays the file this start read.
    std::fs::write(&original, "{\"sources\": []}").unwrap();
    assert_eq!(std::fs::read(&staged.file).unwrap(), WRITTEN.as_bytes());

    // What a function started with the stack's variables reads: this copy, and its digest.
    let values: BTreeMap<Var, String> = Var::ALL.into_iter().map(|var| (var, format!("{var:?}"))).collect();
    let mut values = values;
    values.insert(Var::Stack, hookway_dev::DEFAULT_STACK.to_owned());
    let variables = LambdaEnv::variables(&staged.config, &staged.file, &values).unwrap();
    for needed in [INTAKE, WORKER] {
        let function = LambdaEnv::from_lookup(needed, |name| {
            variables.iter().find(|(variable, _)| *variable == name).map(|(_, value)| value.clone())
        })
        .unwrap();
        assert_eq!(function.config(), &staged.config);
        assert_eq!(function.config_digest(), staged.digest);
        assert_eq!(function.get(Var::Stack), "Hookway");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_configuration_the_stack_cannot_use_is_refused_before_anything_is_copied() {
    let dir = folder("refused");
    let state_dir = dir.join("state");
    std::fs::create_dir_all(&state_dir).unwrap();

    let missing = dir.join("missing.json");
    let error = stage_config(&missing, &state_dir).unwrap_err().to_string();
    assert!(error.starts_with(&format!("cannot read {}: ", missing.display())), "{error}");

    let broken = dir.join("broken.json");
    std::fs::write(&broken, r#"{"sources": [{"name": "a", "scheme": "gitlub", "secretParameters": ["/a"]}]}"#).unwrap();
    let error = stage_config(&broken, &state_dir).unwrap_err().to_string();
    assert!(error.starts_with("sources[0].scheme: unknown scheme `gitlub`"), "{error}");
    assert!(!state_dir.join(env::CONFIG_FILE).exists(), "no copy of a refused configuration");
    let _ = std::fs::remove_dir_all(&dir);
}
