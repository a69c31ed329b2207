//! Per-instance copies of per-event values (an event, its taken seats, its encoded seat map), each
//! served while younger than the caller's limit and refreshed by one request at a time: under a
//! burst, one request reads the store and the others wait and share what it read, instead of all of
//! them asking MySQL or Redis at once; other events go on meanwhile.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::AppResult;

/// Entries kept per cache and instance; past it the cache starts again empty.
const ENTRIES: usize = 10_000;

pub struct Fresh<V> {
    entries: RwLock<HashMap<Uuid, (Instant, Arc<V>)>>,
    turns: RwLock<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>,
}

impl<V> Default for Fresh<V> {
    fn default() -> Self {
        Fresh { entries: RwLock::new(HashMap::new()), turns: RwLock::new(HashMap::new()) }
    }
}

impl<V> Fresh<V> {
    /// The kept value of `id` if it is younger than `max_age`.
    pub fn get(&self, id: Uuid, max_age: Duration) -> Option<Arc<V>> {
        let entries = self.entries.read().ok()?;
        entries.get(&id).filter(|(at, _)| at.elapsed() < max_age).map(|(_, v)| v.clone())
    }

    /// The kept value of `id` if it is younger than `max_age`, else what `load` reads (one `load`
    /// at a time per id; whoever waited for it gets its value).
    pub async fn get_or_load<F, Fut>(
        &self,
        id: Uuid,
        max_age: Duration,
        load: F,
    ) -> AppResult<Arc<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<V>>,
    {
        if let Some(v) = self.get(id, max_age) {
            return Ok(v);
        }
        let turn = self.turn(id);
        let _turn = turn.lock().await;
        if let Some(v) = self.get(id, max_age) {
            return Ok(v);
        }
        let value = Arc::new(load().await?);
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= ENTRIES {
                entries.clear();
            }
            entries.insert(id, (Instant::now(), value.clone()));
        }
        Ok(value)
    }

    /// Drops the kept value of `id` (this instance changed it).
    pub fn forget(&self, id: Uuid) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(&id);
        }
    }

    fn turn(&self, id: Uuid) -> Arc<tokio::sync::Mutex<()>> {
        if let Some(turn) = self.turns.read().ok().and_then(|m| m.get(&id).cloned()) {
            return turn;
        }
        let turn = Arc::new(tokio::sync::Mutex::new(()));
        match self.turns.write() {
            Ok(mut m) => {
                if m.len() >= ENTRIES {
                    m.clear();
                }
                m.entry(id).or_insert(turn).clone()
            }
            Err(_) => turn,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_burst_of_misses_loads_once_and_a_stale_value_loads_again() {
        let cache = Arc::new(Fresh::<usize>::default());
        let loads = Arc::new(AtomicUsize::new(0));
        let id = Uuid::new_v4();
        let mut tasks = Vec::new();
        for _ in 0..32 {
            let (cache, loads) = (cache.clone(), loads.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_load(id, Duration::from_secs(60), || async {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(loads.fetch_add(1, Ordering::SeqCst) + 1)
                    })
                    .await
                    .map(|v| *v)
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), 1, "every waiter shares the one load");
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        let again = cache.get_or_load(id, Duration::ZERO, || async { Ok(7) }).await.unwrap();
        assert_eq!(*again, 7, "a value older than the limit is read again");
        cache.forget(id);
        assert!(cache.get(id, Duration::from_secs(60)).is_none());
    }
}
