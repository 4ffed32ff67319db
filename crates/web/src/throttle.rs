//! Limits on how fast one person, and one client address, may repeat the actions a script
//! repeats: logins, checks of a confirmation code, sending messages and uploading files. Past a
//! limit the portal answers 429 with `Retry-After` and a "Vent litt" page.
//!
//! These are burst limits, kept in the memory of each app process: with N processes behind a
//! load balancer an attacker gets at most N times the rate, still far below what makes an
//! attack pay, and no page view pays for a lock or a database write. The limits that must hold
//! whatever the number of processes (codes sent to a new number or address) are kept in the
//! database (`storage::notifications`). Only the limited actions take a lock here, one of
//! several shards, for a hash map update.
//!
//! The client address is the connection's (the server adds it to each request). Only when a
//! trusted proxy header is configured is the right-most value of that header used instead:
//! that is the value the proxy itself appended; values to its left came from the client and
//! may be anything. A request without any address (the in-process tests serve the router
//! without one) counts against one shared "unknown" key, which only makes the limit stricter.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};

use crate::AppState;
use crate::error::AppError;

/// At most `count` requests at once, refilled evenly over `seconds` (a token bucket: after a
/// burst of `count`, one more every `seconds / count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub seconds: u32,
}

impl Rate {
    pub const fn new(count: u32, seconds: u32) -> Self {
        Self { count, seconds }
    }
}

/// The limits of one kind of action: per person (or staff member) and per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionLimits {
    pub per_person: Rate,
    pub per_address: Rate,
}

/// The limits of every limited action. The defaults are far above what a person does by hand
/// and far below what makes guessing or flooding pay. An address may be shared by many people
/// (a mobile operator's NAT, an office's or a hospital's network), so its limits are many
/// times a person's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Logins: the start, the callback and the test identity provider's form (per number
    /// typed). Ten at once and then one a minute: a person logs in a few times a day.
    pub login: ActionLimits,
    /// Checks of a confirmation code. The database also allows only five wrong tries per code.
    pub code_check: ActionLimits,
    /// Messages sent: e-consultations, "Kontakt legekontoret", prescription renewals and
    /// booking requests. Ten at once and then one a minute: each is written by hand.
    pub message: ActionLimits,
    /// Upload forms with files (at most three files per message).
    pub upload: ActionLimits,
    /// The office's answers to citizens (per staff member): answers, booking confirmations
    /// and rejections, appointments set up, renewals approved or declined. Sixty at once and
    /// then one every ten seconds: a busy office works through its queue quickly.
    pub office_answer: ActionLimits,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            login: ActionLimits {
                per_person: Rate::new(10, 600),
                per_address: Rate::new(600, 60),
            },
            code_check: ActionLimits {
                per_person: Rate::new(10, 600),
                per_address: Rate::new(300, 60),
            },
            message: ActionLimits {
                per_person: Rate::new(10, 600),
                per_address: Rate::new(300, 60),
            },
            upload: ActionLimits {
                per_person: Rate::new(30, 600),
                per_address: Rate::new(600, 60),
            },
            office_answer: ActionLimits {
                per_person: Rate::new(60, 600),
                per_address: Rate::new(600, 60),
            },
        }
    }
}

/// A limited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Login,
    CodeCheck,
    Message,
    Upload,
    OfficeAnswer,
}

impl RateLimits {
    /// Every limit's count multiplied by `factor`, for a load test whose many simulated
    /// people come from one machine.
    pub fn scaled(self, factor: u32) -> Self {
        let scale = |limits: ActionLimits| ActionLimits {
            per_person: Rate::new(
                limits.per_person.count.saturating_mul(factor),
                limits.per_person.seconds,
            ),
            per_address: Rate::new(
                limits.per_address.count.saturating_mul(factor),
                limits.per_address.seconds,
            ),
        };
        Self {
            login: scale(self.login),
            code_check: scale(self.code_check),
            message: scale(self.message),
            upload: scale(self.upload),
            office_answer: scale(self.office_answer),
        }
    }

    fn of(&self, action: Action) -> ActionLimits {
        match action {
            Action::Login => self.login,
            Action::CodeCheck => self.code_check,
            Action::Message => self.message,
            Action::Upload => self.upload,
            Action::OfficeAnswer => self.office_answer,
        }
    }
}

