//! The queue between the sync loop and the command workers: one bounded queue per source
//! (a sender), served round-robin, one item per source at a time. A source's items are
//! handled in the order they arrived, one after the other; different sources take turns, so
//! a flood from one never delays another by more than one of the flood's items per worker;
//! and a flood beyond `per_source` waiting items is dropped instead of growing memory.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;

use tokio::sync::Notify;

pub(super) struct FairQueue<K, T> {
    inner: Mutex<Inner<K, T>>,
    /// Woken when a source becomes ready (an item for an idle source, a source finished
    /// with more items waiting) or the queue closes.
    ready: Notify,
    per_source: usize,
}

struct Inner<K, T> {
    waiting: HashMap<K, VecDeque<T>>,
    /// Sources with waiting items and none in hand, in the order they are served: a source is
    /// here exactly when it has waiting items and is not busy.
    turns: VecDeque<K>,
    /// Sources whose item a worker is handling now.
    busy: HashSet<K>,
    /// Sources that have overflowed since their queue was last empty (logged once).
    overflowing: HashSet<K>,
    closed: bool,
}

/// Why an item was not queued.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refused {
    /// The source already has `per_source` items waiting; `first` is true for the first
    /// refusal since its queue was last empty (worth one log line).
    Full {
        first: bool,
    },
    Closed,
}

