//! Files a reply carries (a booking's `.ics` invite, a cancellation, `stats`' heatmap),
//! uploaded to the media repository and posted in the member's DM — as `m.file`, or `m.image`
//! for a PNG: they belong to one person, and a community room is no place for them.

use matrix_sdk::ruma::api::client::media::create_content;
use matrix_sdk::ruma::UserId;
use serde_json::json;

use super::ratelimit::RateClass;
use super::MatrixPlatform;
use crate::engine::Attachment;

impl MatrixPlatform {
    /// Uploads each file and posts it in `user`'s DM. `key` (the command's event id) makes
    /// the posts' transaction ids, so handling the same command twice posts each file once.
    pub(super) async fn send_files_in_dm(
        &self,
        user: &UserId,
        files: &[Attachment],
        key: &str,
    ) -> anyhow::Result<()> {
        let room = self.dm_room(user).await?;
        for (index, file) in files.iter().enumerate() {
            let mut request = create_content::v3::Request::new(file.bytes.clone());
            // The essence only ("text/calendar"): the charset is part of the file's info.
            request.content_type = Some(
                file.media_type
                    .split(';')
                    .next()
                    .unwrap_or(file.media_type)
                    .to_string(),
            );
            request.filename = Some(file.file_name.clone());
            let uploaded = self
                .limiter
                .call(RateClass::Other, "upload a file", || {
                    let request = request.clone();
                    async move {
                        self.client
                            .send(request)
                            .await
                            .map_err(matrix_sdk::Error::from)
                    }
                })
                .await
                .map_err(|error| anyhow::anyhow!("upload {}: {error:?}", file.file_name))?;
            let content = match png_size(&file.bytes) {
                // `stats`' heatmap: an image clients show inline, with its size so they can
                // lay it out before it loads.
                Some((width, height)) => json!({
                    "msgtype": "m.image",
                    "body": file.file_name,
                    "filename": file.file_name,
                    "url": uploaded.content_uri,
                    "info": {
                        "mimetype": request.content_type,
                        "size": file.bytes.len(),
                        "w": width,
                        "h": height,
                    },
                }),
                None => json!({
                    "msgtype": "m.file",
                    "body": file.file_name,
                    "filename": file.file_name,
                    "url": uploaded.content_uri,
                    "info": {"mimetype": request.content_type, "size": file.bytes.len()},
                }),
            };
            self.send_message(&room, content, self.txn_id(&format!("file:{key}:{index}")))
                .await
                .map_err(|error| anyhow::anyhow!("post {}: {error:?}", file.file_name))?;
        }
        Ok(())
    }
}

/// A PNG's width and height, read from its header (the IHDR chunk, which the format puts
/// first); `None` for anything that is not a PNG.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() < 24 || &bytes[..8] != SIGNATURE || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let number =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Some((number(16), number(20)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_header_gives_its_size_and_other_files_none() {
        let map = crate::core::member_stats::FocusHeatmap {
            minutes: [[0; 24]; 7],
        };
        let png = crate::engine::stats_image::heatmap_png(&map).unwrap();
        assert_eq!(
            png_size(&png),
            Some((
                crate::engine::stats_image::WIDTH,
                crate::engine::stats_image::HEIGHT
            ))
        );
        assert_eq!(png_size(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), None);
        assert_eq!(png_size(&png[..20]), None);
    }
}
