//! A Slack-webhook stand-in on loopback: keeps every JSON body posted to it
//! and answers with the status code the test sets.

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use http::StatusCode;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct Receiver {
    pub port: u16,
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
    status: Arc<AtomicU16>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let mut r = Receiver {
            port: listener.local_addr().expect("addr").port(),
            ..Receiver::default()
        };
        r.status = Arc::new(AtomicU16::new(200));
        let app = axum::Router::new()
            .route("/hook", post(keep))
            .with_state(r.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        r
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// From now on answer with `code`.
    pub fn answer(&self, code: u16) {
        self.status.store(code, Ordering::SeqCst);
    }

    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.bodies.lock().expect("lock").clone()
    }
}

async fn keep(State(r): State<Receiver>, body: Bytes) -> StatusCode {
    let code = r.status.load(Ordering::SeqCst);
    if code == 200 {
        let v = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        r.bodies.lock().expect("lock").push(v);
    }
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
