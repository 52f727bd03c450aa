//! Keys: a secret, public key or token prepared once, when it is loaded, for one algorithm — the
//! HMAC key schedule computed, the public key decoded and checked — so that no request pays for it.
//! A key never shows its material in `Debug` output.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac as _};
use p256::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use crate::spec::{Algorithm, SecretFormat};
use crate::wire::Signature;

/// Hands the signed bytes, piece by piece, to a sink.
pub(crate) type Feed<'f> = dyn Fn(&mut dyn FnMut(&[u8])) + 'f;

/// A key, ready to verify (and, for secrets and private keys, to sign).
#[derive(Clone)]
pub struct Key {
    pub(crate) material: Material,
    expires_at: Option<i64>,
    /// A verify token for a `GET` handshake, not a signing key.
    handshake_only: bool,
}

#[derive(Clone)]
pub(crate) enum Material {
    HmacSha1(Hmac<Sha1>),
    HmacSha256(Hmac<Sha256>),
    HmacSha512(Hmac<Sha512>),
    Ed25519(ed25519_dalek::VerifyingKey),
    Ed25519Signing(Box<ed25519_dalek::SigningKey>),
    P256(p256::ecdsa::VerifyingKey),
    P256Signing(Box<p256::ecdsa::SigningKey>),
    /// A token or `user:password`, as bytes.
    Token(Box<[u8]>),
}

/// Why a secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The secret is empty.
    #[error("the secret is empty")]
    Empty,
    /// The secret is not of the provider's form.
    #[error("malformed secret: {0}")]
    Malformed(&'static str),
    /// A parameter of the rotation form is not of its shape.
    #[error(
        r#"malformed secret parameter: expected {{"secrets": [{{"value": "...", "expiresAt": "<RFC 3339 time>"}}]}}"#
    )]
    BadRotation,
    /// The provider signs with a private key only it holds.
    #[error("{0} signs with a private key: give --private-key (a test key) to sign as it")]
    PublicKeyOnly(&'static str),
}

impl Key {
    /// A key from a secret exactly as the provider shows it, for `algorithm`, accepted until
    /// `expires_at` (Unix seconds) if given.
    pub fn new(
        algorithm: Algorithm,
        format: SecretFormat,
        secret: &str,
        expires_at: Option<i64>,
    ) -> Result<Key, KeyError> {
        if secret.is_empty() {
            return Err(KeyError::Empty);
        }
        let material = match (algorithm, format) {
            (_, SecretFormat::Whsec) if secret.starts_with("whpk_") => ed25519_public(&base64(&secret[5..])?)?,
            (Algorithm::Ed25519, SecretFormat::Ed25519Base64) => ed25519_public(&base64(secret.trim())?)?,
            (Algorithm::Ed25519, SecretFormat::Ed25519Hex) => ed25519_public(
                &hex::decode(secret.trim())
                    .map_err(|_| KeyError::Malformed("an Ed25519 public key is 64 hex digits"))?,
            )?,
            (Algorithm::EcdsaP256Sha256, _) => {
                let der = base64(secret.trim())?;
                Material::P256(
                    p256::ecdsa::VerifyingKey::from_public_key_der(&der)
                        .map_err(|_| KeyError::Malformed("a P-256 public key is base64 DER (SubjectPublicKeyInfo)"))?,
                )
            }
            (Algorithm::Token | Algorithm::Basic, _) => Material::Token(secret.as_bytes().into()),
            (Algorithm::Ed25519, _) => return Err(KeyError::Malformed("an Ed25519 public key is needed")),
            (hmac, SecretFormat::Whsec) => hmac_key(hmac, &base64(secret.strip_prefix("whsec_").unwrap_or(secret))?)?,
            (hmac, SecretFormat::Base64Bytes) => hmac_key(hmac, &base64(secret.trim())?)?,
            (hmac, SecretFormat::HexBytes) => hmac_key(
                hmac,
                &hex::decode(secret.trim()).map_err(|_| KeyError::Malformed("the secret is hex digits"))?,
            )?,
            (hmac, _) => hmac_key(hmac, secret.as_bytes())?,
        };
        Ok(Key { material, expires_at, handshake_only: false })
    }

    /// A private key a test sender signs with, as `hookway sign --private-key` takes it: an
    /// Ed25519 seed in hex (32 bytes) or `whsk_` and its base64; a P-256 key as base64 PKCS#8 DER.
    pub fn private(algorithm: Algorithm, private_key: &str) -> Result<Key, KeyError> {
        let material = match algorithm {
            _ if private_key.starts_with("whsk_") => ed25519_private(private_key)?,
            Algorithm::Ed25519 => ed25519_private(private_key)?,
            Algorithm::EcdsaP256Sha256 => {
                let der = base64(private_key.trim())?;
                Material::P256Signing(Box::new(
                    p256::ecdsa::SigningKey::from_pkcs8_der(&der)
                        .map_err(|_| KeyError::Malformed("a P-256 private key is base64 PKCS#8 DER"))?,
                ))
            }
            _ => return Err(KeyError::Malformed("only Ed25519 and P-256 providers take a private key")),
        };
        Ok(Key { material, expires_at: None, handshake_only: false })
    }

