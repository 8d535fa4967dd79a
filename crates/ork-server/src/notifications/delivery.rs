//! Delivering the outbox: e-mails over SMTP (when configured) and webhook messages signed
//! per the Standard Webhooks convention — `webhook-id` (the same on every retry),
//! `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body" under the secret>` — retried with exponential backoff on the
//! schedule Standard Webhooks recommends, then given up. Each attempt is recorded; the
//! worker claims a message before sending, so two workers never send one at once.

use crate::AppState;
use crate::i18n::text;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use ork_store::{AfterAttempt, AuditSource, Notification, WebhookAttempt};
use sha2::Sha256;
use std::time::{Duration, Instant};

/// Seconds to wait after the n-th failed attempt (Standard Webhooks' recommended
/// schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h); after the last, it is given up.
pub const RETRY_SECS: [i64; 7] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

/// What follows failed attempt number `attempt` (1 for the first) made at `now`.
pub fn after_failure(attempt: i64, now: i64) -> AfterAttempt {
    usize::try_from(attempt - 1)
        .ok()
        .and_then(|i| RETRY_SECS.get(i))
        .map_or(AfterAttempt::Failed, |s| AfterAttempt::Retry(now + s))
}

/// A new webhook secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

/// The `webhook-signature` header's value for a message, or `None` for a malformed secret.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// What one round of delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub webhooks_delivered: usize,
    pub webhooks_retrying: usize,
    pub webhooks_failed: usize,
    pub emails_sent: usize,
    pub emails_retrying: usize,
    pub emails_failed: usize,
}

pub(crate) fn system() -> AuditSource {
    AuditSource {
        actor: Some("system:outbox".into()),
        org: None,
        source: "outbox".into(),
    }
}

/// Delivers everything due at `now` (at most 100 of each kind a round).
pub async fn deliver_due(state: &AppState, now: i64) -> anyhow::Result<Report> {
    let mut report = Report::default();
    deliver_webhooks(state, now, &mut report).await?;
    deliver_emails(state, now, &mut report).await?;
    crate::advice::mail::deliver(state, now, &mut report).await?;
    Ok(report)
}

async fn deliver_webhooks(state: &AppState, now: i64, report: &mut Report) -> anyhow::Result<()> {
    let due = state.store.webhook_messages_due(now, 100).await?;
    if due.is_empty() {
        return Ok(());
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Dataorkestrator-Webhooks/1")
        .build()?;
    for (msg, hook) in due {
        if !hook.active || !state.store.claim_webhook_message(&msg.id, now).await? {
            continue;
        }
        let started = Instant::now();
        let (status, error) = match sign(&hook.secret, &msg.id, now, &msg.payload) {
            None => (None, Some("the webhook's secret is malformed".to_owned())),
            Some(signature) => {
                let sent = client
                    .post(&hook.url)
                    .header("content-type", "application/json")
                    .header("webhook-id", &msg.id)
                    .header("webhook-timestamp", now.to_string())
                    .header("webhook-signature", signature)
                    .body(msg.payload.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => {
                        (Some(i64::from(r.status().as_u16())), None)
                    }
                    Ok(r) => (
                        Some(i64::from(r.status().as_u16())),
                        Some(format!("the receiver answered {}", r.status())),
                    ),
                    // The error names the address and the cause, never the secret.
                    Err(e) => (None, Some(describe(&e))),
                }
            }
        };
        let attempt = WebhookAttempt {
            at: now,
            status,
            error: error.clone(),
            duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        };
        let after = if error.is_none() {
            report.webhooks_delivered += 1;
            AfterAttempt::Delivered
        } else {
            let a = after_failure(msg.attempts + 1, now);
            match a {
                AfterAttempt::Failed => report.webhooks_failed += 1,
                _ => report.webhooks_retrying += 1,
            }
            a
        };
        let mut tx = state.store.write().await?;
        tx.webhook_attempted(&system(), &msg.id, &attempt, after)
            .await?;
        tx.commit().await?;
        tracing::info!(message = %msg.id, webhook = %hook.id, ?status, ?after, "webhook attempt");
    }
    Ok(())
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer within 10 seconds".into()
    } else if e.is_connect() {
        "could not connect to the receiver".into()
    } else {
        "the request failed".into()
    }
}

