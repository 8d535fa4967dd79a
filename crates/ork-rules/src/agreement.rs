//! The agreements a case needs besides its approvals (case 2 of the seeds: agreements are
//! where companies stall). Each party the applicant names has a data-protection role, which
//! the form's help works out with the applicant in the regions' order (`004_…` names their
//! flowchart): a party that decides purposes and means together with the applicant is a
//! joint controller (GDPR Art. 26: an arrangement);
//! one that processes only on the applicant's documented instructions is a processor
//! (Art. 28: a data processing agreement, on the regions' framework agreement); one that
//! receives data for purposes of its own is a recipient (a disclosure, decided by the
//! approvals, no agreement here). A party outside the EU/EEA needs a transfer agreement as
//! well (Chapter V). The text is the template with the case's facts filled in; a signature
//! binds to the SHA-256 of that exact text.

use sha2::{Digest, Sha256};

/// The countries of the EU and the EEA (ISO 3166-1 alpha-2), where no transfer agreement is
/// needed.
pub const EEA: [&str; 30] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
];

/// A kind of agreement, named as its template (`rulebook/agreements/<kind>.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Data processing agreement (Art. 28), on the regions' framework agreement.
    Dpa,
    /// Joint-controller arrangement (Art. 26).
    JointController,
    /// Data-transfer agreement for disclosure outside the EU/EEA (Chapter V).
    Transfer,
}

impl Kind {
    pub const ALL: [Self; 3] = [Self::Dpa, Self::JointController, Self::Transfer];

    pub fn code(self) -> &'static str {
        match self {
            Self::Dpa => "dpa",
            Self::JointController => "joint_controller",
            Self::Transfer => "transfer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// A party's data-protection role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Processor,
    JointController,
    Recipient,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Self::Processor => "processor",
            Self::JointController => "joint_controller",
            Self::Recipient => "recipient",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Processor, Self::JointController, Self::Recipient]
            .into_iter()
            .find(|r| r.code() == s)
    }
}

/// A party named in the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    pub role: Role,
    /// The e-mail of who signs for the party.
    pub signatory: String,
}

/// Whether data going to `country` leaves the EU/EEA.
pub fn outside_eea(country: &str) -> bool {
    !EEA.contains(&country.trim().to_ascii_uppercase().as_str())
}

/// The agreements the parties need, in the parties' order: a processor's data processing
/// agreement, a joint controller's arrangement, and for any party outside the EU/EEA a
/// transfer agreement besides.
pub fn needed(parties: &[Party]) -> Vec<(Kind, &Party)> {
    let mut out = Vec::new();
    for p in parties {
        match p.role {
            Role::Processor => out.push((Kind::Dpa, p)),
            Role::JointController => out.push((Kind::JointController, p)),
            Role::Recipient => {}
        }
        if outside_eea(&p.country) {
            out.push((Kind::Transfer, p));
        }
    }
    out
}

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 10] = [
    "controller",
    "party",
    "party_country",
    "project",
    "purpose",
    "datasets",
    "period",
    "safeguard",
    "application",
    "date",
];

/// The `{{name}}` placeholders in a template that are not in [`PLACEHOLDERS`].
pub fn unknown_placeholders(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !PLACEHOLDERS.contains(&name) && !out.iter().any(|x| x == name) {
            out.push(name.to_owned());
        }
        rest = &after[end + 2..];
    }
    out
}

/// The template with each `{{name}}` replaced by its value. Values are inserted as they
/// are: a value holding `{{…}}` is not filled again.
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 512);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        out.push_str(&rest[..start]);
        match values.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => out.push_str(v),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The SHA-256 of a document's exact text, lower-case hex: what a signature binds to.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(name: &str, country: &str, role: Role) -> Party {
        Party {
            name: name.into(),
            country: country.into(),
            role,
            signatory: format!("{name}@example.com"),
        }
    }

    #[test]
    fn each_role_gets_its_agreement_and_a_transfer_outside_the_eea() {
        let parties = [
            party("cro", "DK", Role::Processor),
            party("uni", "US", Role::JointController),
            party("lab", "NO", Role::Recipient),
            party("cloud", "gb", Role::Recipient),
        ];
        let got: Vec<(&str, &str)> = needed(&parties)
            .into_iter()
            .map(|(k, p)| (k.code(), p.name.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("dpa", "cro"),
                ("joint_controller", "uni"),
                ("transfer", "uni"),
                ("transfer", "cloud")
            ]
        );
    }

    #[test]
    fn templates_are_filled_once_and_hashed_exactly() {
        let t = "Between {{controller}} and {{ party }}: {{unknown}}.";
        let doc = render(t, &[("controller", "A {{party}}"), ("party", "B")]);
        assert_eq!(doc, "Between A {{party}} and B: {{unknown}}.");
        assert_eq!(unknown_placeholders(t), ["unknown"]);
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(sha256_hex("abc"), sha256_hex("abc "));
    }
}
