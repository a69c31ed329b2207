//! Kafka (MSK) through rdkafka: every client's settings and authentication ([`Kafka`]), and an
//! idempotent producer that waits for every in-sync replica.
//!
//! With `KAFKA_SECURITY=iam` clients speak TLS and authenticate with SASL/OAUTHBEARER, the token
//! being an MSK IAM token: a SigV4-presigned `kafka-cluster:Connect` request signed with the
//! function's credentials (`aws-msk-iam-sasl-signer`), valid 15 minutes and renewed by librdkafka
//! before it runs out. Locally `msk-gate` checks these tokens as MSK does.

use std::error::Error;
use std::ffi::CString;
use std::sync::{Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_credential_types::provider::SharedCredentialsProvider;
use rdkafka::admin::AdminClient;
use rdkafka::client::{Client, OAuthToken};
use rdkafka::config::{ClientConfig, FromClientConfigAndContext};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, StreamConsumer};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::ClientContext;

use crate::config::{Config, KafkaSecurity};
use crate::ports::{BackendError, BackendResult, Publisher};

/// How long signing a token may take (reading the function's credentials included).
const SIGN_WITHIN: Duration = Duration::from_secs(10);

/// The context of every client: signs an MSK IAM token when librdkafka asks for one.
#[derive(Clone, Default)]
pub struct MskContext {
    /// The region tokens are signed for; none without IAM auth.
    region: Option<String>,
    /// Who signs them: the default credentials chain (the function's role) when none.
    signer: Option<SharedCredentialsProvider>,
}

impl ClientContext for MskContext {
    const ENABLE_REFRESH_OAUTH_TOKEN: bool = true;

    fn generate_oauth_token(&self, _: Option<&str>) -> Result<OAuthToken, Box<dyn Error>> {
        let region = self.region.clone().ok_or("OAUTHBEARER without KAFKA_SECURITY=iam")?;
        let signer = self.signer.clone();
        // librdkafka calls this from whatever thread polls the client, a runtime's included: the
        // signer (which may read credentials over HTTP) gets a thread and a runtime of its own.
        let signed = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime
                .block_on(async {
                    let region = aws_config::Region::new(region);
                    let sign = async {
                        match signer {
                        Some(credentials) => {
                            aws_msk_iam_sasl_signer::generate_auth_token_from_credentials_provider(
                                region,
                                credentials,
                            )
                            .await
                        }
                        None => aws_msk_iam_sasl_signer::generate_auth_token(region).await,
                    }
                    };
                    match tokio::time::timeout(SIGN_WITHIN, sign).await {
                        Ok(signed) => signed.map_err(|e| e.to_string()),
                        Err(_) => Err("signing the MSK IAM token timed out".to_string()),
                    }
                })
                .map_err(std::io::Error::other)
        })
        .join()
        .map_err(|_| "the MSK IAM signer panicked")??;
        let (token, lifetime_ms) = signed;
        Ok(OAuthToken { token, principal_name: String::new(), lifetime_ms })
    }
}

impl ConsumerContext for MskContext {}

/// A client [`Kafka::client`] can make.
pub trait KafkaClient: FromClientConfigAndContext<MskContext> {
    /// The librdkafka handle, to give it its first token.
    fn native_ptr(&self) -> *mut rdkafka::types::RDKafka;
}

impl KafkaClient for FutureProducer<MskContext> {
    fn native_ptr(&self) -> *mut rdkafka::types::RDKafka {
        Producer::client(self).native_ptr()
    }
}

impl KafkaClient for StreamConsumer<MskContext> {
    fn native_ptr(&self) -> *mut rdkafka::types::RDKafka {
        Consumer::client(self).native_ptr()
    }
}

impl KafkaClient for BaseConsumer<MskContext> {
    fn native_ptr(&self) -> *mut rdkafka::types::RDKafka {
        Consumer::client(self).native_ptr()
    }
}

impl KafkaClient for AdminClient<MskContext> {
    fn native_ptr(&self) -> *mut rdkafka::types::RDKafka {
        Client::native_ptr(self.inner())
    }
}

/// A Kafka cluster as the configuration names it: its brokers, TLS and authentication.
#[derive(Clone)]
pub struct Kafka {
    settings: ClientConfig,
    context: MskContext,
}

impl Kafka {
    /// The cluster of `KAFKA_BOOTSTRAP_SERVERS`, reached as `KAFKA_SECURITY` says.
    pub fn new(config: &Config) -> Kafka {
        Kafka::at(&config.kafka_bootstrap_servers, config)
    }

    /// [`Kafka::new`] with other bootstrap servers (a test's broker that is away, say).
    pub fn at(bootstrap_servers: &str, config: &Config) -> Kafka {
        let mut settings = ClientConfig::new();
        settings.set("bootstrap.servers", bootstrap_servers);
        let mut context = MskContext::default();
        if config.kafka_security != KafkaSecurity::Plaintext {
            settings
                .set("ssl.ca.location", config.kafka_ca_file.as_deref().unwrap_or("probe"))
                .set("enable.ssl.certificate.verification", "true")
                .set("ssl.endpoint.identification.algorithm", "https");
        }
        match config.kafka_security {
            KafkaSecurity::Plaintext => settings.set("security.protocol", "plaintext"),
            KafkaSecurity::Tls => settings.set("security.protocol", "ssl"),
            KafkaSecurity::Iam => {
                context.region = Some(config.aws_region.clone());
                settings.set("security.protocol", "sasl_ssl").set("sasl.mechanism", "OAUTHBEARER")
            }
        };
        Kafka { settings, context }
    }

    /// This cluster with tokens signed by `credentials` instead of the default chain's.
    pub fn signed_by(mut self, credentials: SharedCredentialsProvider) -> Kafka {
        self.context.signer = Some(credentials);
        self
    }

