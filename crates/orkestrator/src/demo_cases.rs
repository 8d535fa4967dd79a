//! The demo's applications: for the demo users, one in every state a page can show — a
//! draft, one waiting on the applicant (information requested), one in review at several
//! authorities (with a processor abroad, so agreements wait for signatures), one with a
//! rejection, one granted and its amendment — made through the same services the API
//! uses, so they are what a user would have made. Idempotent: seeded once.

use anyhow::{Context, anyhow};
use ork_domain::Email;
use ork_server::applications::service as apps;
use ork_server::applications::submit;
use ork_server::auth::{ClientAddr, Principal, Via};
use ork_server::cases::service::{self as cases, Decision};
use ork_server::{ApiError, AppState};
use ork_store::Store;
use serde_json::{Map, Value, json};

fn err(e: ApiError) -> anyhow::Error {
    anyhow!("{}: {}", e.code, e.en)
}

async fn principal(store: &Store, email: &str) -> anyhow::Result<Principal> {
    let user = store
        .user_by_email(&Email::parse(email)?)
        .await?
        .with_context(|| format!("demo user {email}"))?;
    let memberships = store.memberships(user.id).await?;
    Ok(Principal {
        user,
        memberships,
        via: Via::Token { id: 0 },
    })
}

fn traits(on: &[&str]) -> Value {
    ork_rules::rulebook::TRAITS
        .iter()
        .map(|t| ((*t).to_owned(), Value::Bool(on.contains(t))))
        .collect::<Map<_, _>>()
        .into()
}

/// Case 2 of the seeds: chest X-rays from the Capital Region's PACS, diagnoses and DLCR.
fn case_2() -> ork_rules::Need {
    serde_json::from_value(json!({
        "applicant": {"kind": "danish_company", "region": "hovedstaden"},
        "datasets": ["pacs-hovedstaden", "lpr", "dlcr"],
        "traits": traits(&["image_data_reuse", "commercial_purpose"]),
    }))
    .expect("a well-formed need")
}

/// A register study at a university: diagnoses, prescriptions and the population register.
fn register_study() -> ork_rules::Need {
    serde_json::from_value(json!({
        "applicant": {"kind": "danish_university", "region": "hovedstaden"},
        "datasets": ["lpr", "lmdb", "bef"],
        "traits": traits(&[]),
    }))
    .expect("a well-formed need")
}

fn company_answers(protocol: &str) -> Value {
    json!({
        "purpose": "At udvikle og validere en model, der finder lungekræft på røntgenbilleder af thorax tidligere end i dag.",
        "project_period": {"from": "2027-02-01", "to": "2029-12-31"},
        "processing_basis": ["art6_1f", "art9_2j"],
        "protocol": [protocol],
        "funding": [{"source": "Egne midler", "amount_dkk": 2500000}],
        "sponsor": {"name": "Demofarma A/S", "country": "DK"},
        "institution": {"name": "Demofarma A/S", "country": "DK"},
        "project_lead": [{"name": "Bo Berg", "email": "applicant@demofarma.demo.dk", "role": "Projektleder"}],
        "users": [{"name": "Bo Berg", "email": "applicant@demofarma.demo.dk", "role": "Analytiker"}],
        "responsible_manager": [{"name": "Bo Berg", "email": "applicant@demofarma.demo.dk", "role": "Ansvarlig leder"}],
        "third_parties": false,
        "population": {"population": {"alive_on": "2020-01-01", "age": [18, 99]}, "criteria": {"diagnosis": {"codes": ["C34"]}}},
        "data_period": {"from": "2015-01-01", "to": "2024-12-31"},
        "extraction_description": "Alle med røntgen af thorax 2015-2024, koblet til LPR og DLCR.",
        "image_description": "Røntgenbilleder af thorax (PACS) fra Region Hovedstadens radiologiske afdelinger.",
        "deletion_date": "2030-12-31",
    })
}

fn university_answers() -> Value {
    json!({
        "purpose": "At undersøge, om behandling med metformin ændrer risikoen for hjertesvigt hos personer med type 2-diabetes.",
        "project_period": {"from": "2027-01-01", "to": "2028-12-31"},
        "processing_basis": ["art6_1e", "art9_2j"],
        "institution": {"name": "Københavns Universitet", "cvr": "29979812", "country": "DK"},
        "project_lead": [{"name": "Anna Andersen", "email": "applicant@ku.demo.dk", "role": "Projektleder"}],
        "users": [{"name": "Anna Andersen", "email": "applicant@ku.demo.dk", "role": "Forsker"}],
        "responsible_manager": [{"name": "Anna Andersen", "email": "applicant@ku.demo.dk", "role": "Institutleder"}],
        "third_parties": false,
        "population": {"population": {"alive_on": "2015-01-01", "age": [30, 90]}, "criteria": {"diagnosis": {"codes": ["E11"]}}},
        "data_period": {"from": "2010-01-01", "to": "2024-12-31"},
        "extraction_description": "Personer med type 2-diabetes 2010-2024 med diagnoser fra LPR, recepter fra Lægemiddelstatistikregisteret og bopæl fra befolkningsregisteret.",
        "deletion_date": "2033-12-31",
    })
}

