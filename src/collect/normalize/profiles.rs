//! Standard profiles under their translated labels.
//!
//! `profileName` (Connected App) and `commaSeparatedProfile` (ECA) hold a profile's label in the
//! org's language (`システム管理者` in a Japanese org), not its language-independent API name
//! (`Admin`). Each label below maps to the API name; the sources are cited in `rules/README.md`
//! ("Standard profile names"). Labels are compared trimmed and without case.

/// (API name, labels in every language with a public source).
const STANDARD_PROFILES: &[(&str, &[&str])] = &[
    (
        "Admin",
        &[
            "Admin",
            "System Administrator",
            "Systemadministrator",
            "Administrador del sistema",
            "Administrateur système",
            "システム管理者",
            "Systeembeheerder",
            "Administrador do sistema",
            "Amministratore del sistema",
            "系统管理员",
        ],
    ),
    (
        "Standard",
        &[
            "Standard User",
            "Standardbenutzer",
            "Usuario estándar",
            "Utilisateur standard",
            "標準ユーザ",
            "標準ユーザー",
            "Standaardgebruiker",
        ],
    ),
    ("ReadOnly", &["Read Only", "Lesezugriff", "Sólo lectura", "Lecture seule", "参照のみ", "Alleen-lezen"]),
];

/// The API name of the standard profile `label` names, if it names one.
pub(crate) fn standard_profile(label: &str) -> Option<&'static str> {
    let label = label.trim().to_lowercase();
    STANDARD_PROFILES
        .iter()
        .find(|(_, labels)| labels.iter().any(|known| known.to_lowercase() == label))
        .map(|(api_name, _)| *api_name)
}

/// The standard profiles among `profiles`, by API name, sorted and unique.
pub(crate) fn standard_profiles(profiles: &[String]) -> Vec<String> {
    let mut names: Vec<String> =
        profiles.iter().filter_map(|profile| standard_profile(profile)).map(str::to_string).collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translated_labels_name_the_standard_profile() {
        for label in [
            "System Administrator",
            "system administrator",
            " Systemadministrator ",
            "システム管理者",
            "Administrateur Système",
            "ADMIN",
        ] {
            assert_eq!(standard_profile(label), Some("Admin"), "{label}");
        }
        assert_eq!(standard_profile("標準ユーザー"), Some("Standard"));
        assert_eq!(standard_profile("Lesezugriff"), Some("ReadOnly"));
    }

    #[test]
    fn the_table_in_the_rules_readme_is_this_one() {
        let readme = include_str!("../../../rules/README.md");
        for (api_name, labels) in STANDARD_PROFILES {
            let row = readme
                .lines()
                .find(|line| line.starts_with(&format!("| `{api_name}` |")))
                .unwrap_or_else(|| panic!("rules/README.md has no row for {api_name}"));
            for label in labels.iter().filter(|label| *label != api_name) {
                assert!(row.contains(label), "the row of {api_name} lacks {label}: {row}");
            }
        }
    }

    #[test]
    fn custom_profiles_are_not_standard_ones() {
        for label in ["Systemadministrator-Kopie", "System Administrator Read Only", "Custom: System Admin", ""] {
            assert_eq!(standard_profile(label), None, "{label}");
        }
        assert_eq!(
            standard_profiles(&["Integration User".into(), "システム管理者".into(), "Admin".into()]),
            vec!["Admin"]
        );
    }
}
