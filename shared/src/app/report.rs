//! The sales report of an event (admins): from MySQL, plus the queue's counts on a waiting-room
//! event. A handful of indexed aggregates in one snapshot: cheap enough to call during an on-sale.

use uuid::Uuid;

use super::{App, AppError, AppResult};
use crate::domain::queue::QueueStats;
use crate::domain::report::SalesReport;
use crate::domain::Caller;

pub async fn sales_report(app: &App, caller: &Caller, event_id: Uuid) -> AppResult<SalesReport> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may read sales reports"));
    }
    let event = app.event(event_id).await?;
    let mut report = app.events.sales(event_id).await?;
    if event.waiting_room.is_some() {
        let t = app.queue.totals(crate::domain::queue::Line::general(&event), app.now()).await?;
        report.queue = Some(QueueStats::new(t.joined, t.served_up_to, t.sold_out, t.admitted));
    }
    Ok(report)
}
