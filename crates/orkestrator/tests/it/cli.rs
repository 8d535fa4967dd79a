use crate::{run, stderr, stdout};
use ork_testkit::{TestDb, both_backends};
use std::process::Command;

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["demo", "--help"],
        vec!["migrate", "--help"],
        vec!["org", "add", "--help"],
        vec!["user", "add", "--help"],
        vec!["token", "create", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["audit", "export", "--help"],
        vec!["registers", "generate", "--help"],
        vec!["permit", "verify", "--help"],
        vec!["permit", "rotate-key", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_orkestrator"))
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage:"), "{args:?}: {text}");
    }
}

#[test]
fn invalid_configuration_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_orkestrator"))
        .args(["serve"])
        .env("ORK_LISTEN", "not-an-address")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("listen") && err.contains("ORK_LISTEN") && err.contains("expected"),
        "{err}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_orkestrator"))
        .args(["migrate"])
        .env("DATABASE_URL", "mysql://x")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_url"));

    std::fs::write(dir.path().join("orkestrator.toml"), "data_dir = 5\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_orkestrator"))
        .args(["migrate"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("orkestrator.toml") && err.contains("data_dir"),
        "{err}"
    );
}

#[test]
fn defaults_put_the_database_in_var() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_orkestrator"))
        .args(["migrate"])
        .env_remove("DATABASE_URL")
        .env_remove("ORK_DATA_DIR")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("var/orkestrator.db").exists());
}

