//! A tiny loopback forwarding proxy, so that WebKit (which has no host-resolver flag) reaches
//! the in-process servers under any host name: `GET http://app.test:PORT/page` goes to
//! `127.0.0.1:PORT` as `GET /page`, and `CONNECT api.test:PORT` (https) becomes a tunnel to
//! `127.0.0.1:PORT`. Only loopback is ever dialled, whatever the name.
//!
//! Each forwarded request gets `Connection: close`, so a client connection carries one
//! request and can never be sent on to the wrong port.

use std::{
    io::{self, BufRead, BufReader, Read, Write},
    net::{Shutdown, TcpListener, TcpStream},
    thread,
    time::Duration,
};

/// How long a proxied connection may stay silent.
const IDLE: Duration = Duration::from_secs(60);

/// The proxy's listening port; it runs until the test binary exits.
pub fn start() -> io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let port = listener.local_addr()?.port();
    thread::spawn(move || {
        for client in listener.incoming().map_while(Result::ok) {
            thread::spawn(move || {
                let _ = forward(client);
            });
        }
    });
    Ok(port)
}

fn forward(client: TcpStream) -> io::Result<()> {
    client.set_read_timeout(Some(IDLE))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let (method, target, version) = match (parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v)) => (m.to_owned(), t.to_owned(), v.to_owned()),
        _ => return Ok(()),
    };
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        let name = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !matches!(
            name.as_str(),
            "connection" | "proxy-connection" | "keep-alive"
        ) {
            head.push(line);
        }
    }
    let mut client = client;
    if method == "CONNECT" {
        let server = TcpStream::connect(("127.0.0.1", port_of(&target, 443)))?;
        client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")?;
        // Bytes the client sent after the CONNECT head (a TLS ClientHello, maybe).
        let early = reader.buffer().to_vec();
        return splice(client, server, &early);
    }
    let Some(rest) = target.strip_prefix("http://") else {
        client.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")?;
        return Ok(());
    };
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let server = TcpStream::connect(("127.0.0.1", port_of(authority, 80)))?;
    let mut forwarded = format!("{method} {path} {version}\r\n").into_bytes();
    for line in &head {
        forwarded.extend_from_slice(line.as_bytes());
    }
    forwarded.extend_from_slice(b"Connection: close\r\n\r\n");
    forwarded.extend_from_slice(reader.buffer());
    splice(client, server, &forwarded)
}

/// The port of `host:port`, or `default`.
fn port_of(authority: &str, default: u16) -> u16 {
    authority
        .rsplit_once(':')
        .and_then(|(_, port)| port.parse().ok())
        .unwrap_or(default)
}

/// Sends `first` to the server, then copies both ways until either side closes.
fn splice(client: TcpStream, mut server: TcpStream, first: &[u8]) -> io::Result<()> {
    server.set_read_timeout(Some(IDLE))?;
    server.write_all(first)?;
    let (mut client_in, mut server_out) = (client.try_clone()?, server.try_clone()?);
    let upstream = thread::spawn(move || {
        let _ = io::copy(&mut client_in, &mut server_out);
        let _ = server_out.shutdown(Shutdown::Write);
    });
    let (mut server_in, mut client_out) = (server, client);
    let _ = copy_all(&mut server_in, &mut client_out);
    let _ = client_out.shutdown(Shutdown::Both);
    let _ = server_in.shutdown(Shutdown::Both);
    let _ = upstream.join();
    Ok(())
}

fn copy_all(from: &mut TcpStream, to: &mut TcpStream) -> io::Result<()> {
    let mut buffer = [0; 16 * 1024];
    loop {
        let n = from.read(&mut buffer)?;
        if n == 0 {
            return Ok(());
        }
        to.write_all(&buffer[..n])?;
    }
}
