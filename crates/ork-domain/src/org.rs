/// What an authority does in the access process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthorityRole {
    DataController,
    ApprovingAuthority,
    Both,
}

impl AuthorityRole {
    pub const ALL: [Self; 3] = [Self::DataController, Self::ApprovingAuthority, Self::Both];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::DataController => "data_controller",
            Self::ApprovingAuthority => "approving_authority",
            Self::Both => "both",
        }
    }
}

/// The kind of an organisation. Only authorities carry an [`AuthorityRole`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgKind {
    Authority(AuthorityRole),
    UniversityHospital,
    Company,
    ForeignOrganisation,
    PlatformOperator,
}

impl OrgKind {
    pub const CODES: [&'static str; 5] = [
        "authority",
        "university_hospital",
        "company",
        "foreign_organisation",
        "platform_operator",
    ];

    /// Parses the stored pair (kind code, authority role code). An authority must have a
    /// role and no other kind may have one.
    pub fn parse(kind: &str, authority_role: Option<&str>) -> Result<Self, &'static str> {
        match (kind, authority_role) {
            ("authority", Some(r)) => AuthorityRole::parse(r)
                .map(Self::Authority)
                .ok_or("authority role must be data_controller, approving_authority or both"),
            ("authority", None) => Err(
                "an authority needs an authority role: data_controller, approving_authority or both",
            ),
            (_, Some(_)) if Self::CODES.contains(&kind) => {
                Err("only an authority has an authority role")
            }
            ("university_hospital", None) => Ok(Self::UniversityHospital),
            ("company", None) => Ok(Self::Company),
            ("foreign_organisation", None) => Ok(Self::ForeignOrganisation),
            ("platform_operator", None) => Ok(Self::PlatformOperator),
            _ => Err(
                "kind must be authority, university_hospital, company, foreign_organisation or platform_operator",
            ),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Authority(_) => "authority",
            Self::UniversityHospital => "university_hospital",
            Self::Company => "company",
            Self::ForeignOrganisation => "foreign_organisation",
            Self::PlatformOperator => "platform_operator",
        }
    }

    pub fn authority_role(self) -> Option<AuthorityRole> {
        match self {
            Self::Authority(r) => Some(r),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_roundtrip() {
        let k = OrgKind::parse("authority", Some("both")).unwrap();
        assert_eq!(
            (k.code(), k.authority_role().map(AuthorityRole::code)),
            ("authority", Some("both"))
        );
        assert!(OrgKind::parse("authority", None).is_err());
        assert!(OrgKind::parse("company", Some("both")).is_err());
        assert!(OrgKind::parse("pharma", None).is_err());
        assert_eq!(OrgKind::parse("company", None), Ok(OrgKind::Company));
    }
}
