//! The table report of the demo project (src/report/table.rs).

use crate::common::{DEMO, DEMO_AS_OF, assert_matches_sample, code, sfaudit, stdout};

#[test]
fn demo_table_matches_the_committed_sample() {
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF]);
    assert_eq!(code(&output), 1, "the demo has high and critical failures, so the default gate fails");
    assert_matches_sample("demo.table.txt", &stdout(&output));
}

#[test]
fn table_lists_failed_controls_with_your_value_and_the_recommended_value() {
    let output = stdout(&sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--fail-on", "none"]));
    let line = output
        .lines()
        .find(|line| line.contains("CI_Deploy_Pipeline") && line.contains("integration-not-admin-approved"))
        .expect("the self-authorized CI app is listed");
    assert!(line.contains("all_self_authorized") && line.contains("admin_approved"), "{line}");
    assert!(output.contains("Score:"), "{output}");
}