struct Demo {
    state: AppState,
    client: ClientAddr,
}

impl Demo {
    async fn draft(
        &self,
        p: &Principal,
        title: &str,
        need: &ork_rules::Need,
        answers: &Value,
    ) -> anyhow::Result<String> {
        let app = apps::create(&self.state, p, &self.client, title, need, None, None)
            .await
            .map_err(err)?;
        let map = answers.as_object().cloned().unwrap_or_default();
        apps::save(&self.state, p, &self.client, &app.id, &map)
            .await
            .map_err(err)?;
        Ok(app.id)
    }

    async fn submitted(
        &self,
        p: &Principal,
        title: &str,
        need: &ork_rules::Need,
        answers: &Value,
    ) -> anyhow::Result<String> {
        let id = self.draft(p, title, need, answers).await?;
        submit::submit(&self.state, p, &self.client, &id)
            .await
            .map_err(|e| match e {
                submit::SubmitError::Api(e) => err(e),
                submit::SubmitError::Invalid(v) => anyhow!(
                    "demo answers have errors: {:?}",
                    v.iter().map(|e| (&e.field, &e.code)).collect::<Vec<_>>()
                ),
            })?;
        Ok(id)
    }

    async fn part(&self, app: &str, step: &str) -> anyhow::Result<String> {
        let parts = self.state.store.parts_of(app).await?;
        parts
            .iter()
            .find(|p| p.step == step)
            .map(|p| p.id.clone())
            .with_context(|| format!("{app} has no part {step}"))
    }

    async fn decide(
        &self,
        handler: &Principal,
        app: &str,
        step: &str,
        outcome: &str,
        text: &str,
    ) -> anyhow::Result<()> {
        let part = self.part(app, step).await?;
        let conditions = if outcome == "approved_with_conditions" {
            vec!["Publikationer meldes til den dataansvarlige".to_owned()]
        } else {
            Vec::new()
        };
        let d = Decision::parse(outcome, Vec::new(), text, conditions).map_err(err)?;
        cases::decide(&self.state, handler, &self.client, &part, &d)
            .await
            .map_err(err)?;
        Ok(())
    }
}

/// The demo handlers' e-mails by authority.
const HANDLERS: [(&str, &str); 7] = [
    ("dst", "casehandler@dst.demo.dk"),
    ("demofarma", "casehandler@demofarma.demo.dk"),
    ("ku", "casehandler@ku.demo.dk"),
    ("sds", "casehandler@sds.demo.dk"),
    ("vek-hovedstaden", "casehandler@vek-hovedstaden.demo.dk"),
    ("hovedstaden", "casehandler@hovedstaden.demo.dk"),
    ("rkkp", "casehandler@rkkp.demo.dk"),
];

/// The demo applicant's protocol, kept as an upload the form's attachment answers name.
async fn protocol_upload(
    store: &Store,
    bo: &Principal,
    client: &ClientAddr,
) -> anyhow::Result<&'static str> {
    const ID: &str = "upl-demoprotocol";
    if store.uploads_for(bo.user.id, &[]).await?.is_empty() {
        use sha2::Digest;
        let pdf = b"%PDF-1.4\n% Demofarma protokol (demo)\n";
        let mut tx = store.write().await?;
        tx.create_upload(
            &bo.audit_source(client, Some("demofarma".into())),
            &ork_store::NewUpload {
                id: ID,
                user_id: bo.user.id,
                org_id: Some(&bo.memberships[0].org_id),
                filename: "protokol.pdf",
                media_type: "application/pdf",
                sha256: &hex::encode(sha2::Sha256::digest(pdf)),
                content: pdf,
            },
        )
        .await?;
        tx.commit().await?;
    }
    Ok(ID)
}

/// (handler's organisation, step, outcome, reasons) in the order they are decided.
type Decisions<'a> = &'a [(&'a str, &'a str, &'a str, &'a str)];

