//! Agreements and their signatures. A signature records who signed, for which side, and
//! the SHA-256 of the text they were shown; the text is never changed after it is written.

use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An agreement to write.
#[derive(Debug, Clone, Copy)]
pub struct NewAgreement<'a> {
    pub id: &'a str,
    pub application_id: &'a str,
    pub kind: &'a str,
    pub party: &'a str,
    pub party_country: &'a str,
    pub party_signatory: &'a str,
    pub document: &'a str,
    pub sha256: &'a str,
    /// The signed agreement this one carries over (an amendment's, same text).
    pub carried_from: Option<&'a str>,
}

/// An agreement as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: String,
    pub application_id: String,
    pub kind: String,
    pub party: String,
    pub party_country: String,
    pub party_signatory: String,
    pub document: String,
    pub sha256: String,
    pub created_at: i64,
    /// When the last signature came; `None` while one is missing.
    pub signed_at: Option<i64>,
    pub carried_from: Option<String>,
    /// When the case stopped needing it (its parties changed); it no longer holds the
    /// permit back.
    pub replaced_at: Option<i64>,
}

/// A signature as stored, with the signer's name and e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// `controller` (the applicant) or `party`.
    pub side: String,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub sha256: String,
    pub signed_at: i64,
}

const COLUMNS: &str = "id, application_id, kind, party, party_country, party_signatory, document, sha256, created_at, signed_at, carried_from, replaced_at";

fn from_row(r: &AnyRow) -> Result<Agreement> {
    Ok(Agreement {
        id: r.try_get(0)?,
        application_id: r.try_get(1)?,
        kind: r.try_get(2)?,
        party: r.try_get(3)?,
        party_country: r.try_get(4)?,
        party_signatory: r.try_get(5)?,
        document: r.try_get(6)?,
        sha256: r.try_get(7)?,
        created_at: r.try_get(8)?,
        signed_at: r.try_get(9)?,
        carried_from: r.try_get(10)?,
        replaced_at: r.try_get(11)?,
    })
}

impl Store {
    pub async fn agreements_of(&self, application_id: &str) -> Result<Vec<Agreement>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM agreements WHERE application_id = $1 ORDER BY id"
        ))
        .bind(application_id.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    pub async fn agreement(&self, id: &str) -> Result<Option<Agreement>> {
        sqlx::query(&format!("SELECT {COLUMNS} FROM agreements WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    /// The agreements a person signs for a party (their e-mail is its signatory).
    pub async fn agreements_for_signatory(&self, email: &str) -> Result<Vec<Agreement>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM agreements WHERE LOWER(party_signatory) = LOWER($1) ORDER BY created_at DESC, id"
        ))
        .bind(email.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    pub async fn signatures_of(&self, agreement_id: &str) -> Result<Vec<Signature>> {
        sqlx::query(
            "SELECT s.side, s.user_id, u.name, u.email, s.sha256, s.signed_at FROM agreement_signatures s \
             JOIN users u ON u.id = s.user_id WHERE s.agreement_id = $1 ORDER BY s.signed_at, s.side",
        )
        .bind(agreement_id.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(Signature {
                side: r.try_get(0)?,
                user_id: r.try_get(1)?,
                name: r.try_get(2)?,
                email: r.try_get(3)?,
                sha256: r.try_get(4)?,
                signed_at: r.try_get(5)?,
            })
        })
        .collect()
    }
}

impl WriteTx {
    pub async fn create_agreement(
        &mut self,
        src: &AuditSource,
        a: &NewAgreement<'_>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO agreements (id, application_id, kind, party, party_country, party_signatory, document, sha256, created_at, carried_from) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(a.id.to_owned())
        .bind(a.application_id.to_owned())
        .bind(a.kind.to_owned())
        .bind(a.party.to_owned())
        .bind(a.party_country.to_owned())
        .bind(a.party_signatory.to_owned())
        .bind(a.document.to_owned())
        .bind(a.sha256.to_owned())
        .bind(now_unix())
        .bind(a.carried_from.map(str::to_owned))
        .execute(self.conn())
        .await?;
        if let Some(from) = a.carried_from {
            // The same text, signed already: its signatures carry over with it.
            sqlx::query(
                "INSERT INTO agreement_signatures (agreement_id, side, user_id, sha256, signed_at) \
                 SELECT $1, side, user_id, sha256, signed_at FROM agreement_signatures WHERE agreement_id = $2",
            )
            .bind(a.id.to_owned())
            .bind(from.to_owned())
            .execute(self.conn())
            .await?;
            sqlx::query(
                "UPDATE agreements SET signed_at = (SELECT signed_at FROM agreements WHERE id = $1) WHERE id = $2",
            )
            .bind(from.to_owned())
            .bind(a.id.to_owned())
            .execute(self.conn())
            .await?;
        }
        self.audit(
            src,
            "agreement.create",
            "agreement",
            a.id,
            json!({"application": a.application_id, "kind": a.kind, "party": a.party, "sha256": a.sha256, "carried_from": a.carried_from}),
        )
        .await?;
        Ok(())
    }

    /// Records a signature for `side`; `Ok(false)` when that side has signed already. When
    /// both sides have signed, the agreement is signed.
    pub async fn sign_agreement(
        &mut self,
        src: &AuditSource,
        id: &str,
        side: &str,
        user_id: i64,
        sha256: &str,
    ) -> Result<bool> {
        let now = now_unix();
        let n = sqlx::query(
            "INSERT INTO agreement_signatures (agreement_id, side, user_id, sha256, signed_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (agreement_id, side) DO NOTHING",
        )
        .bind(id.to_owned())
        .bind(side.to_owned())
        .bind(user_id)
        .bind(sha256.to_owned())
        .bind(now)
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        let row = sqlx::query("SELECT COUNT(*) FROM agreement_signatures WHERE agreement_id = $1")
            .bind(id.to_owned())
            .fetch_one(self.conn())
            .await?;
        let count: i64 = row.try_get(0)?;
        if count >= 2 {
            sqlx::query("UPDATE agreements SET signed_at = $1 WHERE id = $2 AND signed_at IS NULL")
                .bind(now)
                .bind(id.to_owned())
                .execute(self.conn())
                .await?;
        }
        self.audit(
            src,
            "agreement.sign",
            "agreement",
            id,
            json!({"side": side, "sha256": sha256, "complete": count >= 2}),
        )
        .await?;
        Ok(true)
    }

    /// How many of an application's agreements still wait for a signature, as this
    /// transaction sees them.
    pub async fn unsigned_agreements(&mut self, application_id: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM agreements WHERE application_id = $1 AND signed_at IS NULL AND replaced_at IS NULL",
        )
        .bind(application_id.to_owned())
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Marks an agreement no longer needed by its case.
    pub async fn replace_agreement(&mut self, src: &AuditSource, id: &str) -> Result<()> {
        let n = sqlx::query(
            "UPDATE agreements SET replaced_at = $1 WHERE id = $2 AND replaced_at IS NULL",
        )
        .bind(now_unix())
        .bind(id.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 1 {
            self.audit(src, "agreement.replace", "agreement", id, json!({}))
                .await?;
        }
        Ok(())
    }

    /// The agreements of an application as this transaction sees them.
    pub async fn agreements_of_tx(&mut self, application_id: &str) -> Result<Vec<Agreement>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM agreements WHERE application_id = $1 ORDER BY id"
        ))
        .bind(application_id.to_owned())
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(from_row)
        .collect()
    }
}
