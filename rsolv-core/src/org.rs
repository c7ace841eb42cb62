//! Organization identifiers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// The id of an organization: the unit of isolation in the rule database.
///
/// 1–64 characters of ASCII letters, digits, `-`, `_` and `.`, starting with
/// a letter or digit. The id is kept as written; comparison is exact.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(String);

impl OrgId {
    /// The longest accepted id.
    pub const MAX_LEN: usize = 64;

    /// Validate and wrap an id.
    pub fn new(id: impl Into<String>) -> Result<Self, Error> {
        let id = id.into();
        let reason = if id.is_empty() {
            Some("it is empty")
        } else if id.len() > Self::MAX_LEN {
            Some("it is longer than 64 characters")
        } else if !id.as_bytes()[0].is_ascii_alphanumeric() {
            Some("it must start with a letter or digit")
        } else if !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            Some("only ASCII letters, digits, '-', '_' and '.' are allowed")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(Error::InvalidOrgId { id, reason }),
            None => Ok(Self(id)),
        }
    }

    /// The organization used when none is named.
    pub fn default_org() -> Self {
        Self("default".to_owned())
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for OrgId {
    fn default() -> Self {
        Self::default_org()
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for OrgId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl AsRef<str> for OrgId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for OrgId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OrgId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::new(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_ordinary_ids() {
        for id in ["default", "acme", "acme-corp", "team_7", "a.b", "9lives"] {
            assert!(OrgId::new(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn rejects_bad_ids() {
        for id in [
            "",
            "-x",
            ".hidden",
            "a b",
            "a/b",
            "é",
            "x;drop table",
            &"a".repeat(65),
        ] {
            assert!(OrgId::new(id).is_err(), "{id}");
        }
    }

    #[test]
    fn serde_validates() {
        assert!(serde_json::from_str::<OrgId>("\"ok-org\"").is_ok());
        assert!(serde_json::from_str::<OrgId>("\"bad org\"").is_err());
    }

    proptest! {
        #[test]
        fn valid_ids_round_trip(id in "[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}") {
            let org = OrgId::new(id.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(org.to_string(), id);
        }
    }
}
