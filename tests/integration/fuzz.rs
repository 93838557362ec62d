//! The stable-Rust fuzz test: a deterministic mutation loop over seed corpora from `tests/` and
//! `examples/`, run through the same target functions as the cargo-fuzz targets
//! (`src/fuzzing.rs`). Each target gets a few seconds in `cargo test`; set
//! `SFAUDIT_FUZZ_SECONDS` for a longer run (the README's Fuzzing section). A target fails by
//! panicking or by taking more than a few seconds on one input; the input is saved under
//! `target/fuzz-failures/` and named in the failure.
//!
//! `xml_is_refused_wherever_libxml2_refuses_it` is the differential check that found the classes
//! of not-well-formed XML the parser let through (src/xml/strict.rs): every mutated document
//! sfaudit accepts must also be well-formed for `xmllint`.

#![allow(clippy::print_stderr, reason = "a fuzz run reports its execution count, shown with --nocapture")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::repo_root;

use sfaudit::fuzzing as targets;

/// xorshift64*: spread, not secrecy; seeded per target so every run mutates the same way.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        if bound == 0 { 0 } else { (self.next() % bound as u64) as usize }
    }
}

const INTERESTING_BYTES: &[u8] = b"<>&#;\"'=/?![]{}:,\\\n\r\t 0-9xX\x00\x1b\x7f\xff\xc2\x9b";
const NUMBERS: [&[u8]; 7] =
    [b"9223372036854775807", b"-9223372036854775808", b"-1", b"0", b"99999999999999999999", b"1e999", b"-0"];

/// One to four mutations of `input`, with `tokens` of the format and `seeds` to splice from.
fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>], tokens: &[&[u8]]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(9) {
            0 if !data.is_empty() => {
                let index = rng.below(data.len());
                data[index] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let index = rng.below(data.len());
                data[index] = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len())];
            }
            2 => {
                let token = tokens[rng.below(tokens.len())];
                data.splice(at..at, token.iter().copied());
            }
            3 => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at.min(end)..end);
            }
            4 if !data.is_empty() => {
                // Repeat a slice many times: nesting and size bombs.
                let start = rng.below(data.len());
                let end = (start + 1 + rng.below(64)).min(data.len());
                let slice = data[start..end].to_vec();
                let most = if rng.below(10) == 0 { 2_000 } else { 8 };
                let times = 1 + rng.below(most);
                let repeated: Vec<u8> = slice.iter().copied().cycle().take(slice.len() * times).collect();
                data.splice(end..end, repeated);
            }
            5 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len());
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            6 => {
                let number = NUMBERS[rng.below(NUMBERS.len())];
                let digits = data[at..].iter().take_while(|byte| byte.is_ascii_digit()).count();
                data.splice(at..at + digits, number.iter().copied());
            }
            7 => data.truncate(at),
            _ => {
                let index = rng.below(data.len() + 1);
                data.insert(index.min(data.len()), rng.next() as u8);
            }
        }
    }
    data.truncate(256 * 1024);
    data
}

fn files_under(folder: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|entry| entry.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, extensions, out);
        } else if extensions.iter().any(|extension| path.to_string_lossy().ends_with(extension)) {
            out.push(path);
        }
    }
}

fn seeds(folders: &[&str], extensions: &[&str]) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    for folder in folders {
        files_under(&repo_root().join(folder), extensions, &mut paths);
    }
    let seeds: Vec<Vec<u8>> = paths.iter().filter_map(|path| std::fs::read(path).ok()).collect();
    assert!(!seeds.is_empty(), "no seeds under {folders:?}");
    seeds
}

/// How long each target runs: a few seconds in `cargo test`, longer on request.
fn budget() -> Duration {
    let seconds = std::env::var("SFAUDIT_FUZZ_SECONDS").ok().and_then(|text| text.parse().ok()).unwrap_or(4);
    Duration::from_secs(seconds)
}

fn run(name: &str, seed_corpus: Vec<Vec<u8>>, tokens: &[&[u8]], target: fn(&[u8])) {
    let mut rng =
        Rng(0x9E37_79B9_7F4A_7C15 ^ name.bytes().fold(0u64, |hash, byte| hash.rotate_left(5) ^ u64::from(byte)));
    let started = Instant::now();
    let mut executions = 0u64;
    // Every seed as it is first, then mutations of mutations.
    let mut pool = seed_corpus.clone();
    while executions < seed_corpus.len() as u64 || started.elapsed() < budget() {
        let input = if (executions as usize) < seed_corpus.len() {
            seed_corpus[executions as usize].clone()
        } else {
            let parent = pool[rng.below(pool.len())].clone();
            mutate(&mut rng, &parent, &seed_corpus, tokens)
        };
        let one = Instant::now();
        let outcome = std::panic::catch_unwind(|| target(&input));
        let took = one.elapsed();
        if outcome.is_err() || took > Duration::from_secs(5) {
            let folder = repo_root().join("target").join("fuzz-failures");
            let _ = std::fs::create_dir_all(&folder);
            let saved = folder.join(format!("{name}-{executions}.bin"));
            let _ = std::fs::write(&saved, &input);
            panic!(
                "fuzz target {name} {} on input {executions} (saved to {}): {:?}",
                if outcome.is_err() { "panicked" } else { "took too long" },
                saved.display(),
                String::from_utf8_lossy(&input[..input.len().min(300)])
            );
        }
        if rng.below(8) == 0 && pool.len() < 512 {
            pool.push(input);
        }
        executions += 1;
    }
    eprintln!("fuzz {name}: {executions} executions in {:?}, no failure", started.elapsed());
}

