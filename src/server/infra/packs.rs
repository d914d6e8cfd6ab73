//! The packs being made and kept (`split::Split` says which modules a pack
//! may hold): each made once, by a task of its own, one at a time, and at
//! most 8 waiting or being made. The pages' own packs are kept for good; of
//! any other set, the 32 asked for most lately.

use super::pack::{compress, pack_modules, Effort, Encoding};
use futures::future::{BoxFuture, FutureExt, Shared};
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Why no pack is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Another build's, a module of none, or a module's file gone (a newer
    /// build deployed): 404, after which `src/boot.js` asks for no more packs.
    Unknown,
    /// Too many packs being made already: 503.
    Busy,
    /// The pack could not be made otherwise (a file unreadable, a bug): 500;
    /// the page fetches these modules one by one and may ask for packs again.
    Failed,
}

/// How many packs may be waiting to be made, or being made, at once: a
/// flood of distinct sets of modules (anyone may ask) costs at most this
/// many compressions, one core's worth at a time.
const QUEUED_PACKS: usize = 8;

/// How many packs of sets that are no page's own are kept (each of a set of
/// modules and an encoding): a release build's are ~300 KB at most, so
/// ~10 MB in all at worst; a debug build's are a few MB each.
const KEPT_PACKS: usize = 32;

/// The packs kept, by the modules they hold and their encoding, with the
/// effort each is made with: `Effort::Best` for a page's own set.
#[derive(Debug, Default)]
struct Made {
    packs: HashMap<(String, Encoding), (Making, Effort)>,
    /// The keys of those that are no page's own (made with `Effort::Quick`),
    /// the one asked for least lately first: at most `KEPT_PACKS`. A page's
    /// own pack is not among them and stays (two encodings of each set the
    /// build's pages name: ~45 in all, ~10 MB in a release build), so however
    /// many other sets anyone asks for, a page's pack is never made again.
    order: VecDeque<(String, Encoding)>,
}

/// A pack being made, or made: every request for it waits for the same job.
type Making = Shared<BoxFuture<'static, Result<axum::body::Bytes, Refused>>>;

/// The packs of one build's modules, under `pkg`.
#[derive(Debug)]
pub(super) struct Packs {
    /// Where the modules are.
    pkg: PathBuf,
    /// The packs made, each once, by one job, when first asked for: the
    /// pages' own for good, of the others the `KEPT_PACKS` asked for most
    /// lately (`Made`).
    made: Mutex<Made>,
    /// One pack is compressed at a time (~50 ms of a core for a page's
    /// ~400 KB): however many sets of modules are asked for at once, the
    /// rest of the server keeps the other core.
    packing: Arc<tokio::sync::Semaphore>,
    /// Jobs started and not yet done (waiting for their turn or packing):
    /// at most `QUEUED_PACKS`, of which one place is kept for a page's own
    /// pack; a pack asked for beyond that is refused (503) rather than
    /// queued, and `src/boot.js` fetches its modules one by one.
    queued: Arc<AtomicUsize>,
}

impl Packs {
    pub(super) fn new(pkg: &Path) -> Packs {
        Packs {
            pkg: pkg.to_path_buf(),
            made: Mutex::default(),
            packing: Arc::new(tokio::sync::Semaphore::new(1)),
            queued: Arc::default(),
        }
    }