/// Who acts, for the limit per person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Citizen(i64),
    Staff(i64),
    /// A number typed at a login form, kept only as a hash.
    Typed(u64),
}

/// The client's address as the limits count it: an IPv6 address by its /64, which one
/// subscriber usually holds whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientAddr {
    Ip(IpAddr),
    /// No address came with the request (only where the router is served without one).
    Unknown,
}

impl ClientAddr {
    fn from_ip(ip: IpAddr) -> Self {
        Self::Ip(match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
            v4 => v4,
        })
    }

    /// The address of a request: from the trusted proxy's header when one is configured and
    /// present, else from the connection.
    pub fn of(headers: &HeaderMap, peer: Option<SocketAddr>, trusted: Option<&HeaderName>) -> Self {
        let forwarded = trusted.and_then(|name| {
            let last = headers.get_all(name).iter().next_back()?;
            let value = last.to_str().ok()?.rsplit(',').next()?.trim();
            value
                .parse::<IpAddr>()
                .ok()
                .or_else(|| value.parse::<SocketAddr>().ok().map(|s| s.ip()))
        });
        match forwarded.or(peer.map(|p| p.ip())) {
            Some(ip) => Self::from_ip(ip),
            None => Self::Unknown,
        }
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| *addr);
        Ok(Self::of(
            &parts.headers,
            peer,
            state.config.trusted_proxy_header.as_ref(),
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Subject(Subject),
    Address(ClientAddr),
}

type Key = (Action, Who);

/// Shards, so that limited actions at the same moment seldom wait for one lock.
const SHARDS: usize = 16;
/// A shard drops its full buckets when it grows past this many keys (and past twice what it
/// kept the last time), so that the map does not grow with every address ever seen.
const PRUNE_FROM: usize = 4096;

#[derive(Default)]
struct Shard {
    /// When each key's bucket is full again ("theoretical arrival time"), in Unix seconds.
    full_at: HashMap<Key, f64>,
    prune_at: usize,
}

/// The buckets of one app process.
pub struct Throttle {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
        }
    }
}

impl Throttle {
    /// A typed number as a key that does not keep the number.
    pub fn typed(&self, value: &str) -> Subject {
        Subject::Typed(self.hasher.hash_one(value))
    }

    /// Counts one request against a key; `Err` holds the seconds until one more is allowed.
    fn take(&self, key: Key, rate: Rate, now: i64) -> Result<(), u64> {
        let count = rate.count.max(1);
        let interval = f64::from(rate.seconds) / f64::from(count);
        let tolerance = interval * f64::from(count - 1);
        let now = now as f64;
        let shard = &self.shards[(self.hasher.hash_one(key) as usize) % SHARDS];
        // A panic elsewhere while holding the lock leaves numbers that are still numbers.
        let mut shard = shard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let full_at = shard.full_at.get(&key).copied().unwrap_or(now).max(now);
        if full_at - now > tolerance {
            return Err((full_at - now - tolerance).ceil().max(1.0) as u64);
        }
        shard.full_at.insert(key, full_at + interval);
        if shard.full_at.len() > shard.prune_at.max(PRUNE_FROM) {
            shard.full_at.retain(|_, full_at| *full_at > now);
            shard.prune_at = shard.full_at.len() * 2;
        }
        Ok(())
    }

    /// Counts an action against the client's address and, when known, the person.
    pub fn check(
        &self,
        limits: &RateLimits,
        action: Action,
        client: ClientAddr,
        subject: Option<Subject>,
        now: i64,
    ) -> Result<(), u64> {
        let limits = limits.of(action);
        self.take((action, Who::Address(client)), limits.per_address, now)?;
        match subject {
            Some(subject) => self.take((action, Who::Subject(subject)), limits.per_person, now),
            None => Ok(()),
        }
    }
}