    /// A verify token for a `GET` handshake (Meta's `hub.verify_token`): used for nothing else.
    pub fn verify_token(token: &str) -> Result<Key, KeyError> {
        if token.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Key { material: Material::Token(token.as_bytes().into()), expires_at: None, handshake_only: true })
    }

    /// Whether the key verifies signatures at Unix time `now`.
    pub fn is_active(&self, now: i64) -> bool {
        !self.handshake_only && self.expires_at.is_none_or(|expires_at| now <= expires_at)
    }

    /// Whether this is a verify token of a `GET` handshake.
    pub fn is_verify_token(&self) -> bool {
        self.handshake_only
    }

    /// When the key stops being accepted, in Unix seconds.
    pub fn expires_at(&self) -> Option<i64> {
        self.expires_at
    }

    /// Whether this is a private key of a public-key provider (a test sender's).
    pub fn is_public_key_pair(&self) -> bool {
        matches!(self.material, Material::Ed25519Signing(_) | Material::P256Signing(_))
    }

    /// The HMAC of `message` with this key, for handshakes that answer with one (Zoom's
    /// `encryptedToken`); `None` for a key that is no HMAC secret.
    pub fn hmac(&self, message: &[u8]) -> Option<Vec<u8>> {
        self.mac_over(&|sink| sink(message)).map(|mac| mac.as_bytes().to_vec())
    }

    /// The HMAC of the bytes `feed` hands its sink, piece by piece; `None` for a key that is no
    /// HMAC secret.
    /// (Kept inline, as a [`Signature`]: no allocation per request.)
    pub(crate) fn mac_over(&self, feed: &Feed<'_>) -> Option<Signature> {
        fn run<M: hmac::Mac + Clone>(mac: &M, feed: &Feed<'_>) -> Option<Signature> {
            let mut mac = mac.clone();
            feed(&mut |bytes| mac.update(bytes));
            Signature::from_bytes(&mac.finalize().into_bytes())
        }
        match &self.material {
            Material::HmacSha1(mac) => run(mac, feed),
            Material::HmacSha256(mac) => run(mac, feed),
            Material::HmacSha512(mac) => run(mac, feed),
            _ => None,
        }
    }

    /// The key's token bytes, for tokens, basic credentials and verify tokens.
    pub fn token_bytes(&self) -> Option<&[u8]> {
        match &self.material {
            Material::Token(token) => Some(token),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self.material {
            Material::HmacSha1(_) => "HMAC-SHA1",
            Material::HmacSha256(_) => "HMAC-SHA256",
            Material::HmacSha512(_) => "HMAC-SHA512",
            Material::Ed25519(_) => "Ed25519 public",
            Material::Ed25519Signing(_) => "Ed25519 private",
            Material::P256(_) => "P-256 public",
            Material::P256Signing(_) => "P-256 private",
            Material::Token(_) => "token",
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("kind", &self.kind())
            .field("secret", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A fresh secret in the form a provider shows it, for a test or local stack.
#[derive(Clone, PartialEq, Eq)]
pub struct Generated {
    /// The secret, token or public key, as the provider would show it.
    pub secret: String,
    /// For public-key providers, the private key a test sender signs with ([`Key::private`]).
    pub private_key: Option<String>,
}

impl fmt::Debug for Generated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generated").field("secret", &"<redacted>").finish_non_exhaustive()
    }
}

/// A fresh secret of a provider's form from 32 random bytes (the caller's generator).
pub fn generate(algorithm: Algorithm, format: SecretFormat, random: [u8; 32]) -> Generated {
    use p256::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};
    let text = |secret: String| Generated { secret, private_key: None };
    match (algorithm, format) {
        (Algorithm::Ed25519, _) => {
            let private = ed25519_dalek::SigningKey::from_bytes(&random);
            let public = private.verifying_key();
            Generated {
                secret: if format == SecretFormat::Ed25519Base64 {
                    BASE64.encode(public.as_bytes())
                } else {
                    hex::encode(public.as_bytes())
                },
                private_key: Some(hex::encode(random)),
            }
        }
        (Algorithm::EcdsaP256Sha256, _) => {
            // 32 random bytes are a valid scalar but with odds of about 2^-32 against: hash again then.
            let mut seed = random;
            let private = loop {
                match p256::ecdsa::SigningKey::from_slice(&seed) {
                    Ok(private) => break private,
                    Err(_) => seed = <Sha256 as sha2::Digest>::digest(seed).into(),
                }
            };
            let public = private.verifying_key().to_public_key_der().map(|der| BASE64.encode(der.as_bytes()));
            let private_der = private.to_pkcs8_der().map(|der| BASE64.encode(der.as_bytes()));
            Generated { secret: public.unwrap_or_default(), private_key: private_der.ok() }
        }
        (_, SecretFormat::Whsec) => text(format!("whsec_{}", BASE64.encode(random))),
        (_, SecretFormat::UserPassword) => text(format!("hookway:{}", hex::encode(&random[..16]))),
        (_, SecretFormat::Base64Bytes) => text(BASE64.encode(random)),
        _ => text(hex::encode(random)),
    }
}

/// An Ed25519 private key: a seed in hex, or `whsk_` and the base64 of a seed (or of libsodium's
/// secret key, the seed followed by the public key).
fn ed25519_private(private_key: &str) -> Result<Material, KeyError> {
    let seed = match private_key.strip_prefix("whsk_") {
        Some(encoded) => base64(encoded)?,
        None => hex::decode(private_key.trim())
            .map_err(|_| KeyError::Malformed("an Ed25519 private key is 64 hex digits, or whsk_…"))?,
    };
    let seed: [u8; 32] = seed
        .get(..32)
        .and_then(|seed| seed.try_into().ok())
        .ok_or(KeyError::Malformed("an Ed25519 private key has 32 bytes"))?;
    Ok(Material::Ed25519Signing(Box::new(ed25519_dalek::SigningKey::from_bytes(&seed))))
}

fn base64(text: &str) -> Result<Vec<u8>, KeyError> {
    BASE64.decode(text).map_err(|_| KeyError::Malformed("expected base64"))
}

fn ed25519_public(bytes: &[u8]) -> Result<Material, KeyError> {
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed("an Ed25519 public key has 32 bytes"))?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map(Material::Ed25519)
        .map_err(|_| KeyError::Malformed("not an Ed25519 public key"))
}

