//! The messaging ports in memory: history, outbox, publisher, connections, pushes. The waiting
//! room answers with a permanent fault rather than pretend (the fast tier has none).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{not_kept, Memory};
use crate::domain::history::Change;
use crate::domain::message::LogPosition;
use crate::domain::queue::Line;
use crate::ports::{
    ActionClaims, Advanced, BackendResult, Connections, History, HoldHistory, Notifier, Outbox,
    OutboxMessage, Publisher, Pushed, Pusher, Queue, QueueAnswer, QueueTotals, RequestLimit,
    Watermarks,
};

/// The history as the outbox has it (what MySQL's history rows record with each message).
#[async_trait]
impl History for Memory {
    async fn of_booking(&self, booking: Uuid) -> BackendResult<Vec<Change>> {
        let s = self.state();
        let changes = s.outbox.iter().filter_map(|(m, actor)| Change::of(m, actor));
        Ok(changes.filter(|c| c.booking_id == Some(booking)).collect())
    }

    async fn of_seat(&self, event: Uuid, seat: &str) -> BackendResult<Vec<Change>> {
        let s = self.state();
        let changes = s.outbox.iter().filter_map(|(m, actor)| Change::of(m, actor));
        Ok(changes.filter(|c| c.event_id == event && c.seats.iter().any(|x| x == seat)).collect())
    }
}

#[async_trait]
impl HoldHistory for Memory {
    async fn of_seat(&self, event: Uuid, seat: &str) -> BackendResult<Vec<Change>> {
        let s = self.state();
        let of_seat = |c: &&Change| c.event_id == event && c.seats.iter().any(|x| x == seat);
        Ok(s.hold_history.iter().filter(of_seat).cloned().collect())
    }

    async fn archive(&self, changes: &[Change]) -> BackendResult<()> {
        let mut s = self.state();
        for c in changes {
            if !s.hold_history.iter().any(|kept| kept.id == c.id) {
                s.hold_history.push(c.clone());
            }
        }
        Ok(())
    }
}

/// Nothing is relayed in the fast tier: the outbox is read where it is ([`super::TestApp::messages`]).
#[async_trait]
impl Outbox for Memory {
    async fn claim(
        &self,
        _limit: u32,
        _now: DateTime<Utc>,
        _until: DateTime<Utc>,
    ) -> BackendResult<Vec<OutboxMessage>> {
        Ok(Vec::new())
    }

    async fn mark_sent(&self, _seqs: &[u64], _now: DateTime<Utc>) -> BackendResult<()> {
        Ok(())
    }

    async fn unclaim(&self, _seqs: &[u64]) -> BackendResult<()> {
        Ok(())
    }
}

#[async_trait]
impl Publisher for Memory {
    async fn publish(&self, _topic: &str, _key: &str, _payload: &str) -> BackendResult<()> {
        Ok(())
    }
}

/// No WebSocket connections: pushes find no subscriber.
#[async_trait]
impl Connections for Memory {
    async fn connect(
        &self,
        _connection: &str,
        _user: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<()> {
        Ok(())
    }

    async fn subscribe(
        &self,
        _connection: &str,
        _event: Uuid,
        _now: DateTime<Utc>,
    ) -> BackendResult<()> {
        Ok(())
    }

    async fn unsubscribe(&self, _connection: &str, _event: Uuid) -> BackendResult<()> {
        Ok(())
    }

    async fn disconnect(&self, _connection: &str) -> BackendResult<()> {
        Ok(())
    }

    async fn user(&self, _connection: &str) -> BackendResult<Option<String>> {
        Ok(None)
    }

    async fn subscribers(&self, _event: Uuid) -> BackendResult<Vec<String>> {
        Ok(Vec::new())
    }
}

#[async_trait]
impl ActionClaims for Memory {
    async fn claim(&self, key: &str, _now: DateTime<Utc>) -> BackendResult<bool> {
        Ok(self.state().claims.insert(key.to_string()))
    }

    async fn release(&self, key: &str) -> BackendResult<()> {
        self.state().claims.remove(key);
        Ok(())
    }
}

#[async_trait]
impl Watermarks for Memory {
    async fn watermark(&self, _event: Uuid) -> BackendResult<Option<LogPosition>> {
        Ok(None)
    }

    async fn advance(
        &self,
        _event: Uuid,
        _to: LogPosition,
        _now: DateTime<Utc>,
    ) -> BackendResult<()> {
        Ok(())
    }
}

#[async_trait]
impl Pusher for Memory {
    async fn push(&self, _connection: &str, _body: &str) -> BackendResult<Pushed> {
        Ok(Pushed::Gone)
    }
}

#[async_trait]
impl Notifier for Memory {
    async fn email(&self, to: &str, subject: &str, _text: &str) -> BackendResult<()> {
        self.state().sent.push((to.to_string(), subject.to_string()));
        Ok(())
    }

    async fn sms(&self, to: &str, text: &str) -> BackendResult<()> {
        self.state().sent.push((to.to_string(), text.to_string()));
        Ok(())
    }
}

/// The fast tier has no waiting room (its events sell to everyone in their window).
#[async_trait]
impl Queue for Memory {
    async fn join(
        &self,
        _line: Line<'_>,
        _user: &str,
        _now: DateTime<Utc>,
        _limit: RequestLimit,
    ) -> BackendResult<QueueAnswer> {
        Err(not_kept("the waiting room"))
    }

    async fn poll(
        &self,
        _line: Line<'_>,
        _user: &str,
        _now: DateTime<Utc>,
        _limit: RequestLimit,
    ) -> BackendResult<QueueAnswer> {
        Err(not_kept("the waiting room"))
    }

    async fn check(
        &self,
        _line: Line<'_>,
        _user: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<QueueAnswer> {
        Err(not_kept("the waiting room"))
    }

    async fn revoke(
        &self,
        _line: Line<'_>,
        _user: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<QueueAnswer> {
        Err(not_kept("the waiting room"))
    }

    async fn advance(&self, _line: Line<'_>, _now: DateTime<Utc>) -> BackendResult<Advanced> {
        Err(not_kept("the waiting room"))
    }

    async fn totals(&self, _line: Line<'_>, _now: DateTime<Utc>) -> BackendResult<QueueTotals> {
        Err(not_kept("the waiting room"))
    }

    async fn progress(&self, _line: Line<'_>, _now: DateTime<Utc>) -> BackendResult<QueueTotals> {
        Err(not_kept("the waiting room"))
    }

    async fn register(&self, _event: Uuid) -> BackendResult<()> {
        Ok(())
    }

    async fn unregister(&self, _event: Uuid) -> BackendResult<()> {
        Ok(())
    }

    async fn queued_events(&self) -> BackendResult<Vec<Uuid>> {
        Ok(Vec::new())
    }
}
