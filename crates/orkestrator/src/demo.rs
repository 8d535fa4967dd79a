//! `orkestrator demo`: a ready-to-try platform. The real Danish authorities as tenants, a
//! university, a Danish company and a foreign company, and a demo user of every role.
//! Idempotent: what exists is left as it is; new passwords are printed once, when a user
//! is created.

use anyhow::Context;
use ork_domain::{AuthorityRole::*, Email, Lang, OrgId, OrgKind, PersonName, Role};
use ork_server::auth::hash_password;
use ork_store::{AuditSource, NewOrganisation, NewUser, Store};
use rand::Rng;
use rand::distributions::Alphanumeric;

/// (id, kind, Danish name, English name)
pub const ORGANISATIONS: &[(&str, OrgKind, &str, &str)] = &[
    (
        "platform",
        OrgKind::PlatformOperator,
        "Dataorkestrator (platformen)",
        "Dataorkestrator (the platform)",
    ),
    (
        "sds",
        OrgKind::Authority(Both),
        "Sundhedsdatastyrelsen",
        "Danish Health Data Authority",
    ),
    (
        "dst",
        OrgKind::Authority(Both),
        "Danmarks Statistik",
        "Statistics Denmark",
    ),
    (
        "rkkp",
        OrgKind::Authority(Both),
        "Regionernes Kliniske Kvalitetsudviklingsprogram (RKKP)",
        "Danish Clinical Quality Program (RKKP)",
    ),
    (
        "ngc",
        OrgKind::Authority(Both),
        "Nationalt Genom Center",
        "Danish National Genome Center",
    ),
    (
        "ssi",
        OrgKind::Authority(DataController),
        "Statens Serum Institut (Danmarks Nationale Biobank)",
        "Statens Serum Institut (Danish National Biobank)",
    ),
    (
        "datatilsynet",
        OrgKind::Authority(ApprovingAuthority),
        "Datatilsynet",
        "Danish Data Protection Agency",
    ),
    (
        "nvk",
        OrgKind::Authority(ApprovingAuthority),
        "National Videnskabsetisk Komité",
        "National Committee on Health Research Ethics",
    ),
    (
        "stps",
        OrgKind::Authority(ApprovingAuthority),
        "Styrelsen for Patientsikkerhed",
        "Danish Patient Safety Authority",
    ),
    (
        "rigsarkivet",
        OrgKind::Authority(DataController),
        "Rigsarkivet",
        "Danish National Archives",
    ),
    (
        "hovedstaden",
        OrgKind::Authority(Both),
        "Region Hovedstaden",
        "Capital Region of Denmark",
    ),
    (
        "sjaelland",
        OrgKind::Authority(Both),
        "Region Sjælland",
        "Region Zealand",
    ),
    (
        "syddanmark",
        OrgKind::Authority(Both),
        "Region Syddanmark",
        "Region of Southern Denmark",
    ),
    (
        "midtjylland",
        OrgKind::Authority(Both),
        "Region Midtjylland",
        "Central Denmark Region",
    ),
    (
        "nordjylland",
        OrgKind::Authority(Both),
        "Region Nordjylland",
        "North Denmark Region",
    ),
    (
        "vek-hovedstaden",
        OrgKind::Authority(ApprovingAuthority),
        "Videnskabsetisk Komité for Region Hovedstaden",
        "Research Ethics Committee, Capital Region",
    ),
    (
        "vek-sjaelland",
        OrgKind::Authority(ApprovingAuthority),
        "Videnskabsetisk Komité for Region Sjælland",
        "Research Ethics Committee, Region Zealand",
    ),
    (
        "vek-syddanmark",
        OrgKind::Authority(ApprovingAuthority),
        "Videnskabsetisk Komité for Region Syddanmark",
        "Research Ethics Committee, Southern Denmark",
    ),
    (
        "vek-midtjylland",
        OrgKind::Authority(ApprovingAuthority),
        "Videnskabsetisk Komité for Region Midtjylland",
        "Research Ethics Committee, Central Denmark",
    ),
    (
        "vek-nordjylland",
        OrgKind::Authority(ApprovingAuthority),
        "Videnskabsetisk Komité for Region Nordjylland",
        "Research Ethics Committee, North Denmark",
    ),
    (
        "ku",
        OrgKind::UniversityHospital,
        "Københavns Universitet",
        "University of Copenhagen",
    ),
    (
        "demofarma",
        OrgKind::Company,
        "Demofarma A/S (demovirksomhed)",
        "Demofarma A/S (demo company)",
    ),
    (
        "example-therapeutics",
        OrgKind::ForeignOrganisation,
        "Example Therapeutics Inc. (udenlandsk demovirksomhed)",
        "Example Therapeutics Inc. (foreign demo company)",
    ),
];