fn hmac_key(algorithm: Algorithm, key: &[u8]) -> Result<Material, KeyError> {
    if key.is_empty() {
        return Err(KeyError::Empty);
    }
    // HMAC takes keys of any length: these cannot fail.
    let invalid = |_| KeyError::Empty;
    Ok(match algorithm {
        Algorithm::HmacSha1 => Material::HmacSha1(Hmac::new_from_slice(key).map_err(invalid)?),
        Algorithm::HmacSha512 => Material::HmacSha512(Hmac::new_from_slice(key).map_err(invalid)?),
        _ => Material::HmacSha256(Hmac::new_from_slice(key).map_err(invalid)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_never_show_their_material() {
        let key = Key::new(Algorithm::HmacSha256, SecretFormat::Text, "hunter2", None).unwrap();
        let debug = format!("{key:?}");
        assert!(!debug.contains("hunter2") && debug.contains("<redacted>"), "{debug}");
        let token = Key::new(Algorithm::Token, SecretFormat::Text, "hunter2", None).unwrap();
        assert!(!format!("{token:?}").contains("hunter2"));
    }

    #[test]
    fn malformed_public_keys_are_refused_with_the_form_expected() {
        let error = Key::new(Algorithm::Ed25519, SecretFormat::Ed25519Hex, "abc", None).unwrap_err();
        assert!(error.to_string().contains("64 hex digits"), "{error}");
        assert!(Key::new(Algorithm::EcdsaP256Sha256, SecretFormat::P256Base64Der, "AAAA", None).is_err());
        assert_eq!(Key::new(Algorithm::HmacSha256, SecretFormat::Text, "", None).unwrap_err(), KeyError::Empty);
    }

    #[test]
    fn generated_secrets_are_usable_keys_and_private_keys_sign() {
        for (algorithm, format) in [
            (Algorithm::HmacSha256, SecretFormat::Text),
            (Algorithm::HmacSha256, SecretFormat::Whsec),
            (Algorithm::Ed25519, SecretFormat::Ed25519Hex),
            (Algorithm::EcdsaP256Sha256, SecretFormat::P256Base64Der),
            (Algorithm::Basic, SecretFormat::UserPassword),
        ] {
            let generated = generate(algorithm, format, [7u8; 32]);
            Key::new(algorithm, format, &generated.secret, None).unwrap();
            if let Some(private) = &generated.private_key {
                Key::private(algorithm, private).unwrap();
            }
            assert!(!format!("{generated:?}").contains(&generated.secret));
        }
    }

    #[test]
    fn verify_tokens_verify_no_signature() {
        let token = Key::verify_token("meta-verify").unwrap();
        assert!(!token.is_active(0) && token.is_verify_token());
    }
}