/// The company's applications: a draft, one granted by six authorities, one waiting for
/// the applicant's answer, one with a rejection.
const COMPANY: [(&str, Decisions); 3] = [
    (
        "Tidlig opsporing af lungekræft på røntgen",
        &[
            ("demofarma", "record_of_processing", "approved", ""),
            ("sds", "sds_environment_authorisation", "approved", ""),
            ("vek-hovedstaden", "ethics_approval", "approved", ""),
            (
                "rkkp",
                "rkkp_data_access",
                "approved_with_conditions",
                "Godkendt på RKKP's standardvilkår.",
            ),
            (
                "hovedstaden",
                "region_data_extraction:hovedstaden",
                "approved",
                "",
            ),
            ("sds", "sds_data_access:sds", "approved", ""),
        ],
    ),
    (
        "Røntgen-AI: ekstern validering",
        &[
            ("demofarma", "record_of_processing", "approved", ""),
            (
                "vek-hovedstaden",
                "ethics_approval",
                "information_requested",
                "Beskriv venligst, hvordan billederne pseudonymiseres, før modellen trænes.",
            ),
        ],
    ),
    (
        "Røntgen-AI: billeder fra 2010-2014",
        &[
            ("demofarma", "record_of_processing", "approved", ""),
            ("vek-hovedstaden", "ethics_approval", "approved", ""),
            (
                "hovedstaden",
                "region_data_extraction:hovedstaden",
                "rejected",
                "Udtræksbeskrivelsen siger ikke, hvilke afdelinger billederne skal komme fra.",
            ),
        ],
    ),
];

/// Seeds the demo's applications unless the demo applicants have some already.
pub async fn seed(store: &Store) -> anyhow::Result<usize> {
    let bo = principal(store, "applicant@demofarma.demo.dk").await?;
    let anna = principal(store, "applicant@ku.demo.dk").await?;
    if !store.applications_of(bo.user.id).await?.is_empty() {
        return Ok(0);
    }
    let d = Demo {
        state: AppState::new(store.clone(), Default::default()),
        client: ClientAddr("cli".into()),
    };
    let mut h = std::collections::BTreeMap::new();
    for (org, email) in HANDLERS {
        h.insert(org, principal(store, email).await?);
    }
    let protocol = protocol_upload(store, &bo, &d.client).await?;

    // A draft, half written.
    let mut half = company_answers(protocol);
    if let Some(m) = half.as_object_mut() {
        m.retain(|k, _| ["purpose", "project_period", "processing_basis"].contains(&k.as_str()));
    }
    d.draft(
        &bo,
        "Røntgen-AI: kladde til næste projekt",
        &case_2(),
        &half,
    )
    .await?;
    for (title, decisions) in COMPANY {
        let app = d
            .submitted(&bo, title, &case_2(), &company_answers(protocol))
            .await?;
        for (org, step, outcome, text) in decisions {
            d.decide(&h[org], &app, step, outcome, text).await?;
        }
    }

    // An amendment (case 5): the granted project adds a second region's images. Only
    // what the change touches is decided again; the other approvals carry over.
    let granted = store
        .permits_of(bo.user.id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("the demo's granted application has a permit"))?;
    let mut more = case_2();
    more.datasets.push("pacs-midtjylland".into());
    let described: Vec<Value> = more
        .datasets
        .iter()
        .map(|d| json!({"id": d, "variables": []}))
        .collect();
    let patch = json!({"data_description": described});
    ork_server::applications::amend::amend(
        &d.state,
        &bo,
        &d.client,
        &granted.id,
        more,
        patch.as_object().expect("an object"),
    )
    .await
    .map_err(|e| match e {
        submit::SubmitError::Api(e) => err(e),
        submit::SubmitError::Invalid(v) => anyhow!("the demo's amendment: {} errors", v.len()),
    })?;

    // In review at several authorities: a university's register study.
    // Its statistics are run by a processor in the United States: a data processing
    // agreement and a transfer agreement wait for the signatures of both sides.
    let mut with_processor = university_answers();
    with_processor["third_parties"] = json!(true);
    with_processor["data_processors"] = json!([{
        "name": "Example Therapeutics Inc.",
        "country": "US",
        "role": "processor",
        "signatory": "applicant@example-therapeutics.demo.dk",
    }]);
    let review = d
        .submitted(
            &anna,
            "Metformin og hjertesvigt ved type 2-diabetes",
            &register_study(),
            &with_processor,
        )
        .await?;
    d.decide(&h["ku"], &review, "record_of_processing", "approved", "")
        .await?;
    // The parts that opened: the authorities with a handler in the demo take them up.
    for part in store.parts_of(&review).await? {
        if part.state == ork_cases::PartState::Submitted
            && let Some(handler) = h.get(part.authority.as_str())
        {
            cases::assign(&d.state, handler, &d.client, &part.id, None)
                .await
                .map_err(err)?;
        }
    }
    // Demofarma lets Example Therapeutics prepare applications on its behalf (it sees the
    // applications and where their parts stand).
    ork_server::clients::service::authorise(
        &d.state,
        &bo,
        &d.client,
        None,
        "example-therapeutics",
        "application",
    )
    .await
    .map_err(err)?;
    Ok(6)
}