const XML_TOKENS: [&[u8]; 24] = [
    b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    b"<?xml\"UTF-8\"?>",
    b" encoding=\"latin1\"",
    b" xmlns=\"http://soap.sforce.com/2006/04/metadata\"",
    b" xmlns=\"a\"",
    b" xmlns:x=\"b\"",
    b"&#xD800;",
    b"&#x110000;",
    b"&#0;",
    b"&#65;",
    b"&amp;",
    b"&lt;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<!DOCTYPE a [<!ENTITY e \"x\">]>",
    b"<?pi x?>",
    b"<consumerSecret><value>S</value></consumerSecret>",
    b"<refreshTokenPolicy>specific_lifetime:9223372036854775807:HOURS</refreshTokenPolicy>",
    b"<sessionTimeout>-1</sessionTimeout>",
    b"<a><a><a><a><a><a><a><a>",
    b"</a>",
    b"\xef\xbb\xbf",
];

const JSON_TOKENS: [&[u8]; 16] = [
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\u0000",
    b"\\ud800",
    b"null",
    b"true",
    b"1e308",
    b"-1",
    b"\"errorCode\":",
    b"\"message\":\"\\nselect x\\n   ^\\nERROR at Row:1:Column:4\\nNo such column\"",
    b"[[[[[[[[[[",
    b"\"records\":[",
    b"\"schema_version\":1",
];

#[test]
fn fuzz_metadata_xml() {
    run(
        "metadata_xml",
        seeds(&["examples", "tests/fixtures/salesforce/soap"], &[".xml"]),
        &XML_TOKENS,
        targets::metadata_xml,
    );
}

#[test]
fn fuzz_certificate() {
    let mut corpus = seeds(&["examples/demo-org/certs"], &[".crt"]);
    // The DER inside each PEM too, so mutations reach the ASN.1 reader directly.
    let der: Vec<Vec<u8>> = corpus
        .iter()
        .filter_map(|pem| {
            let text = String::from_utf8_lossy(pem);
            let body: String = text.lines().filter(|line| !line.starts_with("-----")).collect();
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body.trim()).ok()
        })
        .collect();
    corpus.extend(der);
    let tokens: [&[u8]; 6] = [
        b"-----BEGIN CERTIFICATE-----\n",
        b"-----END CERTIFICATE-----",
        b"\x30\x82\xff\xff",
        b"\x17\x0d",
        b"\x18\x0f99991231235959Z",
        b"=",
    ];
    run("certificate", corpus, &tokens, targets::certificate);
}

#[test]
fn fuzz_soap_response() {
    run("soap_response", seeds(&["tests/fixtures/salesforce/soap"], &[".xml"]), &XML_TOKENS, targets::soap_response);
}

#[test]
fn fuzz_rest_json() {
    run(
        "rest_json",
        seeds(&["tests/fixtures/salesforce/rest", "tests/fixtures/salesforce/oauth"], &[".json"]),
        &JSON_TOKENS,
        targets::rest_json,
    );
}

#[test]
fn fuzz_config() {
    let mut corpus = seeds(&["examples"], &[".toml"]);
    corpus.push(
        b"fail_on = \"high\"\nformats = [\"table\", \"sarif\"]\nselect = [\"certificates\"]\nignore = []\n\
          baseline = \"b.json\"\n[severity]\n\"pkce-not-required\" = \"medium\"\n[params]\ncert_expiry_high_days = 30\n\
          [orgs.production]\ninstance_url = \"https://login.salesforce.com\"\nclient_id = \"3MVG9\"\n\
          [[suppressions]]\nrule = \"full-scope-granted\"\napp = \"Legacy_*\"\nreason = \"vendor\"\nexpires = 2027-03-31\n"
            .to_vec(),
    );
    let tokens: [&[u8]; 12] = [
        b"[[suppressions]]\nrule = \"x\"\nreason = \"r\"\nexpires = 2027-13-45\n",
        b"[orgs.p]\ninstance_url = \"http://x\"\n",
        b"fail_on = \"none\"\n",
        b"formats = [\"table\", 1]\n",
        b"[params]\nx = 9223372036854775807\n",
        b"suppressions_file = \"/dev/zero\"\n",
        b"\"\"\"",
        b"= = =",
        b"[severity]\n\"a\" = \"loud\"\n",
        b"jwt_key = \"secret\"\n",
        b"default_org = \"none\"\n",
        b"\n",
    ];
    run("config", corpus, &tokens, targets::config);
}

