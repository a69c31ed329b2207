//! Who holds what of an event in Redis: freeing an owner's seats (and forgetting their holders),
//! and giving a booked seat to a new holder within their `maxTicketsPerUser`.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{fault, millis, OwnerRecord, RedisSeats, BOOKED_SCORE, LOG_MAX_LEN};
use crate::ports::{BackendError, BackendResult, Given, Released, RequestLimit};

impl RedisSeats {
    /// Runs `release.lua` for an owner (a hold or a booking), counting one write of `user` first
    /// with `writes`, then deletes `then` (a hold's pointer) unless the write was limited: in the
    /// same step where the keys share a server (not on a cluster: the pointer has a slot of its
    /// own). With `code`, the owner's use of it is given back unless it was paid for.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn free(
        &self,
        e: Uuid,
        owner: Uuid,
        user: &str,
        seats: &[String],
        owner_record: OwnerRecord,
        code: Option<&str>,
        writes: Option<RequestLimit>,
        now: DateTime<Utc>,
        then: Option<String>,
    ) -> BackendResult<Released> {
        let window = self.write_window(e, user, writes, now);
        let mut inv = self.scripts.release.prepare_invoke();
        inv.key(self.key("holdrec", e, Some(&owner.to_string())))
            .key(self.key("held", e, None))
            .key(self.key("user", e, Some(user)))
            .key(self.log_key(e))
            .key(self.key("holders", e, None))
            .key(self.key("owned", e, None))
            .key(self.code_key(e, code))
            .key(&window.key)
            .key(self.key("line", e, None));
        for k in self.seat_keys(e, seats) {
            inv.key(k);
        }
        self.pointer_in_script(&mut inv, then.as_ref());
        inv.arg(owner.to_string())
            .arg(millis(now))
            .arg(e.to_string())
            .arg(LOG_MAX_LEN)
            .arg(match owner_record {
                OwnerRecord::Required => 1,
                OwnerRecord::Optional => 0,
            })
            .arg(u8::from(code.is_some()))
            .arg(BOOKED_SCORE)
            .arg(window.allowed)
            .arg(window.ms)
            .arg(window.left_ms);
        for s in seats {
            inv.arg(s);
        }
        let mut conn = self.connection().await?;
        let reply: Vec<String> =
            inv.invoke_async(&mut conn).await.map_err(fault("freeing seats"))?;
        let released = match reply.first().map(String::as_str) {
            Some("OK") => Released::Freed { line: reply.get(1).is_some_and(|l| l == "1") },
            Some("GONE") => Released::Gone,
            Some("LIMITED") => Released::Limited {
                retry_after_ms: reply.get(1).and_then(|m| m.parse().ok()).unwrap_or(1).max(1),
            },
            other => {
                return Err(BackendError::permanent(
                    "freeing seats",
                    anyhow::anyhow!("unexpected script reply {other:?}"),
                ))
            }
        };
        let limited = matches!(released, Released::Limited { .. });
        self.forget_after(&mut conn, then, !limited).await?;
        Ok(released)
    }

    /// Runs `give.lua`: `to` becomes the seat's holder if within `in_all`.
    pub(super) async fn give_seat(
        &self,
        e: Uuid,
        seat: &str,
        to: Option<&str>,
        in_all: Option<u32>,
        now: DateTime<Utc>,
    ) -> BackendResult<Given> {
        let to = to.unwrap_or_default();
        let reply: Vec<String> = self
            .scripts
            .give
            .key(self.key("loaded", e, None))
            .key(self.key("holders", e, None))
            .key(self.key("owned", e, None))
            .key(self.key("user", e, Some(to)))
            .arg(seat)
            .arg(to)
            .arg(in_all.unwrap_or(0))
            .arg(millis(now))
            .invoke_async(&mut self.connection().await?)
            .await
            .map_err(fault("giving a seat"))?;
        match (reply.first().map(String::as_str), reply.get(1)) {
            (Some("OK"), was) => {
                Ok(Given::Done { previous: was.filter(|w| !w.is_empty()).cloned() })
            }
            (Some("LIMIT"), Some(n)) => Ok(Given::OverLimit { current: n.parse().unwrap_or(0) }),
            (Some("NOT_LOADED"), _) => Ok(Given::NotLoaded),
            _ => Err(BackendError::permanent(
                "giving a seat",
                anyhow::anyhow!("unexpected script reply {reply:?}"),
            )),
        }
    }
}
