#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sfaudit_fuzz::forceignore(data));
