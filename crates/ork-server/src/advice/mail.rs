//! E-mails to guests, who have no account: the link that confirms their question, and news
//! of an answer with a fresh link. Each link carries a key whose hash opens the question;
//! the key itself is kept only until the e-mail is sent.

use crate::AppState;
use crate::i18n::text;
use crate::notifications::delivery::{Mailer, Report, outcome};
use ork_domain::Lang;

/// The e-mail's subject and body.
pub fn guest_text(lang: Lang, kind: &str, subject: &str, link: &str) -> (String, String) {
    let key = format!("advice.mail.{kind}");
    let lead = format!("advice.mail.{kind}_lead");
    let head = text(lang, &key);
    (
        format!("{head}: {subject}"),
        format!(
            "{head}: {subject}\n\n{}\n{link}\n\n{}\n",
            text(lang, &lead),
            text(lang, "advice.mail.footer")
        ),
    )
}

/// Sends the guests' e-mails due at `now`.
pub async fn deliver(state: &AppState, now: i64, report: &mut Report) -> anyhow::Result<()> {
    let due = state.store.guest_mail_due(now, 100).await?;
    if due.is_empty() {
        return Ok(());
    }
    let Some(mailer) = Mailer::of(state)? else {
        return Ok(());
    };
    let base = state.config.public_base();
    for m in due {
        if !state.store.claim_guest_mail(m.id, now).await? {
            continue;
        }
        let subject = state
            .store
            .question(&m.question_id)
            .await?
            .map(|q| q.subject)
            .unwrap_or_default();
        let sent = match &m.link_key {
            None => Err("the link's key is gone".to_owned()),
            Some(key) => {
                let link = format!("{base}/questions/{}?key={key}", m.question_id);
                let lang = Lang::parse(&m.lang).unwrap_or_default();
                let (s, b) = guest_text(lang, &m.kind, &subject, &link);
                mailer.send(&m.to_email, s, b).await
            }
        };
        let (after, error) = outcome(sent, m.attempts, now, report);
        let mut tx = state.store.write().await?;
        tx.guest_mail_attempted(m.id, after, error.as_deref())
            .await?;
        tx.commit().await?;
    }
    Ok(())
}