both_backends!(demo_twice_users_and_tokens, demo_body);
async fn demo_body(db: TestDb) {
    let data = db.dir().join("var");
    let first = run(
        &db.url,
        &data,
        &["demo", "--no-serve", "--registers-persons", "1500"],
        None,
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let text = stdout(&first);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains('@'))
        .collect();
    assert_eq!(
        lines.len(),
        19,
        "every demo user is printed once with a password: {text}"
    );
    assert!(
        text.contains("Demo applications: 6"),
        "the demo's applications are seeded: {text}"
    );
    for l in &lines {
        let pw = l.split_whitespace().nth(1).unwrap();
        ork_testkit::record_secret(pw);
    }
    let roles: std::collections::HashSet<&str> = lines
        .iter()
        .map(|l| l.rsplit(':').next().unwrap())
        .collect();
    for role in [
        "applicant",
        "advisor",
        "case_handler",
        "data_steward",
        "output_checker",
        "auditor",
        "citizen",
        "operator",
    ] {
        assert!(roles.contains(role), "a demo user with role {role}");
    }
    let orgs = stdout(&run(&db.url, &data, &["org", "list"], None));
    for id in [
        "sds",
        "dst",
        "rkkp",
        "ngc",
        "ssi",
        "datatilsynet",
        "nvk",
        "hovedstaden",
        "sjaelland",
        "syddanmark",
        "midtjylland",
        "nordjylland",
        "vek-hovedstaden",
        "vek-nordjylland",
        "platform",
        "ku",
        "demofarma",
        "example-therapeutics",
    ] {
        assert!(
            orgs.lines()
                .any(|l| l.split_whitespace().next() == Some(id)),
            "organisation {id}"
        );
    }
    // The roadmap command reads the decided cases the demo seeded (labelled as seed).
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/roadmap-examples/danish_university.json");
    let out = run(
        &db.url,
        &data,
        &["roadmap", "--need", example.to_str().unwrap()],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for s in r["steps"].as_array().unwrap() {
        let e = &s["expected_days"];
        // The seed history, and at most the decisions on the demo's own applications.
        let seed = e["synthetic_cases"].as_u64().unwrap();
        assert!(seed >= 200, "{}: {e}", s["id"]);
        assert!(
            (seed..=seed + 5).contains(&e["cases"].as_u64().unwrap()),
            "{}: {e}",
            s["id"]
        );
    }
    assert!(r["what_if"].is_array(), "the same answer as the API");
    let head_before = run(&db.url, &data, &["audit", "verify"], None);
    let manifest =
        std::fs::read(data.join("registers/manifest.json")).expect("demo generated the registers");
    let second = run(
        &db.url,
        &data,
        &["demo", "--no-serve", "--registers-persons", "1500"],
        None,
    );
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(stdout(&second).contains("existed already") && stdout(&second).contains("reusing"));
    assert_eq!(
        std::fs::read(data.join("registers/manifest.json")).unwrap(),
        manifest,
        "the registers are reused"
    );
    assert_eq!(
        stdout(&run(&db.url, &data, &["audit", "verify"], None)),
        stdout(&head_before),
        "a second demo changes nothing"
    );
    assert_eq!(
        stdout(&run(&db.url, &data, &["user", "list"], None))
            .lines()
            .count(),
        19
    );

    // Operator commands.
    let out = run(
        &db.url,
        &data,
        &[
            "org",
            "add",
            "--id",
            "aau",
            "--kind",
            "university_hospital",
            "--name-da",
            "Aalborg Universitet",
            "--name-en",
            "Aalborg University",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(
        &db.url,
        &data,
        &[
            "org",
            "add",
            "--id",
            "x1",
            "--kind",
            "authority",
            "--name-da",
            "x",
            "--name-en",
            "x",
        ],
        None,
    );
    assert!(
        !out.status.success() && stderr(&out).contains("authority role"),
        "{}",
        stderr(&out)
    );
    let pw = "Et-Rigtig-Godt-Kodeord-7";
    ork_testkit::record_secret(pw);
    let out = run(
        &db.url,
        &data,
        &[
            "user",
            "add",
            "--email",
            "ny@aau.dk",
            "--name",
            "Ny Forsker",
            "--org",
            "aau",
            "--role",
            "applicant",
            "--role",
            "advisor",
            "--password-stdin",
        ],
        Some(&format!("{pw}\n")),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(
        &db.url,
        &data,
        &["user", "add", "--email", "ny@aau.dk", "--name", "Igen"],
        None,
    );
    assert!(!out.status.success() && stderr(&out).contains("already exists"));
    let out = run(
        &db.url,
        &data,
        &[
            "user",
            "add",
            "--email",
            "kort@aau.dk",
            "--name",
            "Kort",
            "--password-stdin",
        ],
        Some("kort\n"),
    );
    assert!(!out.status.success() && stderr(&out).contains("at least 12"));
    let out = run(
        &db.url,
        &data,
        &[
            "user",
            "add",
            "--email",
            "rolle@aau.dk",
            "--name",
            "R",
            "--org",
            "aau",
            "--role",
            "boss",
        ],
        None,
    );
    assert!(!out.status.success() && stderr(&out).contains("unknown role"));
    let users = stdout(&run(&db.url, &data, &["user", "list"], None));
    assert!(
        users.lines().any(|l| l.starts_with("ny@aau.dk")
            && l.contains("aau:applicant")
            && l.contains("aau:advisor")),
        "{users}"
    );
    assert!(
        !users.contains("kort@aau.dk") && !users.contains("rolle@aau.dk"),
        "failed commands leave nothing"
    );

    // A data-security certification, to the day; a day that is no day is refused.
    let certify = |until: &str| {
        run(
            &db.url,
            &data,
            &["user", "certify", "--email", "ny@aau.dk", "--until", until],
            None,
        )
    };
    let out = certify("2027-02-30");
    assert!(
        !out.status.success() && stderr(&out).contains("YYYY-MM-DD"),
        "{}",
        stderr(&out)
    );
    let out = certify("2027-06-30");
    assert!(
        out.status.success() && stdout(&out).contains("certified until 2027-06-30"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&certify("2027-06-30")).contains("(unchanged)"));
    let users = stdout(&run(&db.url, &data, &["user", "list"], None));
    assert!(
        users
            .lines()
            .any(|l| l.starts_with("ny@aau.dk") && l.contains("(certified until 2027-06-30)")),
        "{users}"
    );
    let out = run(
        &db.url,
        &data,
        &["user", "uncertify", "--email", "ny@aau.dk"],
        None,
    );
    assert!(
        stdout(&out).contains("has no certification"),
        "{}",
        stderr(&out)
    );
    let users = stdout(&run(&db.url, &data, &["user", "list"], None));
    assert!(
        !users
            .lines()
            .any(|l| l.starts_with("ny@aau.dk") && l.contains("certified until")),
        "{users}"
    );
    // The demo's applicant at Demofarma is certified, for the demo's workspace.
    assert!(
        users
            .lines()
            .any(|l| l.starts_with("applicant@demofarma.demo.dk")
                && l.contains("(certified until 2027-12-31)")),
        "{users}"
    );

    let out = run(
        &db.url,
        &data,
        &[
            "token",
            "create",
            "--email",
            "ny@aau.dk",
            "--expires-in",
            "5",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let token = stdout(&out).trim().to_owned();
    ork_testkit::record_secret(&token);
    assert!(token.starts_with("ork_") && token.len() == 47, "{token}");
    let out = run(
        &db.url,
        &data,
        &[
            "token",
            "create",
            "--email",
            "ny@aau.dk",
            "--expires-in",
            "0",
        ],
        None,
    );
    assert!(!out.status.success());
    let out = run(
        &db.url,
        &data,
        &[
            "user",
            "revoke",
            "--email",
            "ny@aau.dk",
            "--org",
            "aau",
            "--role",
            "advisor",
        ],
        None,
    );
    assert_eq!(stdout(&out).trim(), "Revoked.");
    let out = run(
        &db.url,
        &data,
        &["user", "disable", "--email", "ny@aau.dk"],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let users = stdout(&run(&db.url, &data, &["user", "list"], None));
    let line = users.lines().find(|l| l.starts_with("ny@aau.dk")).unwrap();
    assert!(
        line.contains("(disabled)") && !line.contains("aau:advisor"),
        "{line}"
    );
    run(
        &db.url,
        &data,
        &["user", "enable", "--email", "ny@aau.dk"],
        None,
    );

    // The new user can sign in to the served portal with that password and use the token.
    let store = ork_store::Store::connect(&db.url).await.unwrap();
    let u = store
        .user_by_email(&ork_domain::Email::parse("ny@aau.dk").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.tokens_of(u.id).await.unwrap().len(), 1);
    let creds = ork_server::auth::Credentials::Password {
        email: "ny@aau.dk".into(),
        password: pw.into(),
    };
    use ork_server::auth::SignInProvider;
    assert!(
        ork_server::auth::LocalPassword
            .authenticate(&store, &creds)
            .await
            .is_ok()
    );
}

#[test]
fn registers_generate_writes_parquet_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_orkestrator");
    let out = Command::new(bin)
        .args([
            "--data-dir",
            "var",
            "registers",
            "generate",
            "--persons",
            "2000",
            "--from-year",
            "2018",
            "--to-year",
            "2020",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reg = dir.path().join("var/registers");
    for f in [
        "manifest.json",
        "cpr/cpr.parquet",
        "bef/2018.parquet",
        "bef/2020.parquet",
    ] {
        assert!(reg.join(f).exists(), "{f}");
    }
    assert!(
        !dir.path().join("var/orkestrator.db").exists(),
        "a files-only command opens no database"
    );
    for (args, needle) in [
        (vec!["--persons", "0"], "--persons"),
        (vec!["--from-year", "2021", "--to-year", "2020"], "after"),
        (vec!["--from-year", "1960"], "1977-2030"),
        (vec![], "not empty"),
    ] {
        let out = Command::new(bin)
            .args(["--data-dir", "var", "registers", "generate"])
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(needle),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A full disk: generation into a 64 KiB file system (a tmpfs mounted in a private mount
/// namespace, so no privileges are needed) fails with a plain message and a non-zero exit,
/// and leaves neither a register folder nor its temporary folder behind.
#[test]
fn registers_generate_on_a_full_disk_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let script = r#"
        mount -t tmpfs -o size=64k tmpfs "$1" || exit 97
        "$2" registers generate --persons 3000 --from-year 2018 --to-year 2020 --out "$1/registers"
        echo "exit=$?"
        echo "left:" $(ls -A "$1")
    "#;
    let out = Command::new("unshare")
        .args([
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            script,
            "sh",
        ])
        .arg(&disk)
        .arg(env!("CARGO_BIN_EXE_orkestrator"))
        .current_dir(dir.path())
        .output()
        .expect("unshare (util-linux) runs");
    let (so, se) = (stdout(&out), stderr(&out));
    assert!(out.status.success(), "the namespace and tmpfs: {so}{se}");
    assert!(so.contains("exit=2"), "a full disk exits with 2: {so}{se}");
    assert!(
        se.contains("the disk is full"),
        "the message says the disk is full: {se}"
    );
    assert!(
        so.lines().any(|l| l.trim() == "left:"),
        "nothing is left on the full disk: {so}"
    );
}

#[test]
fn catalog_check_and_export_run_without_a_database_and_refuse_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_orkestrator");
    let run_in = |args: &[&str]| {
        Command::new(bin)
            .args(["--data-dir", "var"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = run_in(&["catalog", "check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("no registers manifest"),
        "{}",
        stdout(&out)
    );
    let out = run_in(&["catalog", "export", "--out", "c.ttl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ttl = std::fs::read_to_string(dir.path().join("c.ttl")).unwrap();
    assert!(
        ttl.contains("dcat:Dataset") && ttl.contains("<http://localhost:8080/catalog/sources/lpr>")
    );
    let out = run_in(&[
        "catalog",
        "export",
        "--format",
        "jsonld",
        "--out",
        "-",
        "--base",
        "https://x.example.dk",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON-LD on stdout");
    assert!(v["@graph"].is_array());
    assert!(
        !dir.path().join("var/orkestrator.db").exists(),
        "no database opened"
    );
    for (args, needle) in [
        (
            vec!["catalog", "export", "--format", "rdfxml", "--out", "c.rdf"],
            "turtle or jsonld",
        ),
        (
            vec!["catalog", "export", "--base", "ftp://x", "--out", "c.ttl"],
            "--base",
        ),
        (
            vec!["catalog", "export", "--out", "no/such/folder/c.ttl"],
            "cannot write",
        ),
    ] {
        let out = run_in(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    assert!(!dir.path().join("c.rdf").exists());
}

#[test]
fn roadmap_plans_every_documented_example_and_refuses_bad_needs() {
    let bin = env!("CARGO_BIN_EXE_orkestrator");
    let dir = tempfile::tempdir().unwrap();
    let examples =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/roadmap-examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        let out = Command::new(bin)
            .args(["--data-dir", "var", "roadmap", "--need"])
            .arg(&path)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", path.display(), stderr(&out));
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(!r["rulebook_version"].as_str().unwrap().is_empty());
        assert!(
            !r["steps"].as_array().unwrap().is_empty(),
            "{}",
            path.display()
        );
        assert!(r["total_days"]["median"].as_u64().unwrap() > 0);
        for s in r["steps"].as_array().unwrap() {
            assert_eq!(
                s["why"]["rule"],
                s["id"].as_str().unwrap().split(':').next().unwrap()
            );
        }
        if path.ends_with("foreign_company.json") {
            assert!(
                !r["blockers"].as_array().unwrap().is_empty(),
                "a foreign company is blocked"
            );
        }
        for s in r["steps"].as_array().unwrap() {
            assert_eq!(
                s["expected_days"]["cases"], 0,
                "no database: the priors alone"
            );
        }
        if path.ends_with("amendment.json") {
            assert!(!r["carried_over"].as_array().unwrap().is_empty());
        }
        seen += 1;
    }
    assert!(seen >= 7, "an example per applicant kind and an amendment");
    let text = Command::new(bin)
        .args([
            "--data-dir",
            "var",
            "roadmap",
            "--format",
            "text",
            "--lang",
            "en",
            "--need",
        ])
        .arg(examples.join("danish_university.json"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        stdout(&text).contains("expected total time"),
        "{}",
        stdout(&text)
    );
    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"applicant": {"kind": "danish_university"}, "datasets": ["lpr", "nosuch"], "traits": {}}"#,
    )
    .unwrap();
    let out = Command::new(bin)
        .args([
            "--data-dir",
            "var",
            "roadmap",
            "--lang",
            "en",
            "--need",
            "bad.json",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nosuch"), "{}", stderr(&out));
    assert!(
        !dir.path().join("var/orkestrator.db").exists(),
        "no database opened"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn a_rulebook_folder_replaces_the_shipped_one_and_a_broken_one_stops_start_up() {
    let bin = env!("CARGO_BIN_EXE_orkestrator");
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ork-rules/rulebook");
    let book = dir.path().join("rulebook");
    copy_dir(&shipped, &book);
    let toml = book.join("rulebook.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replacen("version = \"2026.1\"", "version = \"2027.1\"", 1),
    )
    .unwrap();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/roadmap-examples/danish_university.json");
    let roadmap = || {
        Command::new(bin)
            .args(["--data-dir", "var", "roadmap", "--need"])
            .arg(&example)
            .env("ORK_RULEBOOK_DIR", &book)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = roadmap();
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r["rulebook_version"], "2027.1",
        "the folder's rulebook is used"
    );

    // One broken value: the roadmap and the server refuse, naming the file and line.
    let step = book.join("steps/dpa_permission.toml");
    let text = std::fs::read_to_string(&step).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("authority = "))
        .unwrap()
        + 1;
    let broken: String = text
        .lines()
        .map(|l| {
            if l.starts_with("authority = ") {
                "authority = \"nobody\"".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&step, broken).unwrap();
    let needle = format!("steps/dpa_permission.toml:{line}");
    let out = roadmap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&needle), "{}", stderr(&out));
    // The server must refuse to start; should it start anyway, it is stopped and fails.
    let mut child = Command::new(bin)
        .args(["--data-dir", "var", "serve", "--listen", "127.0.0.1:0"])
        .env("ORK_RULEBOOK_DIR", &book)
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("serve started with a broken rulebook");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains(&needle), "{}", stderr(&out));
    let out = Command::new(bin)
        .args(["--data-dir", "var", "roadmap", "--need"])
        .arg(&example)
        .env("ORK_RULEBOOK_DIR", dir.path().join("nowhere"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("rulebook_dir"), "{}", stderr(&out));
}

#[test]
fn quicktest_counts_cohorts_on_the_registers() {
    let bin = env!("CARGO_BIN_EXE_orkestrator");
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin)
        .args(["registers", "generate", "--persons", "3000", "--out", "reg"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let write = |name: &str, json: &str| std::fs::write(dir.path().join(name), json).unwrap();
    write(
        "all.json",
        r#"{"population": {"alive_on": "2020-01-01"}, "breakdown": ["sex"]}"#,
    );
    write(
        "dm.json",
        r#"{"population": {"alive_on": "2020-01-01"}, "criteria": {"diagnosis": {"codes": ["E11"]}}}"#,
    );
    write(
        "bad.json",
        r#"{"population": {"alive_on": "2020-01-01"}, "criteria": {"all": [{"prescription": {"atc": ["Z99"]}}]}}"#,
    );
    let run_qt = |args: &[&str]| {
        Command::new(bin)
            .args(["quicktest", "--data", "reg"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = run_qt(&["--exact", "--timings", "all.json", "dm.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        3,
        "one result per definition, then the build time"
    );
    let everyone = lines[0]["count"].as_u64().unwrap();
    assert!(everyone > 2000);
    let cells: u64 = lines[0]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(cells, everyone);
    assert!(lines[1]["count"].as_u64().unwrap() < everyone);
    assert!(lines[1]["millis"].is_number());
    assert!(lines[2]["index_build_millis"].is_number());

    let out = run_qt(&["--exact", "all.json", "bad.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(r#"criteria.all[0].prescription.atc[0]: unknown ATC code "Z99""#),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).is_empty(),
        "nothing counted when one definition is bad"
    );
    // Without --exact the answers are protected, as the API's are.
    let out = run_qt(&["all.json", "dm.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["threshold"], 3);
    assert_eq!(lines[1]["threshold"], 5);
    assert!(lines[0]["rules"].as_array().unwrap().len() >= 3);
    assert_eq!(lines[1]["price"]["tariff"], "public");
    let out = run_qt(&["--tariff", "gold", "all.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("internal, private, public"),
        "{}",
        stderr(&out)
    );
}

/// One HTTP/1.1 request over a plain socket; returns the status and the body.
fn http(addr: &str, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    // Bodies are sent whole (Content-Length) or chunked; undo the chunking.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut r = rest;
        while let Some((size, tail)) = r.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            r = &tail[n + 2..];
        }
        out
    } else {
        rest.to_owned()
    };
    (status, body)
}

both_backends!(quicktest_cli_and_api_agree, cli_api_body);
async fn cli_api_body(db: TestDb) {
    let data = db.dir().join("var");
    let out = run(
        &db.url,
        &data,
        &["demo", "--no-serve", "--registers-persons", "2000"],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(
        &db.url,
        &data,
        &[
            "token",
            "create",
            "--email",
            "applicant@ku.demo.dk",
            "--expires-in",
            "1",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let token = stdout(&out).trim().to_owned();
    ork_testkit::record_secret(&token);
    // Definitions a user might ask one after the other, the last two a differencing pair
    // if one diagnosis day holds one person (the check must then hide a number).
    let defs = [
        r#"{"population": {"alive_on": "2020-01-01"}, "breakdown": ["sex", "age_band"]}"#,
        r#"{"population": {"alive_on": "2021-01-01", "age": [40, 60]}, "criteria": {"diagnosis": {"codes": ["E11"]}}, "breakdown": ["region"]}"#,
        r#"{"population": {"alive_on": "2021-01-01"}, "criteria": {"all": [{"prescription": {"atc": ["C09"], "min_count": 2}}, {"not": {"death": {}}}]}, "breakdown": ["sex"]}"#,
        r#"{"population": {"alive_on": "2021-01-01"}, "criteria": {"diagnosis": {"codes": ["E11"]}}}"#,
        r#"{"population": {"alive_on": "2021-01-01"}, "criteria": {"all": [{"diagnosis": {"codes": ["E11"]}}, {"not": {"diagnosis": {"codes": ["E11"], "from": "2019-03-01", "to": "2019-03-31"}}}]}}"#,
    ];
    let mut files = Vec::new();
    for (i, d) in defs.iter().enumerate() {
        let f = db.dir().join(format!("q{i}.json"));
        std::fs::write(&f, d).unwrap();
        files.push(f.display().to_string());
    }
    let mut args = vec!["quicktest", "--lang", "da", "--tariff", "public"];
    args.extend(files.iter().map(String::as_str));
    let out = run(&db.url, &data, &args, None);
    assert!(out.status.success(), "{}", stderr(&out));
    let cli: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cli.len(), defs.len() + 1);

    let mut child = Command::new(env!("CARGO_BIN_EXE_orkestrator"))
        .arg("--data-dir")
        .arg(&data)
        .arg("--database-url")
        .arg(&db.url)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let addr = loop {
        let l = lines.next().expect("serve prints its address").unwrap();
        if let Some(rest) = l.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    // The index is built in the background: 503 until it is ready.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut api = Vec::new();
    for d in defs {
        loop {
            let (status, body) = http(&addr, "POST", "/api/v1/quicktests", &token, d);
            if status == 503 && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(200));
                continue;
            }
            assert_eq!(status, 200, "{body}");
            let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert!(v["id"].as_i64().is_some());
            v.as_object_mut().unwrap().remove("id");
            api.push(v);
            break;
        }
    }
    let (status, statement) = http(
        &addr,
        "GET",
        "/api/v1/quicktests/statement?format=csv",
        &token,
        "",
    );
    child.kill().unwrap();
    let _ = child.wait();
    for (i, (a, c)) in api.iter().zip(&cli).enumerate() {
        assert_eq!(a, c, "definition {i}: the API and the command line agree");
    }
    assert!(
        cli.iter()
            .take(defs.len())
            .all(|v| v["price"]["tariff"] == "public"),
        "a university's tariff"
    );
    assert_eq!(status, 200);
    assert_eq!(
        statement.lines().count(),
        1 + defs.len() + 3,
        "every question is on ku's statement: {statement}"
    );
}

both_backends!(
    a_permit_verifies_offline_and_a_changed_one_does_not,
    permit_body
);
async fn permit_body(db: TestDb) {
    let data = db.dir().join("var");
    let demo = run(
        &db.url,
        &data,
        &["demo", "--no-serve", "--registers-persons", "1500"],
        None,
    );
    assert!(demo.status.success(), "{}", stderr(&demo));
    // The demo's granted application has its permit.
    let store = ork_store::Store::connect(&db.url).await.unwrap();
    let bo = store
        .user_by_email(&ork_domain::Email::parse("applicant@demofarma.demo.dk").unwrap())
        .await
        .unwrap()
        .unwrap();
    let permits = store.permits_of(bo.id).await.unwrap();
    assert_eq!(permits.len(), 1);
    let file = db.dir().join("permit.jwt");
    std::fs::write(&file, &permits[0].jwt).unwrap();
    let ok = run(
        &db.url,
        &data,
        &["permit", "verify", file.to_str().unwrap()],
        None,
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(
        stdout(&ok).starts_with(&format!("valid: permit {}", permits[0].id)),
        "{}",
        stdout(&ok)
    );
    // A changed byte: exit 1, naming what is wrong.
    let mut b = permits[0].jwt.clone().into_bytes();
    let at = b.len() / 2;
    b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(&file, &b).unwrap();
    let bad = run(
        &db.url,
        &data,
        &["permit", "verify", file.to_str().unwrap()],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("invalid: the signature does not match"),
        "{}",
        stderr(&bad)
    );
    // A rotated key: the old permit still verifies, with the database's keys or a JWKS file.
    std::fs::write(&file, &permits[0].jwt).unwrap();
    let rotated = run(&db.url, &data, &["permit", "rotate-key"], None);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    assert!(
        run(
            &db.url,
            &data,
            &["permit", "verify", file.to_str().unwrap()],
            None
        )
        .status
        .success()
    );
    let empty = db.dir().join("jwks.json");
    std::fs::write(&empty, r#"{"keys": []}"#).unwrap();
    let unknown = run(
        &db.url,
        &data,
        &[
            "permit",
            "verify",
            file.to_str().unwrap(),
            "--jwks",
            empty.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("is not one of the platform's keys"),
        "{}",
        stderr(&unknown)
    );
}
