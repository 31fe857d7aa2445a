//! The entry point of the share-link fuzz target (`fuzz/`, run with `cargo fuzz`), here so that a
//! bounded native test can drive it too. It must return, whatever the bytes.

use super::ShareLink;

/// Any bytes as a URL fragment: not a link, or a link whose values the page writes back into a
/// link that reads the same, with nothing ignored.
pub fn share_link(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let Some(parsed) = ShareLink::from_fragment(&text) else {
        return;
    };
    let fragment = parsed.link.to_fragment();
    let again =
        ShareLink::from_fragment(&fragment).expect("a link the page writes should read back");
    assert!(again.ignored.is_empty(), "{fragment}: {:?}", again.ignored);
    assert_eq!(again.link, parsed.link, "{fragment}");
}