#[test]
fn fuzz_forceignore() {
    let mut corpus = seeds(&["tests/fixtures/forceignore"], &[".forceignore"]);
    corpus
        .extend(seeds(&["tests/realworld9/forceignore", "tests/realworld9/forceignore-reinclude"], &[".forceignore"]));
    let tokens: [&[u8]; 12] =
        [b"**/", b"**", b"*", b"?", b"!", b"\\", b"[", b"]", b"\t", b"\xef\xbb\xbf", b"\xc5\xbf", b"/\n"];
    run("forceignore", corpus, &tokens, targets::forceignore);
}

#[test]
fn fuzz_results_document() {
    // The demo's results document (version 2, and version 1 as an earlier sfaudit wrote it), cut
    // down to two apps and a few of their results so one render is fast.
    let read = |path: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(repo_root().join(path)).expect("document")).expect("json")
    };
    let cut = |full: serde_json::Value| {
        let mut small = full.clone();
        let apps = full["inventory"]["apps"].as_array().expect("apps")[..2].to_vec();
        let kept = |result: &&serde_json::Value| {
            apps.iter()
                .any(|app| app["name"] == result["resource"]["name"] && app["kind"] == result["resource"]["kind"])
        };
        small["results"] = full["results"].as_array().expect("results").iter().filter(kept).take(6).cloned().collect();
        small["inventory"]["apps"] = serde_json::Value::Array(apps);
        small
    };
    let small = cut(read("sample-reports/demo.json"));
    let small_v1 = cut(read("tests/fixtures/results/demo-v1.json"));
    for seed in [&small, &small_v1] {
        assert_eq!(seed["results"].as_array().map(Vec::len), Some(6));
        let read_back = sfaudit::document::parse("seed.json", &seed.to_string());
        assert!(read_back.is_ok(), "a seed is not read as a results document: {:?}", read_back.err());
    }
    let mut snapshot = small["inventory"].clone();
    snapshot["source"]["kind"] = serde_json::json!("snapshot");
    let corpus = vec![
        serde_json::to_vec_pretty(&small).expect("json"),
        serde_json::to_vec(&small).expect("json"),
        serde_json::to_vec(&small_v1).expect("json"),
        serde_json::to_vec(&snapshot).expect("json"),
    ];
    run("results_document", corpus, &JSON_TOKENS, targets::results_document);
}

/// Every mutated document sfaudit accepts, libxml2 accepts too (with `xmllint`, which `.ci/run`
/// installs: under CI the check fails without it; on a developer machine it is skipped, loudly).
#[test]
fn xml_is_refused_wherever_libxml2_refuses_it() {
    let available =
        std::process::Command::new("xmllint").arg("--version").output().is_ok_and(|output| output.status.success());
    if !available {
        assert!(std::env::var_os("CI").is_none(), "xmllint is required in CI: apt-get install -y libxml2-utils");
        eprintln!("xmllint is not installed: the differential XML check is skipped");
        return;
    }
    let corpus = seeds(&["examples/demo-org/force-app", "tests/fixtures/salesforce/soap"], &[".xml"]);
    let folder = tempfile::tempdir().expect("temp dir");
    let mut rng = Rng(0x0005_EED0_F11B_0A3D);
    let mut accepted: Vec<PathBuf> = Vec::new();
    let mut count = 0;
    let rounds = std::env::var("SFAUDIT_FUZZ_SECONDS")
        .ok()
        .and_then(|text| text.parse::<usize>().ok())
        .map_or(3_000, |s| s * 1_000);
    for round in 0..rounds {
        let parent = &corpus[rng.below(corpus.len())];
        let input = mutate(&mut rng, parent, &corpus, &XML_TOKENS);
        if sfaudit::xml::parse_metadata("x.xml", &input).is_ok() {
            let path = folder.path().join(format!("{round}.xml"));
            std::fs::write(&path, &input).expect("write");
            accepted.push(path);
            count += 1;
        }
    }
    assert!(count > 100, "too few mutations were accepted to compare ({count})");
    for batch in accepted.chunks(200) {
        let output = std::process::Command::new("xmllint")
            .args(["--noout", "--nonet"])
            .args(batch)
            .output()
            .expect("xmllint runs");
        let report = String::from_utf8_lossy(&output.stderr);
        let refused: Vec<&str> = report.lines().filter(|line| line.contains(" error : ")).collect();
        assert!(
            refused.is_empty(),
            "sfaudit accepted XML that libxml2 refuses:\n{}\nfirst file: {}",
            refused.join("\n"),
            refused
                .first()
                .and_then(|line| line.split(':').next())
                .map(|path| std::fs::read_to_string(path).unwrap_or_default())
                .unwrap_or_default()
        );
    }
    eprintln!("xml differential: {count} accepted mutations, all well-formed for xmllint");
}
