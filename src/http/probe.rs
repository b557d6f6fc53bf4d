//! `focusfolk healthcheck`: asks a running instance's `/healthz` over plain HTTP/1.0, so the
//! container image needs no curl. Deliberately tiny: one request to a loopback or container
//! address, the status line read back.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `Ok` when `GET path` on `address` answers 200 within `timeout`; otherwise why not.
pub async fn probe(address: SocketAddr, path: &str, timeout: Duration) -> anyhow::Result<()> {
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        stream
            .write_all(format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").as_bytes())
            .await?;
        let mut head = Vec::new();
        // The status line is all we need; a misbehaving server cannot make us read forever.
        (&mut stream).take(1024).read_to_end(&mut head).await?;
        Ok::<_, std::io::Error>(head)
    };
    let head = tokio::time::timeout(timeout, ask)
        .await
        .map_err(|_| anyhow::anyhow!("http://{address}{path} did not answer within {timeout:?}"))?
        .map_err(|error| anyhow::anyhow!("cannot reach http://{address}{path}: {error}"))?;
    let head = String::from_utf8_lossy(&head);
    let status_line = head.lines().next().unwrap_or_default();
    match status_line.split_whitespace().nth(1) {
        Some("200") => Ok(()),
        _ => anyhow::bail!("http://{address}{path} answered {status_line:?}"),
    }
}

/// The address to probe for a listen address: a wildcard (`0.0.0.0`, `::`) is reached on
/// loopback.
pub fn probe_address(listen: SocketAddr) -> SocketAddr {
    let mut address = listen;
    if address.ip().is_unspecified() {
        address.set_ip(match listen {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    address
}
