//! The analysis software inside the sandbox, with versions, as the workspace page lists it:
//! read from the analysis environment's package records and R's package descriptions, so
//! the list says what is installed, not what was meant to be.

use crate::sandbox::Tools;
use std::path::Path;

/// One package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// `python` or `r`.
    pub language: &'static str,
    pub name: &'static str,
    /// `None`: not installed.
    pub version: Option<String>,
}

/// The Python packages the platform promises, by their names on PyPI.
pub const PYTHON: [&str; 10] = [
    "pandas",
    "polars",
    "pyarrow",
    "duckdb",
    "statsmodels",
    "scikit-learn",
    "lifelines",
    "numpy",
    "matplotlib",
    "jupyterlab",
];

/// The R packages the platform promises (`arrow` is not in Debian's packages, so R jobs read
/// the tables as CSV).
pub const R: [&str; 4] = ["survival", "data.table", "arrow", "IRkernel"];

/// What is installed: Python and R themselves first, then each promised package.
pub fn installed(tools: &Tools) -> Vec<Package> {
    let mut out = Vec::new();
    let env = tools.python_env.as_deref();
    out.push(Package {
        language: "python",
        name: "Python",
        version: env.and_then(python_version),
    });
    for name in PYTHON {
        out.push(Package {
            language: "python",
            name,
            version: env.and_then(|e| dist_version(e, name)),
        });
    }
    if tools.rscript.is_some() {
        out.push(Package {
            language: "r",
            name: "R",
            version: r_description("base").and_then(|d| field(&d, "Version")),
        });
        for name in R {
            out.push(Package {
                language: "r",
                name,
                version: r_description(name).and_then(|d| field(&d, "Version")),
            });
        }
    }
    out
}

/// The environment's Python version, from its `pyvenv.cfg`.
fn python_version(env: &Path) -> Option<String> {
    let cfg = std::fs::read_to_string(env.join("pyvenv.cfg")).ok()?;
    cfg.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == "version" || k.trim() == "version_info").then(|| v.trim().to_owned())
    })
}

/// A package's version from its `*.dist-info` folder in the environment's site-packages.
fn dist_version(env: &Path, name: &str) -> Option<String> {
    let normal = name.replace('-', "_").to_lowercase();
    let lib = std::fs::read_dir(env.join("lib")).ok()?;
    for py in lib.flatten() {
        let site = py.path().join("site-packages");
        let Ok(entries) = std::fs::read_dir(&site) else {
            continue;
        };
        for e in entries.flatten() {
            let file = e.file_name();
            let Some(stem) = file.to_str().and_then(|f| f.strip_suffix(".dist-info")) else {
                continue;
            };
            if let Some((n, v)) = stem.split_once('-')
                && n.to_lowercase() == normal
            {
                return Some(v.to_owned());
            }
        }
    }
    None
}

/// An R package's DESCRIPTION, where Debian installs them.
fn r_description(name: &str) -> Option<String> {
    [
        "/usr/lib/R/library",
        "/usr/lib/R/site-library",
        "/usr/local/lib/R/site-library",
    ]
    .iter()
    .find_map(|d| std::fs::read_to_string(Path::new(d).join(name).join("DESCRIPTION")).ok())
}

fn field(description: &str, key: &str) -> Option<String> {
    description.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k == key).then(|| v.trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_the_package_records() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path();
        std::fs::write(
            env.join("pyvenv.cfg"),
            "home = /usr/bin\nversion = 3.11.2\n",
        )
        .unwrap();
        let site = env.join("lib/python3.11/site-packages");
        std::fs::create_dir_all(site.join("scikit_learn-1.9.1.dist-info")).unwrap();
        std::fs::create_dir_all(site.join("pandas-2.3.3.dist-info")).unwrap();
        assert_eq!(python_version(env).as_deref(), Some("3.11.2"));
        assert_eq!(dist_version(env, "scikit-learn").as_deref(), Some("1.9.1"));
        assert_eq!(dist_version(env, "pandas").as_deref(), Some("2.3.3"));
        assert_eq!(dist_version(env, "polars"), None);
        assert_eq!(
            field("Package: survival\nVersion: 3.5-3\n", "Version").as_deref(),
            Some("3.5-3")
        );
    }
}