    /// A client (producer, consumer, admin) of this cluster with `extra` settings. With IAM auth
    /// it holds a token from the start: librdkafka asks for tokens on the client's main queue,
    /// which producers and group consumers poll but an admin client or a metadata lookup never
    /// does (it would wait for a token that never comes); renewals come through the polls.
    pub fn client<T: KafkaClient>(&self, extra: &[(&str, &str)]) -> KafkaResult<T> {
        let mut settings = self.settings.clone();
        for (key, value) in extra {
            settings.set(*key, *value);
        }
        let client = T::from_config_and_context(&settings, self.context.clone())?;
        if self.context.region.is_some() {
            let token = self.context.generate_oauth_token(None).map_err(|e| {
                KafkaError::ClientCreation(format!("signing an MSK IAM token: {e}"))
            })?;
            set_token(client.native_ptr(), &token)?;
        }
        Ok(client)
    }
}

/// Gives a client its OAUTHBEARER token, as rdkafka does when it handles a refresh event.
fn set_token(client: *mut rdkafka::types::RDKafka, token: &OAuthToken) -> KafkaResult<()> {
    let invalid = |_| KafkaError::ClientCreation("a token holds a NUL byte".into());
    let value = CString::new(token.token.as_str()).map_err(invalid)?;
    let principal = CString::new(token.principal_name.as_str()).map_err(invalid)?;
    let mut error = [0 as std::ffi::c_char; 512];
    // SAFETY: `client` is the live handle of a client the caller holds; the strings and the error
    // buffer outlive the call (librdkafka copies the strings); there are no extensions (null, 0).
    let code = unsafe {
        rdkafka::bindings::rd_kafka_oauthbearer_set_token(
            client,
            value.as_ptr(),
            token.lifetime_ms,
            principal.as_ptr(),
            std::ptr::null_mut(),
            0,
            error.as_mut_ptr(),
            error.len(),
        )
    };
    if code == rdkafka::types::RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Ok(());
    }
    // SAFETY: librdkafka writes a NUL-terminated message into the buffer it was given.
    let message = unsafe { std::ffi::CStr::from_ptr(error.as_ptr()) };
    Err(KafkaError::ClientCreation(format!(
        "setting the MSK IAM token: {}",
        message.to_string_lossy()
    )))
}

/// A producer that keeps failing is replaced at most this often.
const RESET_EVERY: Duration = Duration::from_secs(10);

/// The [`Publisher`]. Its producer is made on the first publish (a function that never publishes
/// never starts one) and replaced when it gets stuck.
pub struct KafkaPublisher {
    kafka: Kafka,
    producer: OnceLock<RwLock<FutureProducer<MskContext>>>,
    last_reset: Mutex<Instant>,
    prefix: String,
}

impl KafkaPublisher {
    /// `prefix` is put before every topic name (see `KEY_PREFIX`).
    pub fn new(kafka: Kafka, prefix: &str) -> KafkaPublisher {
        KafkaPublisher {
            kafka,
            producer: OnceLock::new(),
            last_reset: Mutex::new(Instant::now()),
            prefix: prefix.to_string(),
        }
    }

    /// A new producer.
    fn create(&self) -> KafkaResult<FutureProducer<MskContext>> {
        self.kafka.client(&[
            ("enable.idempotence", "true"),
            ("acks", "all"),
            ("message.timeout.ms", "5000"),
            ("socket.timeout.ms", "3000"),
            ("linger.ms", "2"),
        ])
    }

    /// The producer, made on first use.
    fn producer(&self) -> BackendResult<FutureProducer<MskContext>> {
        if let Some(p) = self.producer.get() {
            return p.read().map(|p| p.clone()).map_err(|_| {
                BackendError::permanent("publishing", anyhow::anyhow!("producer lock poisoned"))
            });
        }
        let fresh =
            self.create().map_err(|e| BackendError::transient("starting the Kafka producer", e))?;
        let p = self.producer.get_or_init(|| RwLock::new(fresh));
        p.read().map(|p| p.clone()).map_err(|_| {
            BackendError::permanent("publishing", anyhow::anyhow!("producer lock poisoned"))
        })
    }

    /// After a broker comes back with a new identity (a restarted or failed-over cluster), an
    /// idempotent producer can stay stuck on its old producer id: messages time out forever, or
    /// the producer turns fatal. A new producer starts clean; the outbox sends the messages again.
    fn reset_if_stuck(&self, error: &KafkaError) {
        let Some(producer) = self.producer.get() else { return };
        let fatal = producer.read().map(|p| p.client().fatal_error().is_some()).unwrap_or(false);
        let timed_out =
            matches!(error, KafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut));
        if !(fatal || timed_out) {
            return;
        }
        let Ok(mut last) = self.last_reset.lock() else { return };
        if last.elapsed() < RESET_EVERY {
            return;
        }
        *last = Instant::now();
        match self.create() {
            Ok(fresh) => {
                if let Ok(mut p) = producer.write() {
                    *p = fresh;
                    tracing::warn!(fatal, "Kafka producer replaced");
                }
            }
            Err(e) => tracing::error!(error = %e, "replacing the Kafka producer"),
        }
    }
}

#[async_trait]
impl Publisher for KafkaPublisher {
    async fn publish(&self, topic: &str, key: &str, payload: &str) -> BackendResult<()> {
        let topic = format!("{}{topic}", self.prefix);
        let producer = self.producer()?;
        match producer
            .send(FutureRecord::to(&topic).key(key).payload(payload), Duration::from_secs(5))
            .await
        {
            Ok(_) => Ok(()),
            Err((e, _)) => {
                self.reset_if_stuck(&e);
                Err(BackendError::transient(format!("publishing to {topic}"), e))
            }
        }
    }
}
