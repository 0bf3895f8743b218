//! One TLS endpoint (the HTTPS interface or the secure CTI port) of one host: it
//! listens where the running settings say, refuses connections while they say it
//! is not serving, and rebuilds its context whenever the generation changes.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use openssl::ssl::SslContext;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::{TlsQuirks, connection, context};
use crate::host::{Endpoint, SimHost, TlsSettings};

/// How often the generation is polled between connections (it is also checked on
/// every accepted connection, before the handshake).
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Where an endpoint's running settings come from.
pub trait SettingsSource: Send + Sync + 'static {
    /// A number that changes whenever the settings may have changed.
    fn generation(&self) -> u64;
    /// The running settings, or `None` when the endpoint is not serving.
    fn settings(&self) -> Option<TlsSettings>;
    /// What the endpoint is, for logs and the HTTP answer (e.g. `xsp1 https`).
    fn label(&self) -> String;
    /// Which endpoint this is (decides what happens after the handshake).
    fn endpoint(&self) -> Endpoint;
    /// How the endpoint deviates from a modern server (a fault; none by default).
    /// Read on every poll: a change rebuilds the context.
    fn quirks(&self) -> TlsQuirks {
        TlsQuirks::default()
    }

    /// The context paths an HTTPS endpoint answers (the applications deployed on
    /// the host); any other path gets `404`. `None`: every path answers.
    fn web_apps(&self) -> Option<Vec<String>> {
        None
    }
}

/// A simulated host's endpoint as a settings source.
pub struct HostEndpoint {
    host: Arc<SimHost>,
    endpoint: Endpoint,
}

impl HostEndpoint {
    /// The `endpoint` of `host`.
    pub fn new(host: Arc<SimHost>, endpoint: Endpoint) -> HostEndpoint {
        HostEndpoint { host, endpoint }
    }
}

impl SettingsSource for HostEndpoint {
    fn generation(&self) -> u64 {
        self.host.generation()
    }

    fn settings(&self) -> Option<TlsSettings> {
        self.host.tls_settings(self.endpoint)
    }

    fn label(&self) -> String {
        let kind = match self.endpoint {
            Endpoint::Http => "https",
            Endpoint::Cti => "cti",
        };
        format!("{} {kind}", self.host.spec().name)
    }

    fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    fn quirks(&self) -> TlsQuirks {
        self.host.faults().tls
    }

    fn web_apps(&self) -> Option<Vec<String>> {
        (self.endpoint == Endpoint::Http).then(|| self.host.deployed_contexts())
    }
}

/// Options of an endpoint server.
#[derive(Debug, Default)]
pub struct EndpointOptions {
    /// A listener bound in advance (e.g. on a port picked by the OS); used when the
    /// settings ask for its address.
    pub reserved: Option<std::net::TcpListener>,
    /// Whether a non-loopback address may be bound (the Vagrant box); otherwise such
    /// settings are logged and not served.
    pub allow_external: bool,
}

struct Serving {
    address: SocketAddr,
    listener: TcpListener,
}

struct EndpointServer<S: SettingsSource> {
    source: S,
    options: EndpointOptions,
    generation: Option<u64>,
    quirks: TlsQuirks,
    settings: Option<TlsSettings>,
    serving: Option<Serving>,
    context: Option<SslContext>,
}

/// Serves one endpoint until `shutdown` is cancelled.
pub async fn serve<S: SettingsSource>(
    source: S,
    options: EndpointOptions,
    shutdown: CancellationToken,
) {
    let mut server = EndpointServer {
        source,
        options,
        generation: None,
        quirks: TlsQuirks::default(),
        settings: None,
        serving: None,
        context: None,
    };
    loop {
        server.refresh();
        let accepted = tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(POLL_INTERVAL) => continue,
            accepted = accept(server.serving.as_ref()) => accepted,
        };
        let stream = match accepted {
            Ok(stream) => stream,
            Err(error) => {
                tracing::warn!(endpoint = %server.source.label(), %error, "accept failed");
                continue;
            }
        };
        // A connection gets the settings in force when it arrives.
        server.refresh();
        if let Some(context) = &server.context {
            tokio::spawn(connection::serve(
                stream,
                context.clone(),
                server.quirks.clone(),
                server.source.endpoint(),
                server.source.label(),
                server.source.web_apps(),
            ));
        }
    }
}

async fn accept(serving: Option<&Serving>) -> std::io::Result<TcpStream> {
    match serving {
        Some(serving) => serving.listener.accept().await.map(|(stream, _)| stream),
        None => std::future::pending().await,
    }
}

impl<S: SettingsSource> EndpointServer<S> {
    /// Re-reads the settings if the generation or the quirks moved.
    fn refresh(&mut self) {
        let generation = self.source.generation();
        let quirks = self.source.quirks();
        if self.generation == Some(generation) && quirks == self.quirks {
            return;
        }
        self.generation = Some(generation);
        let quirks_moved = quirks != self.quirks;
        self.quirks = quirks;
        let settings = self.source.settings();
        if !quirks_moved
            && settings == self.settings
            && (settings.is_none() || self.serving.is_some())
        {
            return;
        }
        self.settings = settings.clone();
        let Some(settings) = settings else {
            if self.serving.take().is_some() {
                tracing::info!(endpoint = %self.source.label(), "stopped serving");
            }
            self.context = None;
            return;
        };
        self.context = match context::build(&settings, &self.quirks) {
            Ok(context) => Some(context),
            Err(error) => {
                tracing::warn!(endpoint = %self.source.label(), %error, "TLS settings unusable; not serving");
                self.serving = None;
                return;
            }
        };
        let address = SocketAddr::new(settings.address, settings.port);
        if self.serving.as_ref().map(|s| s.address) != Some(address) {
            self.serving = self.listen(address);
        }
    }

    fn listen(&mut self, address: SocketAddr) -> Option<Serving> {
        if !address.ip().is_loopback() && !self.options.allow_external {
            tracing::warn!(endpoint = %self.source.label(), %address, "not a loopback address; not serving");
            return None;
        }
        let reserved = self
            .options
            .reserved
            .take_if(|l| l.local_addr().ok() == Some(address));
        let bound = match reserved {
            Some(listener) => Ok(listener),
            None => std::net::TcpListener::bind(address),
        };
        let listener = bound
            .and_then(|l| {
                l.set_nonblocking(true)?;
                TcpListener::from_std(l)
            })
            .inspect_err(|error| {
                tracing::warn!(endpoint = %self.source.label(), %address, %error, "cannot listen");
            })
            .ok()?;
        tracing::info!(endpoint = %self.source.label(), %address, "serving");
        Some(Serving { address, listener })
    }
}
