use crate::{AuditSource, Result, Store, StoreError, WriteTx, now_unix};
use ork_domain::{Email, Lang, OrgId, PersonName, Role};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A person with an account. The password hash never leaves the server crate's sign-in code.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub email: Email,
    pub name: String,
    pub password_hash: Option<String>,
    pub lang: Lang,
    pub created_at: i64,
    pub disabled: bool,
}

/// One role a user holds for one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub org_id: OrgId,
    pub org_name_da: String,
    pub org_name_en: String,
    pub role: Role,
}

/// What it takes to create a user: the password, if any, already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub name: PersonName,
    pub password_hash: Option<String>,
    pub lang: Lang,
}

const USER_COLUMNS: &str = "id, email, name, password_hash, lang, created_at, disabled_at";

fn user_from_row(row: &AnyRow) -> Result<User> {
    let email: String = row.try_get("email")?;
    let lang: String = row.try_get("lang")?;
    let disabled_at: Option<i64> = row.try_get("disabled_at")?;
    Ok(User {
        id: row.try_get("id")?,
        email: Email::parse(&email)
            .map_err(|e| StoreError::Corrupt(format!("user e-mail: {e}")))?,
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
        lang: Lang::parse(&lang).unwrap_or_default(),
        created_at: row.try_get("created_at")?,
        disabled: disabled_at.is_some(),
    })
}

impl WriteTx {
    /// Creates a user and returns its id. `Conflict` if the e-mail is taken.
    pub async fn create_user(&mut self, src: &AuditSource, u: &NewUser) -> Result<i64> {
        let row = sqlx::query("INSERT INTO users (email, name, password_hash, lang, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(u.email.as_str().to_owned())
            .bind(u.name.as_str().to_owned())
            .bind(u.password_hash.clone())
            .bind(u.lang.code())
            .bind(now_unix())
            .fetch_one(self.conn())
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, format!("user {}", u.email)))?;
        let id: i64 = row.try_get("id")?;
        self.audit(
            src,
            "user.create",
            "user",
            u.email.as_str(),
            json!({"name": u.name.as_str(), "has_password": u.password_hash.is_some()}),
        )
        .await?;
        Ok(id)
    }

    /// Creates a user and grants them roles, in this transaction, each step with its audit
    /// event: what the operator's page and `orkestrator user add` both do.
    pub async fn create_user_with_roles(
        &mut self,
        src: &AuditSource,
        u: &NewUser,
        grants: &[(OrgId, Role)],
    ) -> Result<()> {
        self.create_user(src, u).await?;
        if grants.is_empty() {
            return Ok(());
        }
        let user = self
            .user_by_email_tx(&u.email)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("user {} just created", u.email)))?;
        for (org, role) in grants {
            self.add_membership(src, &user, org, *role).await?;
        }
        Ok(())
    }

    /// Grants a role for an organisation. Granting one already held changes nothing and
    /// returns `false`.
    pub async fn add_membership(
        &mut self,
        src: &AuditSource,
        user: &User,
        org: &OrgId,
        role: Role,
    ) -> Result<bool> {
        if !self.org_exists(org).await? {
            return Err(StoreError::NotFound(format!("organisation {org}")));
        }
        let existing = sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE user_id = $1 AND org_id = $2 AND role = $3")
            .bind(user.id)
            .bind(org.as_str().to_owned())
            .bind(role.code())
            .fetch_one(self.conn())
            .await?;
        if existing.try_get::<i64, _>("n")? > 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user.id)
        .bind(org.as_str().to_owned())
        .bind(role.code())
        .bind(now_unix())
        .execute(self.conn())
        .await?;
        self.audit(
            src,
            "membership.grant",
            "user",
            user.email.as_str(),
            json!({"org": org.as_str(), "role": role.code()}),
        )
        .await?;
        Ok(true)
    }

    /// Takes back a role. Returns `false` when the user did not hold it.
    pub async fn remove_membership(
        &mut self,
        src: &AuditSource,
        user: &User,
        org: &OrgId,
        role: Role,
    ) -> Result<bool> {
        let n =
            sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND org_id = $2 AND role = $3")
                .bind(user.id)
                .bind(org.as_str().to_owned())
                .bind(role.code())
                .execute(self.conn())
                .await?
                .rows_affected();
        if n > 0 {
            self.audit(
                src,
                "membership.revoke",
                "user",
                user.email.as_str(),
                json!({"org": org.as_str(), "role": role.code()}),
            )
            .await?;
        }
        Ok(n > 0)
    }

    /// Disables or re-enables an account. Disabling also ends the user's sessions; their
    /// API tokens stop working while the account is disabled. Returns `false` when nothing
    /// changed.
    pub async fn set_disabled(
        &mut self,
        src: &AuditSource,
        user: &User,
        disabled: bool,
    ) -> Result<bool> {
        if user.disabled == disabled {
            return Ok(false);
        }
        let at = disabled.then(now_unix);
        sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(at)
            .bind(user.id)
            .execute(self.conn())
            .await?;
        let mut ended = 0;
        if disabled {
            ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user.id)
                .execute(self.conn())
                .await?
                .rows_affected();
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        self.audit(
            src,
            action,
            "user",
            user.email.as_str(),
            json!({"sessions_ended": ended}),
        )
        .await?;
        Ok(true)
    }

    pub async fn set_password_hash(
        &mut self,
        src: &AuditSource,
        user: &User,
        hash: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash.to_owned())
            .bind(user.id)
            .execute(self.conn())
            .await?;
        // The hash itself is not audited: it is a secret.
        self.audit(
            src,
            "user.set_password",
            "user",
            user.email.as_str(),
            json!({}),
        )
        .await?;
        Ok(())
    }

    pub async fn set_lang(&mut self, src: &AuditSource, user: &User, lang: Lang) -> Result<()> {
        sqlx::query("UPDATE users SET lang = $1 WHERE id = $2")
            .bind(lang.code())
            .bind(user.id)
            .execute(self.conn())
            .await?;
        self.audit(
            src,
            "user.set_language",
            "user",
            user.email.as_str(),
            json!({"lang": lang.code()}),
        )
        .await?;
        Ok(())
    }

    pub async fn user_by_email_tx(&mut self, email: &Email) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
        ))
        .bind(email.as_str().to_owned())
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }
}

impl Store {
    pub async fn user_by_email(&self, email: &Email) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
        ))
        .bind(email.as_str().to_owned())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY email"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// The user's roles, per organisation, ordered by organisation then role.
    pub async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>> {
        let rows = sqlx::query(
            "SELECT m.org_id, o.name_da, o.name_en, m.role FROM memberships m \
             JOIN organisations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY m.org_id, m.role",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let org: String = row.try_get("org_id")?;
                let role: String = row.try_get("role")?;
                Ok(Membership {
                    org_id: OrgId::parse(&org).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    org_name_da: row.try_get("name_da")?,
                    org_name_en: row.try_get("name_en")?,
                    role: Role::parse(&role)
                        .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?,
                })
            })
            .collect()
    }
}