impl<K: Clone + Eq + Hash, T> FairQueue<K, T> {
    pub(super) fn new(per_source: usize) -> Self {
        FairQueue {
            inner: Mutex::new(Inner {
                waiting: HashMap::new(),
                turns: VecDeque::new(),
                busy: HashSet::new(),
                overflowing: HashSet::new(),
                closed: false,
            }),
            ready: Notify::new(),
            per_source: per_source.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, T>> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `item` behind `source`'s earlier ones.
    pub(super) fn push(&self, source: K, item: T) -> Result<(), Refused> {
        let mut inner = self.lock();
        if inner.closed {
            return Err(Refused::Closed);
        }
        let queue = inner.waiting.entry(source.clone()).or_default();
        if queue.len() >= self.per_source {
            let first = inner.overflowing.insert(source);
            return Err(Refused::Full { first });
        }
        queue.push_back(item);
        let became_ready = queue.len() == 1 && !inner.busy.contains(&source);
        if became_ready {
            inner.turns.push_back(source);
            drop(inner);
            self.ready.notify_one();
        }
        Ok(())
    }

    /// The next source's next item, in turn; `None` once closed. The source is busy until
    /// [`FairQueue::done`]: nobody else gets its next item meanwhile.
    pub(super) async fn next(&self) -> Option<(K, T)> {
        loop {
            let notified = self.ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(taken) = self.try_next() {
                return taken;
            }
            notified.await;
        }
    }

    /// `Some(None)` when closed, `None` when nothing is ready.
    fn try_next(&self) -> Option<Option<(K, T)>> {
        let mut inner = self.lock();
        if inner.closed {
            return Some(None);
        }
        let source = inner.turns.pop_front()?;
        let queue = inner.waiting.get_mut(&source)?;
        let item = queue.pop_front()?;
        if queue.is_empty() {
            inner.waiting.remove(&source);
            inner.overflowing.remove(&source);
        }
        inner.busy.insert(source.clone());
        let more_ready = !inner.turns.is_empty();
        drop(inner);
        if more_ready {
            // Another worker may be idle while this one was the only one woken.
            self.ready.notify_one();
        }
        Some(Some((source, item)))
    }

    /// The worker is finished with `source`'s item; its next one (if any) takes a new turn
    /// at the back of the line.
    pub(super) fn done(&self, source: &K) {
        let mut inner = self.lock();
        inner.busy.remove(source);
        if inner.waiting.contains_key(source) {
            inner.turns.push_back(source.clone());
            drop(inner);
            self.ready.notify_one();
        }
    }

    /// Every worker's `next` returns `None` from now on; waiting items are dropped.
    pub(super) fn close(&self) {
        let mut inner = self.lock();
        inner.closed = true;
        inner.waiting.clear();
        inner.turns.clear();
        drop(inner);
        self.ready.notify_waiters();
    }

    /// Items waiting (not in a worker's hands), over all sources.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().waiting.values().map(VecDeque::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    /// Takes the next item without waiting (the queue must have one ready).
    fn take(queue: &FairQueue<&'static str, u32>) -> (&'static str, u32) {
        queue.try_next().flatten().expect("an item is ready")
    }

    #[test]
    fn sources_take_turns_and_each_keeps_its_order() {
        let queue = FairQueue::new(20);
        for n in 0..5 {
            queue.push("flood", n).unwrap();
        }
        queue.push("ann", 100).unwrap();
        queue.push("ann", 101).unwrap();
        queue.push("ben", 200).unwrap();

        let mut served = Vec::new();
        while let Some(Some((source, item))) = queue.try_next() {
            served.push((source, item));
            queue.done(&source);
        }
        assert_eq!(
            served,
            vec![
                ("flood", 0),
                ("ann", 100),
                ("ben", 200),
                ("flood", 1),
                ("ann", 101),
                ("flood", 2),
                ("flood", 3),
                ("flood", 4),
            ]
        );
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn a_busy_source_waits_for_its_turn_while_others_are_served() {
        let queue = FairQueue::new(20);
        queue.push("ann", 1).unwrap();
        queue.push("ann", 2).unwrap();
        queue.push("ben", 3).unwrap();
        assert_eq!(take(&queue), ("ann", 1));
        // A second worker gets ben, not ann's second command: ann's come one at a time.
        assert_eq!(take(&queue), ("ben", 3));
        assert!(
            queue.try_next().is_none(),
            "ann is busy, nothing else waits"
        );
        queue.done(&"ann");
        assert_eq!(take(&queue), ("ann", 2));
    }

    #[test]
    fn a_flood_is_bounded_per_source_and_others_still_get_in() {
        let queue = FairQueue::new(20);
        let refusals: Vec<Result<(), Refused>> = (0..200).map(|n| queue.push("flood", n)).collect();
        assert!(refusals[..20].iter().all(Result::is_ok));
        assert_eq!(refusals[20], Err(Refused::Full { first: true }));
        assert!(refusals[21..]
            .iter()
            .all(|refused| *refused == Err(Refused::Full { first: false })));
        assert_eq!(queue.len(), 20);
        queue.push("ann", 1).unwrap();
        // Ann is served second, after the one flood item that was first in line.
        assert_eq!(take(&queue), ("flood", 0));
        assert_eq!(take(&queue), ("ann", 1));
        // Room again once the flood drains; the next overflow is logged again.
        queue.done(&"flood");
        for _ in 1..20 {
            let (source, _) = take(&queue);
            queue.done(&source);
        }
        queue.push("flood", 500).unwrap();
    }

    #[tokio::test]
    async fn workers_wait_for_items_and_stop_when_closed() {
        let queue: Arc<FairQueue<&'static str, u32>> = Arc::new(FairQueue::new(20));
        let (served, mut seen) = tokio::sync::mpsc::unbounded_channel();
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let queue = queue.clone();
                let served = served.clone();
                tokio::spawn(async move {
                    while let Some((source, item)) = queue.next().await {
                        let _ = served.send((source, item));
                        queue.done(&source);
                    }
                })
            })
            .collect();
        for n in 0..10 {
            queue
                .push(if n % 2 == 0 { "ann" } else { "ben" }, n)
                .unwrap();
        }
        let mut got = Vec::new();
        while got.len() < 10 {
            got.push(
                tokio::time::timeout(Duration::from_secs(10), seen.recv())
                    .await
                    .expect("served")
                    .unwrap(),
            );
        }
        let order_of = |who| {
            got.iter()
                .filter(|(source, _)| *source == who)
                .map(|(_, n)| *n)
                .collect::<Vec<_>>()
        };
        assert_eq!(order_of("ann"), vec![0, 2, 4, 6, 8]);
        assert_eq!(order_of("ben"), vec![1, 3, 5, 7, 9]);
        queue.close();
        for worker in workers {
            tokio::time::timeout(Duration::from_secs(10), worker)
                .await
                .expect("worker stops")
                .unwrap();
        }
        assert_eq!(queue.push("ann", 99), Err(Refused::Closed));
    }
}