    /// The pack of the module files `names` (under `pkg`, no `.wasm`; file
    /// names the caller took from the build's manifest, and refused here
    /// should one name anything but a file in `pkg`), encoded as `encoding`.
    /// `page`: the set is a page's own (`Split::preloads` named it), made
    /// with `Effort::Best` and kept for good; any other is made with
    /// `Effort::Quick` and kept while among the `KEPT_PACKS` latest. A set
    /// made quick before a page named it (asked for by a page of before a
    /// restart, or by anyone) is made again, best, when a page's request
    /// next asks for it; until then, or should no place be free, the quick
    /// one is sent.
    ///
    /// Reading up to ~200 files and compressing up to ~400 KB (50 ms) is done
    /// off the async runtime, one pack at a time (`packing`), by a job of its
    /// own that the requests for that pack wait on together: it runs to its
    /// end should they go away, and the next request waits for the same job,
    /// so no sequence of requests makes the server compress a kept pack twice.
    /// At most `QUEUED_PACKS` jobs wait or run; beyond that a new set is
    /// refused (`Refused::Busy`). A job that failed (a file gone:
    /// `Refused::Unknown`; otherwise `Refused::Failed`) is forgotten, and the
    /// next request starts one anew.
    pub(super) async fn get(
        &self,
        mut names: Vec<String>,
        encoding: Encoding,
        page: bool,
    ) -> Result<axum::body::Bytes, Refused> {
        let plain = |name: &String| {
            !name.is_empty()
                && !name.contains("..")
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        };
        if !names.iter().all(plain) {
            return Err(Refused::Unknown);
        }
        names.sort_unstable();
        names.dedup();
        let key = (names.join(","), encoding);
        let making = {
            let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
            match made.packs.get(&key).cloned() {
                Some((quick, Effort::Quick)) if page => {
                    made.order.retain(|k| k != &key);
                    match self.start(names, encoding, Effort::Best, page) {
                        Ok(best) => {
                            made.packs.insert(key.clone(), (best.clone(), Effort::Best));
                            best
                        }
                        Err(_) => {
                            made.order.push_back(key.clone());
                            quick
                        }
                    }
                }
                Some((making, effort)) => {
                    // Kept the longest now; a page's (best) pack for good,
                    // whoever asks for it.
                    if effort == Effort::Quick {
                        made.order.retain(|k| k != &key);
                        made.order.push_back(key.clone());
                    }
                    making
                }
                None => {
                    let effort = if page { Effort::Best } else { Effort::Quick };
                    let making = self.start(names, encoding, effort, page)?;
                    if effort == Effort::Quick {
                        if made.order.len() >= KEPT_PACKS {
                            if let Some(oldest) = made.order.pop_front() {
                                made.packs.remove(&oldest);
                            }
                        }
                        made.order.push_back(key.clone());
                    }
                    made.packs.insert(key.clone(), (making.clone(), effort));
                    making
                }
            }
        };
        let packed = making.clone().await;
        if packed.is_err() {
            let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
            if made.packs.get(&key).is_some_and(|(m, _)| m.ptr_eq(&making)) {
                made.packs.remove(&key);
                made.order.retain(|k| k != &key);
            }
        }
        packed
    }

    /// Starts the job that makes a pack, unless `QUEUED_PACKS` wait already
    /// (or all but one, the place kept for a `page`'s own pack).
    /// A task of its own: it takes its turn and packs even should every
    /// request for it go away meanwhile (a turn handed to a job nobody polled
    /// would stop all others).
    fn start(
        &self,
        names: Vec<String>,
        encoding: Encoding,
        effort: Effort,
        page: bool,
    ) -> Result<Making, Refused> {
        let places = if page { QUEUED_PACKS } else { QUEUED_PACKS - 1 };
        let slot = Slot::take(&self.queued, places).ok_or(Refused::Busy)?;
        let (pkg, packing) = (self.pkg.clone(), self.packing.clone());
        let job = tokio::spawn(async move {
            let _slot = slot;
            let packed = match packing.acquire_owned().await {
                Ok(turn) => {
                    tokio::task::spawn_blocking(move || {
                        let _turn = turn;
                        compress(&pack_modules(&pkg, &names)?, encoding, effort)
                    })
                    .await
                }
                Err(_) => Ok(Err(std::io::ErrorKind::Interrupted.into())),
            };
            match packed {
                Ok(Ok(bytes)) => Ok(axum::body::Bytes::from(bytes)),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(Refused::Unknown),
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "modules could not be packed");
                    Err(Refused::Failed)
                }
                Err(e) => {
                    tracing::error!(error = %e, "packing modules failed");
                    Err(Refused::Failed)
                }
            }
        });
        Ok(async move { job.await.unwrap_or(Err(Refused::Failed)) }
            .boxed()
            .shared())
    }
}

