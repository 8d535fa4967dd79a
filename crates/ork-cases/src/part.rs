//! A part's states and the moves between them.
//!
//! ```text
//!  waiting ──(prerequisites approved)──► submitted ──(assigned)──► in_review
//!                                            │                        │
//!                                            ├────── decision ────────┤
//!                                            ▼                        ▼
//!        information_requested ◄── information_requested     approved / approved_with_
//!              │   (clock stops)                             conditions / rejected /
//!              └──(applicant answers: clock runs)──► in_review   not_required
//!  rejected ──(applicant resubmits)──► submitted        any open state ──► withdrawn
//! ```

/// Where a part stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PartState {
    /// Waits for a step it depends on to be approved.
    Waiting,
    /// With the authority, not yet taken up.
    Submitted,
    InReview,
    /// The authority waits for the applicant; the clock stands still.
    InformationRequested,
    Approved,
    ApprovedWithConditions,
    Rejected,
    Withdrawn,
    /// The authority found the approval unnecessary (not a refusal of the project).
    NotRequired,
}

impl PartState {
    pub const ALL: [Self; 9] = [
        Self::Waiting,
        Self::Submitted,
        Self::InReview,
        Self::InformationRequested,
        Self::Approved,
        Self::ApprovedWithConditions,
        Self::Rejected,
        Self::Withdrawn,
        Self::NotRequired,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Submitted => "submitted",
            Self::InReview => "in_review",
            Self::InformationRequested => "information_requested",
            Self::Approved => "approved",
            Self::ApprovedWithConditions => "approved_with_conditions",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::NotRequired => "not_required",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    /// With its authority: an authority may work on it (assign, write, decide).
    pub fn open(self) -> bool {
        matches!(
            self,
            Self::Submitted | Self::InReview | Self::InformationRequested
        )
    }

    /// Decided for good: its outcome stands (a rejection can still be resubmitted).
    pub fn closed(self) -> bool {
        !self.open() && self != Self::Waiting
    }

    /// Counts as an approval for the steps that depend on it and for the permit.
    pub fn approves(self) -> bool {
        matches!(
            self,
            Self::Approved | Self::ApprovedWithConditions | Self::NotRequired
        )
    }

    /// Waits for the applicant (shown on the applicant's dashboard).
    pub fn waits_on_applicant(self) -> bool {
        matches!(self, Self::InformationRequested | Self::Rejected)
    }
}

/// What an authority decides on a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Approved,
    ApprovedWithConditions,
    Rejected,
    InformationRequested,
    NotRequired,
}

impl Outcome {
    pub const ALL: [Self; 5] = [
        Self::Approved,
        Self::ApprovedWithConditions,
        Self::Rejected,
        Self::InformationRequested,
        Self::NotRequired,
    ];

    pub fn code(self) -> &'static str {
        self.state().code()
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    /// The state the part moves to.
    pub fn state(self) -> PartState {
        match self {
            Self::Approved => PartState::Approved,
            Self::ApprovedWithConditions => PartState::ApprovedWithConditions,
            Self::Rejected => PartState::Rejected,
            Self::InformationRequested => PartState::InformationRequested,
            Self::NotRequired => PartState::NotRequired,
        }
    }

    /// Ends the case at this authority (anything but a request for information).
    pub fn is_final(self) -> bool {
        self != Self::InformationRequested
    }
}

/// A change to a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The steps it depends on are approved: it goes to its authority.
    Open,
    /// A case handler takes it up.
    Assign,
    Decide(Outcome),
    /// The applicant answers a request for information.
    Answer,
    /// The applicant submits again after a rejection.
    Resubmit,
    /// The applicant withdraws the application.
    Withdraw,
}

/// Why a move is refused: the part is not in a state that allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a part that is {} cannot be moved by {:?}", .from.code(), .attempted)]
pub struct Refused {
    pub from: PartState,
    pub attempted: Move,
}

impl PartState {
    /// The state after `m`, or why it is not allowed.
    pub fn apply(self, m: Move) -> Result<PartState, Refused> {
        use PartState::*;
        let to = match (self, m) {
            (Waiting, Move::Open) => Some(Submitted),
            (Submitted | InReview, Move::Assign) => Some(InReview),
            // A request for information can only be answered, not decided over.
            (Submitted | InReview, Move::Decide(o)) => Some(o.state()),
            (InformationRequested, Move::Answer) => Some(InReview),
            (Rejected, Move::Resubmit) => Some(Submitted),
            (Waiting | Submitted | InReview | InformationRequested, Move::Withdraw) => {
                Some(Withdrawn)
            }
            _ => None,
        };
        to.ok_or(Refused {
            from: self,
            attempted: m,
        })
    }
}

/// Where an application stands as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppState {
    /// Being written; nothing has gone to an authority.
    Draft,
    /// Its parts are with the authorities.
    Submitted,
    /// Every part approves: the permit is issued.
    Granted,
    Withdrawn,
}

impl AppState {
    pub const ALL: [Self; 4] = [Self::Draft, Self::Submitted, Self::Granted, Self::Withdrawn];

    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Granted => "granted",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_roundtrip() {
        for s in PartState::ALL {
            assert_eq!(PartState::parse(s.code()), Some(s));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.code()), Some(o));
        }
        for a in AppState::ALL {
            assert_eq!(AppState::parse(a.code()), Some(a));
        }
        assert_eq!(Outcome::parse("waiting"), None);
    }

    #[test]
    fn a_closed_part_cannot_be_decided_again_and_a_waiting_one_not_yet() {
        for s in PartState::ALL {
            let r = s.apply(Move::Decide(Outcome::Approved));
            assert_eq!(
                r.is_ok(),
                matches!(s, PartState::Submitted | PartState::InReview),
                "{s:?}"
            );
        }
        assert_eq!(
            PartState::Approved.apply(Move::Decide(Outcome::Rejected)),
            Err(Refused {
                from: PartState::Approved,
                attempted: Move::Decide(Outcome::Rejected)
            })
        );
    }

    #[test]
    fn a_request_for_information_is_answered_and_a_rejection_resubmitted() {
        let s = PartState::Waiting
            .apply(Move::Open)
            .and_then(|s| s.apply(Move::Assign))
            .and_then(|s| s.apply(Move::Decide(Outcome::InformationRequested)))
            .unwrap();
        assert!(s.waits_on_applicant());
        assert!(s.apply(Move::Decide(Outcome::Approved)).is_err());
        let s = s.apply(Move::Answer).unwrap();
        assert_eq!(s, PartState::InReview);
        let s = s.apply(Move::Decide(Outcome::Rejected)).unwrap();
        assert!(s.closed() && !s.approves());
        assert!(s.apply(Move::Withdraw).is_err());
        assert_eq!(s.apply(Move::Resubmit), Ok(PartState::Submitted));
        for s in [
            PartState::Approved,
            PartState::ApprovedWithConditions,
            PartState::NotRequired,
        ] {
            assert!(s.approves() && s.closed());
        }
    }
}
