//! Discord takes messages with files as `multipart/form-data`: a `payload_json` part with
//! the message and one part per file. The fake reads the JSON as usual and records each file
//! as `{"filename", "content"}` under `_files` of the message data, where tests look for it.

use serde_json::{json, Value};

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<&str> {
    if !content_type.starts_with("multipart/form-data") {
        return None;
    }
    content_type
        .split(';')
        .find_map(|part| part.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
}

/// The request's JSON with its files attached: each file's text (lossily decoded, for text
/// files), its exact bytes in hex (for pictures) and its part's content type.
pub fn to_json(body: &[u8], boundary: &str) -> Value {
    let delimiter = format!("--{boundary}");
    let mut payload = Value::Null;
    let mut files = Vec::new();
    for part in split_bytes(body, delimiter.as_bytes()) {
        let Some(split) = find_bytes(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..split]);
        let content = &part[split + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let name = header_parameter(&head, "name");
        match header_parameter(&head, "filename") {
            Some(filename) => files.push(json!({
                "filename": filename,
                "content": String::from_utf8_lossy(content),
                "hex": hex::encode(content),
                "content_type": header_value(&head, "content-type"),
            })),
            None if name.as_deref() == Some("payload_json") => {
                payload = serde_json::from_slice(content).unwrap_or(Value::Null);
            }
            None => {}
        }
    }
    let target = if payload.get("data").is_some() {
        &mut payload["data"]
    } else {
        &mut payload
    };
    if let Some(object) = target.as_object_mut() {
        object.insert("_files".into(), Value::Array(files));
    }
    payload
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn split_bytes<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find_bytes(body, delimiter) {
        parts.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    parts.push(body);
    parts
}

/// A header's value in a part's head (`Content-Type: image/png`), by case-insensitive name.
fn header_value(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}

fn header_parameter(head: &str, key: &str) -> Option<String> {
    let needle = format!(" {key}=\"");
    let start = head.find(&needle)? + needle.len();
    let end = head[start..].find('"')?;
    Some(head[start..start + end].to_string())
}
