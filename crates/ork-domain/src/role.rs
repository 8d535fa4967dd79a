/// What a user may do on behalf of one organisation. A user holds roles per organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Applicant,
    Advisor,
    CaseHandler,
    DataSteward,
    OutputChecker,
    Auditor,
    Citizen,
    Operator,
}

impl Role {
    pub const ALL: [Self; 8] = [
        Self::Applicant,
        Self::Advisor,
        Self::CaseHandler,
        Self::DataSteward,
        Self::OutputChecker,
        Self::Auditor,
        Self::Citizen,
        Self::Operator,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }

    /// The snake_case id used in storage, the API and the command line.
    pub fn code(self) -> &'static str {
        match self {
            Self::Applicant => "applicant",
            Self::Advisor => "advisor",
            Self::CaseHandler => "case_handler",
            Self::DataSteward => "data_steward",
            Self::OutputChecker => "output_checker",
            Self::Auditor => "auditor",
            Self::Citizen => "citizen",
            Self::Operator => "operator",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_roundtrip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
        }
        assert_eq!(Role::parse("Operator"), None);
    }
}
