//! Who is asking: the identity the API's authorizer vouched for.

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's `sub`.
    pub user_id: String,
    /// `cognito:groups` contains `admin`.
    pub admin: bool,
    /// `cognito:groups` contains `staff` (scans tickets at the door).
    pub staff: bool,
    /// Where the caller's notifications go.
    pub contact: Contact,
}

/// A user's email and phone number as their token had them (`email`, `phone_number`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Contact {
    /// Keeps the values that look like an address and an E.164 number; anything else is dropped
    /// rather than sent to.
    pub fn new(email: Option<&str>, phone: Option<&str>) -> Contact {
        let email = email.map(str::trim).filter(|e| {
            e.len() <= 254
                && e.split_once('@').is_some_and(|(a, d)| !a.is_empty() && d.contains('.'))
        });
        let phone = phone.map(str::trim).filter(|p| {
            p.len() <= 16
                && p.starts_with('+')
                && p.len() > 8
                && p[1..].bytes().all(|b| b.is_ascii_digit())
        });
        Contact { email: email.map(String::from), phone: phone.map(String::from) }
    }
}

impl Caller {
    /// Whether the caller may see a resource owned by `owner`: its owner or an admin.
    pub fn may_see(&self, owner: &str) -> bool {
        self.admin || self.user_id == owner
    }

    /// Whether the caller may scan tickets: staff, or an admin (who may do everything staff may).
    pub fn door_staff(&self) -> bool {
        self.staff || self.admin
    }

    /// Reads `cognito:groups` exactly as API Gateway renders an array claim: `[admin users]`,
    /// names separated by one space. Any other shape grants nothing.
    pub fn groups_include(groups: &str, group: &str) -> bool {
        groups
            .strip_prefix('[')
            .and_then(|g| g.strip_suffix(']'))
            .is_some_and(|list| list.split(' ').any(|g| g == group))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_group_is_read_only_in_the_form_api_gateway_uses() {
        for g in ["[admin]", "[users admin]", "[admin users]"] {
            assert!(Caller::groups_include(g, "admin"), "{g}");
        }
        for g in [
            "",
            "[]",
            "[administrators]",
            "admin",
            "users,admin",
            r#"["users","admin"]"#,
            "[ admin]x",
            "[\"admin\"]",
            "[users,admin]",
        ] {
            assert!(!Caller::groups_include(g, "admin"), "{g}");
        }
    }

    #[test]
    fn only_owners_and_admins_see_a_resource() {
        let user = Caller {
            user_id: "u1".into(),
            admin: false,
            staff: false,
            contact: Contact::default(),
        };
        assert!(user.may_see("u1"));
        assert!(!user.may_see("u2"));
        assert!(Caller {
            user_id: "a".into(),
            admin: true,
            staff: false,
            contact: Contact::default()
        }
        .may_see("u2"));
    }

    #[test]
    fn contact_keeps_only_usable_values() {
        let c = Contact::new(Some(" ann@example.com "), Some("+14155550100"));
        assert_eq!(
            c,
            Contact { email: Some("ann@example.com".into()), phone: Some("+14155550100".into()) }
        );
        assert_eq!(Contact::new(Some("not-an-address"), Some("555-0100")), Contact::default());
        assert_eq!(Contact::new(Some("a@b"), Some("+1")), Contact::default());
    }
}
