//! IP address ranges in CIDR notation — `203.0.113.0/24`, `2001:db8::/32`, or one address — for
//! a source's `allowIps`: the senders that publish the addresses they send from (GitHub, Stripe,
//! Shopify, ...) can be held to them, before their signature is even checked.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// A range of IPv4 or IPv6 addresses: a network address and its prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a range was refused; the message says what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    /// Not an IPv4 or IPv6 address (before the `/`).
    #[error("`{0}` is not an IPv4 or IPv6 address, nor a range such as 203.0.113.0/24 or 2001:db8::/32")]
    Address(String),
    /// The prefix length is not a number within the address's bits.
    #[error("`{text}`: the prefix length must be a number from 0 to {bits}")]
    Prefix {
        /// The range as written.
        text: String,
        /// 32 or 128.
        bits: u8,
    },
    /// Bits are set beyond the prefix: the range is ambiguous, so it is refused.
    #[error("`{text}` has bits set beyond its /{prefix} prefix: write {network}/{prefix}")]
    HostBits {
        /// The range as written.
        text: String,
        /// Its network address.
        network: IpAddr,
        /// Its prefix length.
        prefix: u8,
    },
}

impl Cidr {
    /// The range's network address.
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// The prefix length: 0 to 32 for IPv4, 0 to 128 for IPv6.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `address` lies in the range. An IPv4 address written as IPv6 (`::ffff:203.0.113.7`)
    /// is the IPv4 address it carries.
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = mask(self.prefix, 32);
                u128::from(u32::from(address)) & mask == u128::from(u32::from(network))
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                u128::from(address) & mask(self.prefix, 128) == u128::from(network)
            }
            _ => false,
        }
    }
}

/// The top `prefix` bits of a `bits`-bit address.
fn mask(prefix: u8, bits: u8) -> u128 {
    let all = if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 };
    if prefix == 0 { 0 } else { all & !((1u128 << (bits - prefix)) - 1) }
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Cidr, CidrError> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().map_err(|_| CidrError::Address(text.to_owned()))?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(digits) => digits
                .parse::<u8>()
                .ok()
                .filter(|prefix| *prefix <= bits && digits.bytes().all(|byte| byte.is_ascii_digit()))
                .ok_or(CidrError::Prefix { text: text.to_owned(), bits })?,
        };
        let masked = match network {
            IpAddr::V4(address) => {
                let bits = u128::from(u32::from(address)) & mask(prefix, 32);
                IpAddr::V4(Ipv4Addr::from(u32::try_from(bits).unwrap_or(0)))
            }
            IpAddr::V6(address) => IpAddr::V6(Ipv6Addr::from(u128::from(address) & mask(prefix, 128))),
        };
        if masked != network {
            return Err(CidrError::HostBits { text: text.to_owned(), network: masked, prefix });
        }
        Ok(Cidr { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        text.parse().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ipv4_ranges_hold_their_addresses_and_no_others() {
        let range = cidr("192.30.252.0/22");
        assert!(range.contains(ip("192.30.252.0")));
        assert!(range.contains(ip("192.30.255.255")));
        assert!(!range.contains(ip("192.30.251.255")));
        assert!(!range.contains(ip("192.31.0.0")));
        assert!(cidr("0.0.0.0/0").contains(ip("255.255.255.255")));
        assert!(cidr("203.0.113.7").contains(ip("203.0.113.7")), "one address is a /32");
        assert!(!cidr("203.0.113.7").contains(ip("203.0.113.8")));
    }

    #[test]
    fn ipv6_ranges_hold_their_addresses_and_no_others() {
        let range = cidr("2a0a:a440::/29");
        assert!(range.contains(ip("2a0a:a440::1")));
        assert!(range.contains(ip("2a0a:a447:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert!(!range.contains(ip("2a0a:a448::")));
        assert!(cidr("::/0").contains(ip("2001:db8::1")));
        assert!(cidr("2001:db8::1").contains(ip("2001:db8::1")));
        assert!(!cidr("2001:db8::1").contains(ip("2001:db8::2")));
    }

    #[test]
    fn the_families_do_not_mix_but_a_mapped_ipv4_address_is_ipv4() {
        assert!(!cidr("0.0.0.0/0").contains(ip("2001:db8::1")));
        assert!(!cidr("::/0").contains(ip("203.0.113.7")));
        assert!(cidr("203.0.113.0/24").contains(ip("::ffff:203.0.113.7")));
    }

    #[test]
    fn ranges_render_as_they_parse() {
        for text in ["203.0.113.0/24", "0.0.0.0/0", "10.1.2.3/32", "2001:db8::/32", "::/0", "::1/128"] {
            assert_eq!(cidr(text).to_string(), text);
        }
        assert_eq!(cidr("203.0.113.7").to_string(), "203.0.113.7/32");
        assert_eq!(cidr("2001:DB8::1").to_string(), "2001:db8::1/128");
    }

    #[test]
    fn malformed_ranges_say_what_is_wrong() {
        assert_eq!(
            "203.0.113.7/24".parse::<Cidr>().unwrap_err().to_string(),
            "`203.0.113.7/24` has bits set beyond its /24 prefix: write 203.0.113.0/24"
        );
        assert!(matches!("203.0.113.0/33".parse::<Cidr>(), Err(CidrError::Prefix { bits: 32, .. })));
        assert!(matches!("2001:db8::/129".parse::<Cidr>(), Err(CidrError::Prefix { bits: 128, .. })));
        for text in ["203.0.113.0/+8", "203.0.113.0/", "203.0.113.0/ 8", "10.0.0.0/08x"] {
            assert!(matches!(text.parse::<Cidr>(), Err(CidrError::Prefix { .. })), "{text}");
        }
        for text in ["", "github", "203.0.113", "203.0.113.0.0/8", " 203.0.113.0/24", "2001:db8::g/32"] {
            assert!(matches!(text.parse::<Cidr>(), Err(CidrError::Address(_))), "{text}");
        }
    }
}