/// One of the `QUEUED_PACKS` places of jobs, given back when dropped, however
/// the job ends.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    /// A place, if fewer than `places` are taken.
    fn take(queued: &Arc<AtomicUsize>, places: usize) -> Option<Slot> {
        if queued.fetch_add(1, Ordering::SeqCst) >= places {
            queued.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Slot(queued.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::pack::Encoding;
    use super::{Packs, Refused, KEPT_PACKS, QUEUED_PACKS};

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(ToString::to_string).collect()
    }

    /// A gzip-encoded pack's bytes (also for `split`'s tests).
    pub(in crate::server::infra) fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out)
            .expect("gunzip");
        out
    }

    #[tokio::test]
    async fn only_plain_file_names_are_packed_and_a_failure_is_no_gone_build() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir(dir.path().join("d.wasm")).expect("dir");
        let packs = Packs::new(&dir.path().join("pkg"));
        for name in ["../d", "/etc/passwd", "a\\b", "", ".."] {
            assert_eq!(
                packs.get(names(&[name]), Encoding::Gzip, false).await,
                Err(Refused::Unknown),
                "{name}"
            );
        }
        // A file that is there but cannot be read: the build is not gone.
        let packs = Packs::new(dir.path());
        assert_eq!(
            packs.get(names(&["d"]), Encoding::Gzip, false).await,
            Err(Refused::Failed)
        );
    }

    #[tokio::test]
    async fn a_pack_that_could_not_be_made_is_made_anew_when_next_asked_for() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("b.wasm"), b"b").expect("write");
        let packs = Packs::new(dir.path());
        assert_eq!(
            packs.get(names(&["b", "c"]), Encoding::Brotli, false).await,
            Err(Refused::Unknown)
        );
        std::fs::write(dir.path().join("c.wasm"), b"c").expect("write");
        let made = packs
            .get(names(&["c", "b"]), Encoding::Gzip, false)
            .await
            .expect("gzip");
        assert_eq!(
            gunzip(&made),
            [1, b'b', 1, 0, 0, 0, b'b', 1, b'c', 1, 0, 0, 0, b'c']
        );
        assert!(packs
            .get(names(&["b", "c"]), Encoding::Brotli, false)
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn a_pages_pack_stays_and_of_the_others_only_the_latest() {
        let dir = tempfile::tempdir().expect("dir");
        let all: Vec<String> = (0..KEPT_PACKS + 8).map(|i| format!("m{i}")).collect();
        for name in all.iter().chain([&"page".to_string()]) {
            std::fs::write(dir.path().join(format!("{name}.wasm")), name).expect("write");
        }
        let packs = Packs::new(dir.path());
        let ask = |name: &str| packs.get(names(&[name]), Encoding::Gzip, false);
        // A page's own pack, made with the best effort (gzip's header says
        // so: XFL 2), the others quicker (0).
        let page = packs
            .get(names(&["page"]), Encoding::Gzip, true)
            .await
            .expect("page");
        assert_eq!(page[8], 2, "best compression");
        assert_eq!(ask("m0").await.expect("m0")[8], 0, "quick compression");
        for name in &all[1..KEPT_PACKS] {
            assert!(ask(name).await.is_ok());
        }
        // m0 asked for again: now the last to go.
        assert!(ask("m0").await.is_ok());
        for name in &all[KEPT_PACKS..] {
            assert!(ask(name).await.is_ok());
        }
        // Asked for again, even as no page's (a request that looked before a
        // page named it), it is the same pack and stays out of the others' turn.
        assert_eq!(ask("page").await.expect("page"), page);
        let made = packs.made.lock().expect("lock");
        assert_eq!(made.packs.len(), KEPT_PACKS + 1);
        assert_eq!(made.order.len(), KEPT_PACKS);
        let kept = |name: &str| made.packs.contains_key(&(name.to_string(), Encoding::Gzip));
        assert!(kept("page"), "a page's pack is never pushed out");
        assert!(kept("m0"));
        assert!((1..=8).all(|i| !kept(&format!("m{i}"))));
        assert!(kept("m9"));
        assert!(kept(all.last().expect("names")));
    }

    /// A set first made quick (asked for before any page named it) is made
    /// again, best, once a page's request asks for it, and kept for good.
    #[tokio::test]
    async fn a_set_made_quick_is_made_best_once_a_page_names_it() {
        let dir = tempfile::tempdir().expect("dir");
        let all: Vec<String> = (0..=KEPT_PACKS).map(|i| format!("m{i}")).collect();
        for name in &all {
            std::fs::write(dir.path().join(format!("{name}.wasm")), name).expect("write");
        }
        let packs = Packs::new(dir.path());
        let ask = |name: &str, page| packs.get(names(&[name]), Encoding::Gzip, page);
        assert_eq!(ask("m0", false).await.expect("quick")[8], 0);
        let best = ask("m0", true).await.expect("best");
        assert_eq!(best[8], 2);
        assert_eq!(ask("m0", false).await.expect("again"), best);
        for name in &all[1..] {
            assert!(ask(name, false).await.is_ok());
        }
        let made = packs.made.lock().expect("lock");
        assert!(made.packs.contains_key(&("m0".to_string(), Encoding::Gzip)));
        assert_eq!(made.packs.len(), KEPT_PACKS + 1);
        assert_eq!(made.order.len(), KEPT_PACKS);
    }

    /// Brotli too: a page's pack at the higher quality (smaller), another
    /// quicker.
    #[test]
    fn a_pages_pack_is_compressed_harder() {
        use super::super::pack::{compress, Effort};
        let text = include_bytes!("packs.rs").repeat(4);
        let best = compress(&text, Encoding::Brotli, Effort::Best).expect("best");
        let quick = compress(&text, Encoding::Brotli, Effort::Quick).expect("quick");
        assert!(
            best.len() < quick.len(),
            "{} vs {}",
            best.len(),
            quick.len()
        );
    }

    /// A set asked for, its request gone before its turn came, does not hold
    /// up the others; beyond `QUEUED_PACKS` waiting, a new set is refused.
    #[tokio::test]
    async fn a_pack_whose_request_went_away_holds_up_no_other() {
        let dir = tempfile::tempdir().expect("dir");
        for name in ["a", "b", "c"] {
            std::fs::write(dir.path().join(format!("{name}.wasm")), name).expect("write");
        }
        let packs = Packs::new(dir.path());
        let turn = packs.packing.clone().acquire_owned().await.expect("turn");
        {
            let gone = packs.get(names(&["a"]), Encoding::Gzip, false);
            assert!(futures::FutureExt::now_or_never(gone).is_none());
        }
        drop(turn);
        let other = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            packs.get(names(&["b"]), Encoding::Gzip, false),
        )
        .await
        .expect("not held up");
        assert!(other.is_ok());
        // Each job gives its place back as its task ends, which for the gone
        // request's job can come after the other's answer (its blocking
        // thread had handed the turn on, then woke its task): wait for both.
        tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while packs.queued.load(std::sync::atomic::Ordering::SeqCst) != 0 {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        })
        .await
        .expect("both jobs ended");
        // Seven sets of no page waiting for a turn held elsewhere: an eighth
        // is refused, the last place kept for a page's own; a ninth refused.
        let turn = packs.packing.clone().acquire_owned().await.expect("turn");
        let sets = [&["a", "b"][..], &["a", "c"], &["b", "c"], &["a", "b", "c"]];
        let mut waiting = Vec::new();
        for set in sets {
            for encoding in [Encoding::Gzip, Encoding::Brotli] {
                waiting.push((set, encoding));
            }
        }
        let (page, others) = waiting.split_last().expect("sets");
        for (set, encoding) in others {
            let waiting = packs.get(names(set), *encoding, false);
            assert!(futures::FutureExt::now_or_never(waiting).is_none());
        }
        assert_eq!(
            futures::FutureExt::now_or_never(packs.get(names(&["c"]), Encoding::Gzip, false)),
            Some(Err(Refused::Busy))
        );
        let (set, encoding) = page;
        let waiting = packs.get(names(set), *encoding, true);
        assert!(futures::FutureExt::now_or_never(waiting).is_none());
        assert_eq!(
            packs.queued.load(std::sync::atomic::Ordering::SeqCst),
            QUEUED_PACKS
        );
        assert_eq!(
            futures::FutureExt::now_or_never(packs.get(names(&["c"]), Encoding::Gzip, true)),
            Some(Err(Refused::Busy))
        );
        drop(turn);
    }
}