/// (e-mail, name, preferred language, organisation, role)
pub const USERS: &[(&str, &str, Lang, &str, Role)] = &[
    (
        "applicant@ku.demo.dk",
        "Anna Andersen",
        Lang::Da,
        "ku",
        Role::Applicant,
    ),
    (
        "applicant@demofarma.demo.dk",
        "Bo Berg",
        Lang::Da,
        "demofarma",
        Role::Applicant,
    ),
    (
        "applicant@example-therapeutics.demo.dk",
        "Claire Carter",
        Lang::En,
        "example-therapeutics",
        Role::Applicant,
    ),
    (
        "advisor@platform.demo.dk",
        "Dorte Dahl",
        Lang::Da,
        "platform",
        Role::Advisor,
    ),
    (
        "advisor2@platform.demo.dk",
        "Frederik Falk",
        Lang::En,
        "platform",
        Role::Advisor,
    ),
    (
        "advisor@sds.demo.dk",
        "Sofie Skov",
        Lang::Da,
        "sds",
        Role::Advisor,
    ),
    (
        "casehandler@sds.demo.dk",
        "Erik Eriksen",
        Lang::Da,
        "sds",
        Role::CaseHandler,
    ),
    (
        "casehandler@vek-hovedstaden.demo.dk",
        "Eva Egholm",
        Lang::Da,
        "vek-hovedstaden",
        Role::CaseHandler,
    ),
    (
        "casehandler@demofarma.demo.dk",
        "Karen Kjær",
        Lang::Da,
        "demofarma",
        Role::CaseHandler,
    ),
    (
        "casehandler@dst.demo.dk",
        "Ole Olsen",
        Lang::Da,
        "dst",
        Role::CaseHandler,
    ),
    (
        "casehandler@ku.demo.dk",
        "Niels Nygaard",
        Lang::Da,
        "ku",
        Role::CaseHandler,
    ),
    (
        "casehandler@hovedstaden.demo.dk",
        "Lars Lund",
        Lang::Da,
        "hovedstaden",
        Role::CaseHandler,
    ),
    (
        "casehandler@rkkp.demo.dk",
        "Maja Mørk",
        Lang::Da,
        "rkkp",
        Role::CaseHandler,
    ),
    (
        "steward@dst.demo.dk",
        "Frida Frost",
        Lang::Da,
        "dst",
        Role::DataSteward,
    ),
    (
        "steward@sds.demo.dk",
        "Finn Fog",
        Lang::Da,
        "sds",
        Role::DataSteward,
    ),
    (
        "outputchecker@sds.demo.dk",
        "Gustav Gram",
        Lang::Da,
        "sds",
        Role::OutputChecker,
    ),
    (
        "auditor@datatilsynet.demo.dk",
        "Hanne Holm",
        Lang::Da,
        "datatilsynet",
        Role::Auditor,
    ),
    (
        "citizen@borger.demo.dk",
        "Ida Isaksen",
        Lang::Da,
        "platform",
        Role::Citizen,
    ),
    (
        "operator@platform.demo.dk",
        "Jens Juhl",
        Lang::Da,
        "platform",
        Role::Operator,
    ),
];

fn new_password() -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

