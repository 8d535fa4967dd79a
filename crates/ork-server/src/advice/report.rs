//! The advice desk's report, computed from the questions, their conversations and the
//! articles marked as answering a question: questions per topic and per authority, time to
//! first answer and to resolution, the share resolved at the first level, and the articles
//! that deflected questions.

use ork_store::{Question, QuestionMessage};
use std::collections::BTreeMap;

/// The report over one period.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AdviceReport {
    /// The period, `YYYY-MM-DD`, both days included.
    pub from: String,
    pub to: String,
    /// Questions asked in the period (guests' unconfirmed ones left out).
    pub questions: u64,
    /// Per knowledge-base topic.
    pub per_topic: BTreeMap<String, u64>,
    /// Per authority the questions were referred to (a question referred to two counts
    /// for both).
    pub per_authority: BTreeMap<String, u64>,
    /// Questions that got an advisor's answer, and the hours from the question reaching the
    /// first level to that answer: median and mean.
    pub answered: u64,
    pub first_answer_hours_median: Option<f64>,
    pub first_answer_hours_mean: Option<f64>,
    /// Questions closed with an answer, and the hours from asking to closing.
    pub resolved: u64,
    pub resolution_hours_median: Option<f64>,
    pub resolution_hours_mean: Option<f64>,
    /// Of the resolved: the share resolved at the first level (never referred), 0–1.
    pub resolved_first_level: u64,
    pub first_level_share: Option<f64>,
    /// Articles marked "this answered my question" in the period, most first.
    pub deflections: Vec<Deflection>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Deflection {
    pub article: String,
    pub count: u64,
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn round1(x: Option<f64>) -> Option<f64> {
    x.map(|x| (x * 10.0).round() / 10.0)
}

/// Computes the report from the period's questions, their messages and the deflections
/// (article, at).
pub fn compute(
    from: &str,
    to: &str,
    questions: &[Question],
    messages: &[QuestionMessage],
    deflections: &[(String, i64)],
) -> AdviceReport {
    let asked: Vec<&Question> = questions
        .iter()
        .filter(|q| q.state != "unconfirmed")
        .collect();
    let mut per_topic = BTreeMap::new();
    let mut per_authority = BTreeMap::new();
    for q in &asked {
        *per_topic.entry(q.topic.clone()).or_insert(0) += 1;
        let mut orgs: Vec<&str> = messages
            .iter()
            .filter(|m| m.question_id == q.id && m.role == "system" && m.body == "referred")
            .filter_map(|m| m.author_org.as_deref())
            .collect();
        orgs.sort_unstable();
        orgs.dedup();
        for o in orgs {
            *per_authority.entry(o.to_owned()).or_insert(0) += 1;
        }
    }
    let hours = |a: i64, b: i64| (b - a).max(0) as f64 / 3600.0;
    let mut first: Vec<f64> = asked
        .iter()
        .filter_map(|q| Some(hours(q.confirmed_at?, q.first_answer_at?)))
        .collect();
    let resolved: Vec<&&Question> = asked
        .iter()
        .filter(|q| q.state == "closed" && q.resolved_level.is_some())
        .collect();
    let mut resolution: Vec<f64> = resolved
        .iter()
        .filter_map(|q| Some(hours(q.created_at, q.closed_at?)))
        .collect();
    let at_first = resolved
        .iter()
        .filter(|q| q.resolved_level.as_deref() == Some("first") && q.referred_at.is_none())
        .count() as u64;
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for (a, _) in deflections {
        *counts.entry(a.as_str()).or_insert(0) += 1;
    }
    let mut deflections: Vec<Deflection> = counts
        .into_iter()
        .map(|(a, n)| Deflection {
            article: a.to_owned(),
            count: n,
        })
        .collect();
    deflections.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.article.cmp(&b.article))
    });
    AdviceReport {
        from: from.to_owned(),
        to: to.to_owned(),
        questions: asked.len() as u64,
        per_topic,
        per_authority,
        answered: first.len() as u64,
        first_answer_hours_mean: round1(mean(&first)),
        first_answer_hours_median: round1(median(&mut first)),
        resolved: resolved.len() as u64,
        resolution_hours_mean: round1(mean(&resolution)),
        resolution_hours_median: round1(median(&mut resolution)),
        resolved_first_level: at_first,
        first_level_share: (!resolved.is_empty())
            .then(|| (at_first as f64 / resolved.len() as f64 * 1000.0).round() / 1000.0),
        deflections,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;

    fn q(id: &str, topic: &str, state: &str, created: i64) -> Question {
        Question {
            id: id.into(),
            subject: "s".into(),
            topic: topic.into(),
            state: state.into(),
            holder: "first_level".into(),
            assignee: None,
            asker_user: Some(1),
            asker_org: None,
            guest_email: None,
            lang: "da".into(),
            context_page: None,
            context_basket: vec![],
            context_application: None,
            suggested: vec![],
            created_at: created,
            confirmed_at: Some(created),
            first_answer_at: None,
            referred_at: None,
            closed_at: None,
            resolved_level: None,
            last_at: created,
        }
    }

    fn referred(question: &str, org: &str) -> QuestionMessage {
        QuestionMessage {
            id: 0,
            question_id: question.into(),
            author_user: Some(9),
            author_org: Some(org.into()),
            role: "system".into(),
            internal: false,
            at: 0,
            body: "referred".into(),
            attachments: vec![],
        }
    }

    /// A fixture of five questions, worked by hand:
    /// - a: data, answered after 2 h, closed after 5 h at the first level;
    /// - b: approvals, referred to SDS, answered after 10 h, closed after 30 h (second);
    /// - c: approvals, referred to SDS then (after an asker's reply) to nothing more, answered
    ///   after 4 h, still open;
    /// - d: costs, never answered, closed by the asker after 1 h (not resolved);
    /// - e: a guest's unconfirmed question: not counted at all.
    #[test]
    fn the_report_is_computed_from_the_questions() {
        let t0 = 1_780_000_000;
        let mut a = q("a", "data", "closed", t0);
        a.first_answer_at = Some(t0 + 2 * H);
        a.closed_at = Some(t0 + 5 * H);
        a.resolved_level = Some("first".into());
        let mut b = q("b", "approvals", "closed", t0);
        b.holder = "sds".into();
        b.referred_at = Some(t0 + H);
        b.first_answer_at = Some(t0 + 10 * H);
        b.closed_at = Some(t0 + 30 * H);
        b.resolved_level = Some("second".into());
        let mut c = q("c", "approvals", "answered", t0);
        c.holder = "sds".into();
        c.referred_at = Some(t0 + H);
        c.first_answer_at = Some(t0 + 4 * H);
        let mut d = q("d", "costs", "closed", t0);
        d.closed_at = Some(t0 + H);
        let mut e = q("e", "data", "unconfirmed", t0);
        e.confirmed_at = None;
        let messages = vec![
            referred("b", "sds"),
            referred("c", "sds"),
            referred("c", "sds"),
        ];
        let deflections = vec![
            ("significant-societal-importance".to_owned(), t0),
            ("what-the-fees-cover".to_owned(), t0),
            ("significant-societal-importance".to_owned(), t0 + 1),
        ];
        let r = compute(
            "2026-06-01",
            "2026-06-30",
            &[a, b, c, d, e],
            &messages,
            &deflections,
        );
        assert_eq!(r.questions, 4);
        assert_eq!(
            r.per_topic,
            BTreeMap::from([
                ("approvals".into(), 2),
                ("costs".into(), 1),
                ("data".into(), 1)
            ])
        );
        assert_eq!(r.per_authority, BTreeMap::from([("sds".into(), 2)]));
        // First answers after 2, 10 and 4 hours.
        assert_eq!(r.answered, 3);
        assert_eq!(r.first_answer_hours_median, Some(4.0));
        assert_eq!(r.first_answer_hours_mean, Some(5.3));
        // Resolved: a (5 h) and b (30 h); d was closed without an answer.
        assert_eq!(r.resolved, 2);
        assert_eq!(r.resolution_hours_median, Some(17.5));
        assert_eq!(r.resolution_hours_mean, Some(17.5));
        assert_eq!(r.resolved_first_level, 1);
        assert_eq!(r.first_level_share, Some(0.5));
        assert_eq!(
            r.deflections,
            vec![
                Deflection {
                    article: "significant-societal-importance".into(),
                    count: 2
                },
                Deflection {
                    article: "what-the-fees-cover".into(),
                    count: 1
                },
            ]
        );
    }

    #[test]
    fn an_empty_period_has_no_averages() {
        let r = compute("2026-01-01", "2026-01-31", &[], &[], &[]);
        assert_eq!(r.questions, 0);
        assert_eq!(r.first_answer_hours_median, None);
        assert_eq!(r.first_level_share, None);
        assert!(r.deflections.is_empty());
    }
}
