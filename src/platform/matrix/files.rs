//! Files a reply carries (a booking's `.ics` invite, a cancellation), uploaded to the media
//! repository and posted as `m.file` in the member's DM: calendars belong to one person, and
//! a community room is no place for them.

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
            let content = json!({
                "msgtype": "m.file",
                "body": file.file_name,
                "filename": file.file_name,
                "url": uploaded.content_uri,
                "info": {"mimetype": request.content_type, "size": file.bytes.len()},
            });
            self.send_message(&room, content, self.txn_id(&format!("file:{key}:{index}")))
                .await
                .map_err(|error| anyhow::anyhow!("post {}: {error:?}", file.file_name))?;
        }
        Ok(())
    }
}
