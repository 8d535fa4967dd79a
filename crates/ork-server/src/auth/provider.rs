use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use ork_domain::Email;
use ork_store::{Store, User};
use std::future::Future;
use std::pin::Pin;

/// What a person presents to sign in. OpenID Connect (MitID broker, eIDAS) adds a variant
/// carrying the verified claims of the provider's callback.
pub enum Credentials {
    Password { email: String, password: String },
}

/// Why sign-in failed. Deliberately coarse: the user learns only "wrong e-mail or password".
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("wrong credentials")]
    WrongCredentials,
    #[error("account disabled")]
    Disabled,
    #[error("these credentials are not for this provider")]
    NotMine,
    #[error(transparent)]
    Store(#[from] ork_store::StoreError),
}

/// One way of proving who you are. The domain sees only the resulting [`User`]; sessions,
/// audit and roles are the same whichever provider signed the user in.
pub trait SignInProvider: Send + Sync {
    /// Recorded in the audit event of each sign-in: `password`, `oidc:mitid`, `oidc:eidas`…
    fn method(&self) -> &'static str;

    fn authenticate<'a>(
        &'a self,
        store: &'a Store,
        credentials: &'a Credentials,
    ) -> Pin<Box<dyn Future<Output = Result<User, SignInError>> + Send + 'a>>;
}

/// Local accounts with argon2id password hashes.
pub struct LocalPassword;

/// A valid hash of a random password, verified against when the account does not exist
/// so that a wrong e-mail takes as long as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    hash_password(&crate::auth::secrets::random_secret()).unwrap_or_default()
});

impl SignInProvider for LocalPassword {
    fn method(&self) -> &'static str {
        "password"
    }

    fn authenticate<'a>(
        &'a self,
        store: &'a Store,
        credentials: &'a Credentials,
    ) -> Pin<Box<dyn Future<Output = Result<User, SignInError>> + Send + 'a>> {
        Box::pin(async move {
            let Credentials::Password { email, password } = credentials;
            let user = match Email::parse(email) {
                Ok(email) => store.user_by_email(&email).await?,
                Err(_) => None,
            };
            let hash = user
                .as_ref()
                .and_then(|u| u.password_hash.clone())
                .unwrap_or_else(|| DUMMY_HASH.clone());
            let password = password.clone();
            let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                .await
                .unwrap_or(false);
            match user {
                Some(u) if ok && u.password_hash.is_some() => {
                    if u.disabled {
                        Err(SignInError::Disabled)
                    } else {
                        Ok(u)
                    }
                }
                _ => Err(SignInError::WrongCredentials),
            }
        })
    }
}

/// Hashes a password with argon2id (RustCrypto's defaults: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The rule for new passwords: at least 12 characters, at most 1024.
pub fn validate_new_password(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < 12 {
        Err("weak_password.short")
    } else if n > 1024 {
        Err("weak_password.long")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