/// A generated history of decided cases for every rulebook step (200–400 each), drawn from
/// a log-normal distribution with the step's documented prior as median and 90th
/// percentile, so roadmaps show estimates resting on cases from the first day. Marked
/// synthetic in the store; deterministic.
pub fn seed_cases(book: &ork_rules::Rulebook) -> Vec<ork_store::DecidedCase> {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let mut out = Vec::new();
    for step in &book.steps {
        let n = rng.gen_range(200..=400);
        let median = f64::from(step.prior.median_days.max(1));
        let p90 = f64::from(step.prior.p90_days.max(step.prior.median_days + 1));
        let sigma = (p90 / median).ln() / 1.2816;
        for _ in 0..n {
            // Box–Muller: a standard normal from two uniforms.
            let (u1, u2): (f64, f64) = (rng.r#gen::<f64>().max(1e-12), rng.r#gen());
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            let days = (median * (sigma * z).exp()).round().max(1.0) as i64;
            out.push(ork_store::DecidedCase {
                rule: step.id.clone(),
                authority: step.authority.clone(),
                days,
                outcome: if rng.gen_bool(0.9) {
                    "approved"
                } else {
                    "rejected"
                }
                .into(),
                synthetic: true,
            });
        }
    }
    out
}

/// Creates what is missing, in one transaction, and prints new users' passwords once.
pub async fn prepare(store: &Store) -> anyhow::Result<()> {
    let src = AuditSource {
        actor: Some("system:demo".into()),
        org: Some("platform".into()),
        source: "cli".into(),
    };
    let existing: Vec<String> = store
        .list_orgs()
        .await?
        .into_iter()
        .map(|o| o.id.to_string())
        .collect();
    let mut created = Vec::new();
    let mut tx = store.write().await?;
    for (id, kind, da, en) in ORGANISATIONS {
        if !existing.iter().any(|e| e == id) {
            tx.create_org(
                &src,
                &NewOrganisation {
                    id: OrgId::parse(id)?,
                    kind: *kind,
                    name_da: (*da).into(),
                    name_en: (*en).into(),
                },
            )
            .await?;
        }
    }
    // Every organisation on the catalog's map (controllers and approving authorities) is a
    // tenant too, so its stewards and case handlers can work here.
    let catalog = ork_catalog::load(&ork_catalog::Files::embedded(), None)?;
    let on_map = catalog
        .controllers
        .iter()
        .map(|c| (c, DataController))
        .chain(catalog.authorities.iter().map(|c| (c, ApprovingAuthority)));
    for (c, role) in on_map {
        if !existing.iter().any(|e| e == &c.id) && !ORGANISATIONS.iter().any(|o| o.0 == c.id) {
            tx.create_org(
                &src,
                &NewOrganisation {
                    id: OrgId::parse(&c.id)?,
                    kind: OrgKind::Authority(role),
                    name_da: c.name.da.clone(),
                    name_en: c.name.en.clone(),
                },
            )
            .await?;
        }
    }
    if store.decided_case_count().await? == 0 {
        let book = ork_rules::load(&ork_rules::rulebook::Files::embedded(), &catalog)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        tx.record_decided_cases(&src, &seed_cases(&book)).await?;
    }
    for (email, name, lang, org, role) in USERS {
        let email = Email::parse(email)?;
        if tx.user_by_email_tx(&email).await?.is_some() {
            continue;
        }
        let password = new_password();
        let pw = password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await?
            .map_err(|e| anyhow::anyhow!("hash: {e}"))?;
        tx.create_user(
            &src,
            &NewUser {
                email: email.clone(),
                name: PersonName::parse(name)?,
                password_hash: Some(hash),
                lang: *lang,
            },
        )
        .await?;
        let user = tx
            .user_by_email_tx(&email)
            .await?
            .context("user just created")?;
        tx.add_membership(&src, &user, &OrgId::parse(org)?, *role)
            .await?;
        created.push((email, password, *org, *role));
    }
    tx.commit().await?;
    workspaces(store, &src).await?;

    println!(
        "Demo platform ready: {} organisations, {} demo users ({}).",
        ORGANISATIONS.len(),
        USERS.len(),
        store.backend().name()
    );
    if created.is_empty() {
        println!(
            "All demo users existed already; their passwords were printed when they were created."
        );
        println!(
            "Set a new one with: orkestrator user set-password --email EMAIL --password-stdin"
        );
    } else {
        println!("New demo users (passwords are shown this once):");
        for (email, password, org, role) in &created {
            println!(
                "  {:<42} {:<18} {}:{}",
                email.as_str(),
                password,
                org,
                role.code()
            );
        }
    }
    Ok(())
}

/// Workspaces in the demo: the applicant at Demofarma and SDS's output checker (who reviews
/// the project's outputs in the airlock) hold a data-security certification, and the regions' images and RKKP's lung cancer database are delivered without a sign-off
/// (their regime), so the granted project's workspace fills as soon as the server runs;
/// SDS's steward signs off LPR on `/data-orders`. Set once: an operator's later changes stay.
async fn workspaces(store: &Store, src: &AuditSource) -> anyhow::Result<()> {
    let mut tx = store.write().await?;
    let bo = tx
        .user_by_email_tx(&Email::parse("applicant@demofarma.demo.dk")?)
        .await?
        .context("the demo applicant")?;
    let checker = tx
        .user_by_email_tx(&Email::parse("outputchecker@sds.demo.dk")?)
        .await?
        .context("the demo output checker")?;
    for u in [&bo, &checker] {
        if store.certification(u.id).await?.is_none() {
            tx.set_certification(src, u, Some("2027-12-31")).await?;
        }
    }
    for source in ["pacs-hovedstaden", "pacs-midtjylland", "dlcr"] {
        if store.dataset_regime(source).await?.is_none() {
            tx.set_dataset_regime(src, source, r#"{"automatic_delivery": true}"#, None)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Generates the synthetic registers into `DATA_DIR/registers` unless a complete set is
/// there already (its manifest is written last), so a second demo reuses them.
/// A development master key for workspaces, written once (readable by its owner only) so
/// the demo's pseudonyms stay the same between runs. Production keeps it in a KMS or HSM.
pub fn workspace_key(file: &std::path::Path) -> anyhow::Result<()> {
    if file.exists() || std::env::var_os("ORK_WORKSPACE_MASTER_KEY").is_some() {
        return Ok(());
    }
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(file)?;
    std::io::Write::write_all(
        &mut f,
        ork_workspace::LocalMasterKey::generate_hex().as_bytes(),
    )?;
    println!(
        "Workspace master key (development) written to {}",
        file.display()
    );
    Ok(())
}

pub fn registers(data_dir: &std::path::Path, persons: u64) -> anyhow::Result<()> {
    let out = data_dir.join("registers");
    if out.join("manifest.json").exists() {
        println!("Synthetic registers: reusing {}.", out.display());
        return Ok(());
    }
    let opts = ork_registers::GenerateOptions {
        persons,
        out: out.clone(),
        force: true,
        ..Default::default()
    };
    let started = std::time::Instant::now();
    println!(
        "Synthetic registers: generating {persons} persons, {}-{}, into {}…",
        opts.from_year,
        opts.to_year,
        out.display()
    );
    let tables = ork_registers::generate(&opts)?;
    let rows: u64 = tables.iter().map(|t| t.rows).sum();
    println!(
        "Synthetic registers: {rows} rows in {} registers, {:.1} s.",
        tables.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::seed_cases;
    use ork_rules::planner::{Durations, History};

    #[test]
    fn the_seeded_history_is_labelled_sized_and_centred_on_the_priors() {
        let catalog = ork_catalog::load(&ork_catalog::Files::embedded(), None).unwrap();
        let book = ork_rules::load(&ork_rules::rulebook::Files::embedded(), &catalog).unwrap();
        let cases = seed_cases(&book);
        assert_eq!(cases, seed_cases(&book), "deterministic");
        assert!(cases.iter().all(|c| c.synthetic && c.days >= 1));
        let mut h = History::default();
        for c in &cases {
            h.record_synthetic(&c.rule, c.days as u32);
        }
        for step in &book.steps {
            let n = h.cases(&step.id);
            assert!((200..=400).contains(&n), "{}: {n} cases", step.id);
            let e = h.expected(step);
            assert_eq!(e.cases, n);
            let prior = f64::from(step.prior.median_days.max(1));
            assert!(
                (f64::from(e.median) - prior).abs() <= prior * 0.25 + 2.0,
                "{}: estimate {} vs prior {prior}",
                step.id,
                e.median
            );
        }
    }
}
