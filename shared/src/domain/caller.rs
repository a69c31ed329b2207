//! Who is asking: the identity the API's authorizer vouched for.

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's `sub`.
    pub user_id: String,
    /// `cognito:groups` contains `admin`.
    pub admin: bool,
}

impl Caller {
    /// Whether the caller may see a resource owned by `owner`: its owner or an admin.
    pub fn may_see(&self, owner: &str) -> bool {
        self.admin || self.user_id == owner
    }

    /// Reads `cognito:groups` as API Gateway renders it in claims: a JSON array, the bracketed
    /// space-separated form `[admin users]`, or a plain comma-separated list.
    pub fn groups_include_admin(groups: &str) -> bool {
        if let Ok(list) = serde_json::from_str::<Vec<String>>(groups) {
            return list.iter().any(|g| g == "admin");
        }
        groups
            .trim_matches(|c| c == '[' || c == ']')
            .split(|c: char| c == ' ' || c == ',')
            .any(|g| g.trim_matches('"') == "admin")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_group_is_read_in_every_form_api_gateway_uses() {
        for g in ["[admin]", "[users admin]", "admin", "users,admin", r#"["users","admin"]"#] {
            assert!(Caller::groups_include_admin(g), "{g}");
        }
        for g in ["", "[]", "[administrators]", "users", r#"["adminx"]"#] {
            assert!(!Caller::groups_include_admin(g), "{g}");
        }
    }

    #[test]
    fn only_owners_and_admins_see_a_resource() {
        let user = Caller { user_id: "u1".into(), admin: false };
        assert!(user.may_see("u1"));
        assert!(!user.may_see("u2"));
        assert!(Caller { user_id: "a".into(), admin: true }.may_see("u2"));
    }
}
