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

/// The request's JSON with its files attached (text files; others lossily decoded).
pub fn to_json(body: &[u8], boundary: &str) -> Value {
    let delimiter = format!("--{boundary}");
    let text = String::from_utf8_lossy(body);
    let mut payload = Value::Null;
    let mut files = Vec::new();
    for part in text.split(delimiter.as_str()) {
        let Some((head, content)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        let name = header_parameter(head, "name");
        match header_parameter(head, "filename") {
            Some(filename) => files.push(json!({"filename": filename, "content": content})),
            None if name.as_deref() == Some("payload_json") => {
                payload = serde_json::from_str(content).unwrap_or(Value::Null);
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

fn header_parameter(head: &str, key: &str) -> Option<String> {
    let needle = format!(" {key}=\"");
    let start = head.find(&needle)? + needle.len();
    let end = head[start..].find('"')?;
    Some(head[start..start + end].to_string())
}
