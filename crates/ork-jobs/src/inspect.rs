//! Model files for the airlock's checker (issue 20, item 6): a pickle or joblib file (Python)
//! or an RDS file (R) is opened only inside the sandbox, by the platform's own script, which
//! says what the model is, the observations and parameters it has, its residual degrees of
//! freedom where defined, and whether it keeps training data. An ONNX file is described from
//! its bytes (the operators it uses).

use crate::job::Layout;
use crate::manifest::Limits;
use crate::sandbox::Sandbox;
use std::path::PathBuf;

/// The model files the airlock takes, by name ending.
pub const MODEL_ENDINGS: [&str; 6] = ["pkl", "pickle", "joblib", "rds", "onnx", "RDS"];

/// Whether a file's name says it is a model.
pub fn is_model(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, e)| MODEL_ENDINGS.contains(&e))
}

/// The description as JSON text (`model_type`, `nobs`, `parameters`, `dof`, `keeps`,
/// `size`, or `error`), from the sandbox's run in a folder `dir` made for it and removed
/// after.
pub async fn describe(
    sandbox: &Sandbox,
    dir: PathBuf,
    name: &str,
    bytes: &[u8],
    slot: u32,
) -> std::io::Result<String> {
    let ext = name
        .rsplit_once('.')
        .map_or("", |(_, e)| e)
        .to_ascii_lowercase();
    if ext == "onnx" {
        return Ok(onnx(bytes));
    }
    let layout = Layout::create(dir)?;
    let result = async {
        let file = format!("model.{ext}");
        std::fs::write(layout.data().join(&file), bytes)?;
        for d in [layout.scripts(), layout.data(), layout.inputs()] {
            sandbox.share_read(&d, slot)?;
        }
        sandbox.hand_over(&layout.output(), slot)?;
        sandbox.hand_over(&layout.work(), slot)?;
        let argv: Vec<String> = if ext == "rds" {
            vec![
                "/usr/bin/Rscript".into(),
                "--no-save".into(),
                "/opt/ork/runtime/inspect_model.R".into(),
                format!("/data/{file}"),
            ]
        } else {
            let python = if sandbox.tools().python_env.is_some() {
                "/opt/ork/python/bin/python3"
            } else {
                "/usr/bin/python3"
            };
            vec![
                python.into(),
                "/opt/ork/runtime/inspect_model.py".into(),
                format!("/data/{file}"),
            ]
        };
        let limits = Limits {
            cpu_seconds: 60,
            wall_seconds: 120,
            memory_mb: 2048,
            processes: 32,
            disk_mb: 64,
        };
        let (_tx, rx) = tokio::sync::watch::channel(false);
        sandbox.run(&layout.spec(argv, &limits, slot), rx).await?;
        let log = std::fs::read_to_string(layout.log()).unwrap_or_default();
        Ok::<_, std::io::Error>(
            log.lines()
                .rev()
                .find_map(|l| l.strip_prefix("ork-model "))
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    format!(
                        "{{\"error\": \"the model could not be described\", \"size\": {}}}",
                        bytes.len()
                    )
                }),
        )
    }
    .await;
    let _ = std::fs::remove_dir_all(&layout.root);
    result
}

/// An ONNX file from its bytes: the operators that keep training data (tree ensembles keep
/// their leaves, support vector machines their support vectors, k-nearest neighbours its
/// points).
fn onnx(bytes: &[u8]) -> String {
    let has = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    let mut keeps = Vec::new();
    for (op, what) in [
        ("TreeEnsemble", "decision leaves (a tree ensemble)"),
        ("SVMClassifier", "support vectors"),
        ("SVMRegressor", "support vectors"),
    ] {
        if has(op) {
            keeps.push(format!("\"{what}\""));
        }
    }
    format!(
        "{{\"model_type\": \"onnx\", \"nobs\": null, \"parameters\": null, \"dof\": null, \"keeps\": [{}], \"size\": {}}}",
        keeps.join(", "),
        bytes.len()
    )
}
