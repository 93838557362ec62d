//! An app's trusted IP ranges: a Connected App's `ipRanges` (`start`, `end`; UI "Trusted IP Range
//! for OAuth Web server flow"), an External Client App's `trustedIpRanges` in its OAuth settings
//! (`startIpAddress`, `endIpAddress`; at most 128). Sources:
//! https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_connectedapp.htm ,
//! https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_extlclntappoauthsettings.htm

use crate::xml::Element;

/// The ranges under `root` as `start-end` (a single address as itself), in file order.
pub(crate) fn trusted_ip_ranges(root: &Element) -> Vec<String> {
    let ranges = root.children_named("ipRanges").map(|range| (range.text_of("start"), range.text_of("end")));
    let eca = root
        .children_named("trustedIpRanges")
        .map(|range| (range.text_of("startIpAddress"), range.text_of("endIpAddress")));
    ranges
        .chain(eca)
        .filter_map(|(start, end)| {
            let start = start.map(str::trim).filter(|start| !start.is_empty())?;
            Some(match end.map(str::trim).filter(|end| !end.is_empty() && *end != start) {
                Some(end) => format!("{start}-{end}"),
                None => start.to_string(),
            })
        })
        .collect()
}
