//! Who is asking: the OpenID Connect client, the login flow both sides share, the session
//! extractors and the built-in test identity provider.

pub mod login;
pub mod oidc;
pub mod session;
pub mod test_idp;