/// The e-mail's subject and body for a notification, in the recipient's language.
pub fn email_text(
    lang: ork_domain::Lang,
    n: &Notification,
    title: &str,
    base: &str,
) -> (String, String) {
    let subject = format!(
        "{}: {title}",
        text(lang, &format!("notifications.kind.{}", n.kind))
    );
    let link = match (&n.application_id, &n.question_id) {
        (Some(a), _) => format!("{base}/applications/{a}"),
        (None, Some(q)) => format!("{base}/questions/{q}"),
        (None, None) => format!("{base}/notifications"),
    };
    let body = format!(
        "{subject}\n\n{}\n{link}\n\n{}\n",
        text(lang, "notifications.email_see"),
        text(lang, "notifications.email_footer")
    );
    (subject, body)
}

/// An SMTP connection's settings and the sender, when SMTP is configured.
pub(crate) struct Mailer {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Mailer {
    pub(crate) fn of(state: &AppState) -> anyhow::Result<Option<Self>> {
        use lettre::AsyncSmtpTransport;
        let Some(url) = state.config.smtp_url.as_ref().map(|u| u.0.as_str()) else {
            return Ok(None);
        };
        Ok(Some(Self {
            transport: AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)?
                .timeout(Some(Duration::from_secs(10)))
                .build(),
            from: state.config.mail_from.parse()?,
        }))
    }

    /// Sends one plain-text e-mail; the error says why for the delivery record (never the
    /// message's text).
    pub(crate) async fn send(&self, to: &str, subject: String, body: String) -> Result<(), String> {
        use lettre::{AsyncTransport, Message};
        let to = to
            .parse::<lettre::message::Mailbox>()
            .map_err(|_| "the recipient's address cannot take e-mail".to_owned())?;
        let m = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("the message could not be built: {e}"))?;
        self.transport
            .send(m)
            .await
            .map(drop)
            .map_err(|e| format!("the SMTP server refused or was unreachable: {e}"))
    }
}

async fn deliver_emails(state: &AppState, now: i64, report: &mut Report) -> anyhow::Result<()> {
    let due = state.store.emails_due(now, 100).await?;
    if due.is_empty() {
        return Ok(());
    }
    let Some(mailer) = Mailer::of(state)? else {
        return Ok(());
    };
    let base = state.config.public_base();
    for n in due {
        if !state.store.claim_email(n.id, now).await? {
            continue;
        }
        let Some(user) = state.store.user_by_id(n.user_id).await? else {
            continue;
        };
        let title = match (&n.application_id, &n.question_id) {
            (Some(a), _) => state
                .store
                .application(a)
                .await?
                .map(|a| a.title)
                .unwrap_or_default(),
            (None, Some(q)) => state
                .store
                .question(q)
                .await?
                .map(|q| q.subject)
                .unwrap_or_default(),
            (None, None) => String::new(),
        };
        let (subject, body) = email_text(user.lang, &n, &title, &base);
        let sent = mailer.send(user.email.as_str(), subject, body).await;
        let (after, error) = outcome(sent, n.email_attempts, now, report);
        let mut tx = state.store.write().await?;
        tx.email_attempted(&system(), n.id, after, error.as_deref())
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// What follows an e-mail's attempt, counted in the round's report.
pub(crate) fn outcome(
    sent: Result<(), String>,
    attempts: i64,
    now: i64,
    report: &mut Report,
) -> (AfterAttempt, Option<String>) {
    match sent {
        Ok(()) => {
            report.emails_sent += 1;
            (AfterAttempt::Delivered, None)
        }
        Err(e) => {
            let a = after_failure(attempts + 1, now);
            match a {
                AfterAttempt::Failed => report.emails_failed += 1,
                _ => report.emails_retrying += 1,
            }
            (a, Some(e))
        }
    }
}

/// Runs delivery in the background every `outbox_poll`, for as long as the server runs.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let every = state.config.outbox_poll;
        loop {
            if let Err(e) = deliver_due(&state, ork_store::now_unix()).await {
                tracing::warn!(error = %e, "outbox delivery round failed; trying again");
            }
            tokio::time::sleep(every).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in the Standard Webhooks specification's reference tests: this secret,
    /// id, timestamp and body sign to this value.
    #[test]
    fn signs_like_the_standard_webhooks_reference() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let ts = 1_614_265_330;
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, ts, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign("not-a-secret", id, ts, body), None);
    }

    #[test]
    fn retries_back_off_then_give_up() {
        assert_eq!(after_failure(1, 100), AfterAttempt::Retry(105));
        assert_eq!(after_failure(2, 100), AfterAttempt::Retry(400));
        assert_eq!(after_failure(7, 100), AfterAttempt::Retry(36_100));
        assert_eq!(after_failure(8, 100), AfterAttempt::Failed);
        let s = new_secret();
        assert!(s.starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&s[6..]).map(|k| k.len()).ok(), Some(32));
    }
}