impl AppState {
    /// Counts a limited action; past the limit, the "Vent litt" page (429 with `Retry-After`).
    pub(crate) fn limit(
        &self,
        action: Action,
        client: ClientAddr,
        subject: Option<Subject>,
    ) -> Result<(), AppError> {
        self.throttle
            .check(&self.config.limits, action, client, subject, self.now())
            .map_err(|wait| {
                // Not above debug: under attack this happens many times a second.
                tracing::debug!(?action, wait, "rate limit reached");
                AppError::too_many_requests(wait)
            })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ip(text: &str) -> ClientAddr {
        ClientAddr::Ip(text.parse().unwrap())
    }

    #[test]
    fn a_burst_then_one_per_interval() {
        let throttle = Throttle::default();
        let rate = Rate::new(3, 60);
        let key = (Action::Message, Who::Subject(Subject::Citizen(1)));
        for _ in 0..3 {
            assert_eq!(throttle.take(key, rate, 1000), Ok(()));
        }
        assert_eq!(throttle.take(key, rate, 1000), Err(20));
        assert_eq!(throttle.take(key, rate, 1019), Err(1));
        assert_eq!(throttle.take(key, rate, 1020), Ok(()));
        assert_eq!(throttle.take(key, rate, 1020), Err(20));
        // Another person, and the same person's other actions, have their own buckets.
        assert_eq!(
            throttle.take(
                (Action::Message, Who::Subject(Subject::Citizen(2))),
                rate,
                1020
            ),
            Ok(())
        );
        assert_eq!(
            throttle.take(
                (Action::Upload, Who::Subject(Subject::Citizen(1))),
                rate,
                1020
            ),
            Ok(())
        );
    }

    #[test]
    fn full_buckets_are_forgotten() {
        let throttle = Throttle::default();
        let rate = Rate::new(1, 1);
        for n in 0..(PRUNE_FROM * SHARDS * 2) as i64 {
            let key = (Action::Login, Who::Subject(Subject::Citizen(n)));
            throttle.take(key, rate, n).unwrap();
        }
        let kept: usize = throttle
            .shards
            .iter()
            .map(|s| s.lock().unwrap().full_at.len())
            .sum();
        assert!(kept <= PRUNE_FROM * SHARDS + SHARDS, "{kept}");
    }

    #[test]
    fn the_address_is_the_connections_unless_a_proxy_header_is_trusted() {
        let peer: SocketAddr = "192.0.2.7:50000".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.4".parse().unwrap(),
        );
        assert_eq!(ClientAddr::of(&headers, Some(peer), None), ip("192.0.2.7"));
        let trusted = HeaderName::from_static("x-forwarded-for");
        assert_eq!(
            ClientAddr::of(&headers, Some(peer), Some(&trusted)),
            ip("198.51.100.4"),
            "the right-most value, the one the proxy added"
        );
        assert_eq!(
            ClientAddr::of(&HeaderMap::new(), Some(peer), Some(&trusted)),
            ip("192.0.2.7"),
            "without the header, the connection's"
        );
        headers.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(
            ClientAddr::of(&headers, Some(peer), Some(&trusted)),
            ip("192.0.2.7")
        );
        assert_eq!(
            ClientAddr::of(&HeaderMap::new(), None, None),
            ClientAddr::Unknown
        );
    }

    #[test]
    fn requests_without_an_address_share_one_limit() {
        let throttle = Throttle::default();
        let limits = RateLimits::default();
        let per_address = limits.login.per_address.count;
        for _ in 0..per_address {
            assert_eq!(
                throttle.check(&limits, Action::Login, ClientAddr::Unknown, None, 1000),
                Ok(())
            );
        }
        assert!(
            throttle
                .check(&limits, Action::Login, ClientAddr::Unknown, None, 1000)
                .is_err()
        );
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64_bit_prefix() {
        let a: SocketAddr = "[2001:db8:1:2:aaaa::1]:443".parse().unwrap();
        let b: SocketAddr = "[2001:db8:1:2:bbbb::2]:443".parse().unwrap();
        let other: SocketAddr = "[2001:db8:1:3::1]:443".parse().unwrap();
        let none = HeaderMap::new();
        assert_eq!(
            ClientAddr::of(&none, Some(a), None),
            ClientAddr::of(&none, Some(b), None)
        );
        assert_ne!(
            ClientAddr::of(&none, Some(a), None),
            ClientAddr::of(&none, Some(other), None)
        );
        let mapped: SocketAddr = "[::ffff:192.0.2.7]:1".parse().unwrap();
        assert_eq!(ClientAddr::of(&none, Some(mapped), None), ip("192.0.2.7"));
    }
}
