/// A search of the precedent register: words and, optionally, a rulebook step.
pub struct PrecedentQuery {
    pub q: String,
    pub rule: Option<String>,
}

use crate::ApiError;

/// Reads `q` and `rule` strictly: unknown parameters, over-long queries and rules the
/// rulebook does not have are 400s naming the problem.
pub fn parse_precedent_query(
    raw: Option<&str>,
    book: &ork_rules::Rulebook,
) -> Result<PrecedentQuery, ApiError> {
    let pairs = crate::api::query_pairs(raw)?;
    let (mut q, mut rule) = (String::new(), None);
    for (k, v) in pairs {
        match k.as_str() {
            "q" if v.chars().count() <= 200 => q = v,
            "q" => {
                return Err(ApiError::invalid("query_too_long.precedents", &[]));
            }
            "rule" if v.is_empty() => {}
            "rule" => rule = Some(v),
            other => {
                let other: String = other.chars().take(40).collect();
                return Err(ApiError::invalid(
                    "unknown_parameter.precedents",
                    &[("name", &other)],
                ));
            }
        }
    }
    if let Some(r) = &rule
        && book.step(r).is_none()
    {
        let r: String = r.chars().take(60).collect();
        return Err(ApiError::invalid("unknown_rule", &[("rule", &r)]));
    }
    Ok(PrecedentQuery { q, rule })
}
