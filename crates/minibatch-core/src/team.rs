//! Data-parallel batch sums: the threads of a team share the training data and each adds up
//! parts of every batch.
//!
//! A batch of b rows is cut into `parts` slices at block boundaries (`part_range`). The leader
//! (the thread running `Trainer::run_batches`) sums part 0 into the trainer's gradient buffer;
//! every other part i is summed into a buffer of its own (`Part` i − 1) by whichever thread
//! claims it first — a helper, or the leader once its own part is done — and the leader then
//! adds the parts' sums in the order 1, 2, … to its own. The cut depends only on b, the model's
//! shape and the number of parts the trainer asked for, each part's sum is the same whoever
//! computes it, and the order of the additions is fixed: the result never depends on timing or
//! on how many helpers are running. The same seed and the same number of threads give the same
//! bits. (It differs from a single thread's in the last bits, since a sum split in parts rounds
//! differently.)
//!
//! The pool is a few atomics in memory that every thread sees (wasm shared memory, or a
//! `static` natively). `state` packs the job's generation, its number of parts and the next
//! part to claim; a thread claims part i by moving `next` from i to i + 1 (compare-and-swap),
//! so a part is summed exactly once, and a helper reads the job only after it has claimed a
//! part of it, which the leader waits for before it writes the next job. A helper waits for a
//! new generation — spinning a while, then sleeping (`memory.atomic.wait64` in wasm, so an idle
//! worker costs no CPU). The leader never waits for a helper that has not started: it takes
//! the parts left over itself, and only waits (spinning: the main thread of a browser may not
//! block) for parts a helper is summing. A helper that is slow to wake, or more threads than
//! cores, costs speed, never a stall.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use crate::dataset::Dataset;
use crate::error::{try_filled, CoreError};
use crate::kernels::{self, BLOCK_ROWS};
use crate::model::{self, Model, Scratch};

/// Batches with fewer multiply-adds per output pass than this are summed by the leader alone:
/// below it a part costs less than handing it over (a few hundred nanoseconds between two
/// cores). Measured on 2 cores (bench/ABLATION.md): at 2048, d = 256 gains 1.4× from batch 16
/// and 1.7× from 32, d = 32 1.7× from batch 64; batch 32 at d = 32 (1056) gains nothing.
pub const MIN_PARALLEL_WORK: usize = 2 * 1024;

/// A network's batch is shared when its multiply-adds (forward and backward) reach this: more
/// than MIN_PARALLEL_WORK, as a network's block has costs the count leaves out (gathering the
/// rows, the activations, the output layer's losses) and each part's gradient, as long as θ, is
/// added by the leader afterwards. 64 → 64 → 10 (10 112 per row) shares from batch 32 (the
/// rows per part below), a 2 → 8 → 1 net (56 per row) from batch 293.
pub const NET_MIN_PARALLEL_WORK: usize = 16 * 1024;

/// A network's part has at least this many rows: the dense kernels' weight-gradient pass reads
/// and writes every weight once per block, so a part of a few rows would spend its time there.
pub const NET_MIN_PART_ROWS: usize = 16;

/// The most parts a batch is cut into (`state` keeps counts in 16 bits).
pub const MAX_THREADS: usize = 256;

/// Spins of a waiting helper before it sleeps: roughly 50–200 µs, longer than the gap between
/// two batches of one run and far shorter than the gaps between the runs of an epoch.
const SPINS_BEFORE_SLEEP: u32 = 1 << 16;

/// `state` = generation (32 bits) | parts (16 bits) | next part to claim (16 bits).
fn pack(generation: u32, parts: usize, next: usize) -> u64 {
    ((generation as u64) << 32) | ((parts as u64) << 16) | next as u64
}

fn generation_of(state: u64) -> u32 {
    (state >> 32) as u32
}

/// (parts, next) of a state.
fn claim_of(state: u64) -> (usize, usize) {
    (((state >> 16) & 0xffff) as usize, (state & 0xffff) as usize)
}

/// What a thread needs to sum a part of the current batch: pointers into the leader's trainer,
/// valid until every claimed part of the job is done.
#[derive(Clone, Copy)]
struct Job {
    model: *const Model,
    data: *const Dataset,
    rows: *const u32,
    b: usize,
    params: *const f32,
    n_params: usize,
    parts: usize,
    outputs: *mut Part,
}

impl Job {
    const NONE: Job = Job {
        model: std::ptr::null(),
        data: std::ptr::null(),
        rows: std::ptr::null(),
        b: 0,
        params: std::ptr::null(),
        n_params: 0,
        parts: 0,
        outputs: std::ptr::null_mut(),
    };

    /// Sums part `i` ≥ 1 into `outputs[i − 1]`.
    ///
    /// # Safety
    /// The pointers are those the leader set for this job, the caller claimed part `i`, and the
    /// leader does not touch the job's data, rows, parameters or `outputs[i − 1]` until the
    /// part is counted in `done`.
    unsafe fn run_part(&self, i: usize) {
        unsafe {
            let rows = std::slice::from_raw_parts(self.rows, self.b);
            let params = std::slice::from_raw_parts(self.params, self.n_params);
            let part = &mut *self.outputs.add(i - 1);
            let (lo, hi) = part_range(self.b, self.parts, i);
            part.loss = model::batch_sums(
                &*self.model,
                &*self.data,
                &rows[lo..hi],
                params,
                &mut part.grad,
                &mut part.scratch,
            );
        }
    }
}

/// The threads that help leaders; one per wasm module instance (a `static`).
pub struct Pool {
    state: AtomicU64,
    /// Parts of the current job summed by whoever claimed them (part 0 not counted).
    done: AtomicU32,
    joined: AtomicU32,
    sleepers: AtomicU32,
    /// Held by a leader for the whole of a job (one leader at a time).
    busy: AtomicBool,
    closing: AtomicBool,
    job: UnsafeCell<Job>,
}

// The job is written only by the leader holding `busy`, before it publishes the job's state,
// and read by a thread only after it claimed a part of that state (see the module's comment).
unsafe impl Sync for Pool {}

impl Default for Pool {
    fn default() -> Self {
        Self::new()
    }
}

impl Pool {
    pub const fn new() -> Pool {
        Pool {
            state: AtomicU64::new(0),
            done: AtomicU32::new(0),
            joined: AtomicU32::new(0),
            sleepers: AtomicU32::new(0),
            busy: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            job: UnsafeCell::new(Job::NONE),
        }
    }

    /// Helpers that have joined and not left.
    pub fn helpers(&self) -> usize {
        self.joined.load(Ordering::Acquire) as usize
    }

    fn lock(&self) {
        spin_until(|| {
            self.busy
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        });
    }

    fn unlock(&self) {
        self.busy.store(false, Ordering::Release);
    }

    /// Claims the next part of the job whose generation is `generation`: Some(i), or None when
    /// every part is taken or the pool has moved on to another job.
    fn claim(&self, generation: u32) -> Option<usize> {
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            let (parts, next) = claim_of(s);
            if generation_of(s) != generation || next >= parts {
                return None;
            }
            match self
                .state
                .compare_exchange_weak(s, s + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Some(next),
                Err(now) => s = now,
            }
        }
    }

    /// Sums the parts of the current job that this thread can claim.
    fn work(&self, generation: u32) {
        while let Some(i) = self.claim(generation) {
            // SAFETY: part i is ours; the leader wrote the job before publishing `generation`
            // and keeps it until `done` counts every claimed part.
            unsafe { (*self.job.get()).run_part(i) };
            self.done.fetch_add(1, Ordering::Release);
        }
    }

    /// The calling thread becomes a helper: it sums parts of every job until `close`. Blocks;
    /// in wasm, call it from a worker, never from a browser's main thread.
    pub fn help(&self) {
        self.joined.fetch_add(1, Ordering::AcqRel);
        let mut seen = generation_of(self.state.load(Ordering::Acquire));
        loop {
            seen = self.wait_for_job(seen);
            if self.closing.load(Ordering::Acquire) {
                self.joined.fetch_sub(1, Ordering::AcqRel);
                return;
            }
            self.work(seen);
        }
    }

    /// Sends every helper back from `help` (they return once they see it) and waits for them.
    pub fn close(&self) {
        self.lock();
        self.closing.store(true, Ordering::Release);
        let generation = generation_of(self.state.load(Ordering::Acquire)).wrapping_add(1);
        self.publish(pack(generation, 0, 0));
        spin_until(|| self.joined.load(Ordering::Acquire) == 0);
        self.closing.store(false, Ordering::Release);
        self.unlock();
    }

    /// A new state, and a wake-up for the helpers that sleep.
    fn publish(&self, state: u64) {
        self.state.store(state, Ordering::SeqCst);
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            wake_all(&self.state);
        }
    }

    fn wait_for_job(&self, seen: u32) -> u32 {
        for _ in 0..SPINS_BEFORE_SLEEP {
            let g = generation_of(self.state.load(Ordering::Acquire));
            if g != seen {
                return g;
            }
            std::hint::spin_loop();
        }
        // Dekker with `publish`: either this load sees the new state, or the leader sees this
        // sleeper and wakes it (both sides SeqCst).
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        let g = loop {
            let s = self.state.load(Ordering::SeqCst);
            if generation_of(s) != seen {
                break generation_of(s);
            }
            sleep_while(&self.state, s);
        };
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        g
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
fn sleep_while(a: &AtomicU64, value: u64) {
    // returns at once when the value already changed, or when woken
    unsafe { core::arch::wasm32::memory_atomic_wait64(a.as_ptr() as *mut i64, value as i64, -1) };
}

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
fn wake_all(a: &AtomicU64) {
    unsafe { core::arch::wasm32::memory_atomic_notify(a.as_ptr() as *mut i32, u32::MAX) };
}

/// Spins until `done()`: natively it also gives the core away now and then, for when there are
/// more threads than cores (the tests); wasm has no such call, and a leader may not block.
#[inline]
fn spin_until(mut done: impl FnMut() -> bool) {
    let mut spins = 0u32;
    while !done() {
        std::hint::spin_loop();
        spins = spins.wrapping_add(1);
        #[cfg(not(target_arch = "wasm32"))]
        if spins.is_multiple_of(1024) {
            std::thread::yield_now();
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
fn sleep_while(_: &AtomicU64, _: u64) {
    std::thread::yield_now();
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
fn wake_all(_: &AtomicU64) {}

/// Rows [lo, hi) of part `i` of a batch of `b` rows cut into `parts`: whole blocks of
/// BLOCK_ROWS, as even as they go; the last part also takes the rows past the last block.
pub fn part_range(b: usize, parts: usize, i: usize) -> (usize, usize) {
    let blocks = b / BLOCK_ROWS;
    let lo = blocks * i / parts * BLOCK_ROWS;
    let hi = if i + 1 == parts {
        b
    } else {
        blocks * (i + 1) / parts * BLOCK_ROWS
    };
    (lo, hi)
}

/// How many parts a batch of `b` rows is cut into with up to `threads` threads: 1 when the
/// batch is too small to share (fewer blocks than threads, or less than MIN_PARALLEL_WORK; for
/// a network, fewer than NET_MIN_PART_ROWS rows per part, or less than NET_MIN_PARALLEL_WORK).
pub fn planned_parts(model: &Model, b: usize, threads: usize) -> usize {
    if model.is_network() {
        // per row: every layer's forward and weight-gradient products, and the input gradient
        // of every layer but the first
        let first = model.weights(0).len();
        let per_row = model.n_weights().saturating_mul(3).saturating_sub(first);
        if threads <= 1 || b.saturating_mul(per_row) < NET_MIN_PARALLEL_WORK {
            return 1;
        }
        return threads.min(b / NET_MIN_PART_ROWS).max(1);
    }
    let work = b
        .saturating_mul(model.n_features + 1)
        .saturating_mul(model.n_outputs);
    if threads <= 1 || work < MIN_PARALLEL_WORK {
        return 1;
    }
    threads.min(b / BLOCK_ROWS).max(1)
}

/// One part's sums.
pub struct Part {
    grad: Vec<f32>,
    scratch: Scratch,
    loss: f64,
}

/// A trainer's share of a pool: the number of parts it cuts large batches into, and buffers
/// for the parts after the first.
pub struct Team {
    pool: &'static Pool,
    parts: Vec<Part>,
}

impl Team {
    /// Large batches cut into `threads` parts (2 ≤ threads ≤ MAX_THREADS), summed by this
    /// thread and the helpers of `pool` that are free to claim them.
    pub fn new(pool: &'static Pool, threads: usize, model: &Model) -> Result<Team, CoreError> {
        let mut parts = Vec::new();
        for _ in 1..threads {
            parts.push(Part {
                grad: try_filled(model.n_params(), 0.0)?,
                scratch: Scratch::new(model)?,
                loss: 0.0,
            });
        }
        Ok(Team { pool, parts })
    }

    /// The number of parts of a large batch: what the trainer asked for, whatever the number of
    /// helpers running (with none, this thread sums every part, to the same bits).
    pub fn threads(&self) -> usize {
        1 + self.parts.len()
    }

    /// `model::batch_sums` over `rows`, cut into parts when the batch is large enough.
    pub fn batch_sums(
        &mut self,
        model: &Model,
        data: &Dataset,
        rows: &[u32],
        params: &[f32],
        grad: &mut [f32],
        scratch: &mut Scratch,
    ) -> f64 {
        let pool = self.pool;
        let parts = planned_parts(model, rows.len(), self.threads());
        if parts == 1 {
            return model::batch_sums(model, data, rows, params, grad, scratch);
        }
        pool.lock();
        // SAFETY: every part of the last job is done, so no thread reads the job now; threads
        // read this one only after claiming a part of the state published below.
        unsafe {
            *pool.job.get() = Job {
                model,
                data,
                rows: rows.as_ptr(),
                b: rows.len(),
                params: params.as_ptr(),
                n_params: params.len(),
                parts,
                outputs: self.parts.as_mut_ptr(),
            };
        }
        pool.done.store(0, Ordering::Relaxed);
        let generation = generation_of(pool.state.load(Ordering::Relaxed)).wrapping_add(1);
        pool.publish(pack(generation, parts, 1));
        let (lo, hi) = part_range(rows.len(), parts, 0);
        let mut loss = model::batch_sums(model, data, &rows[lo..hi], params, grad, scratch);
        // the parts no helper has taken yet, then the ones still being summed
        pool.work(generation);
        spin_until(|| pool.done.load(Ordering::Acquire) as usize == parts - 1);
        pool.unlock();
        for part in &self.parts[..parts - 1] {
            // g + 1·p: the same bits as g + p
            kernels::axpy(1.0, &part.grad, grad);
            loss += part.loss;
        }
        loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::Objective;

    #[test]
    fn parts_cover_the_batch_in_whole_blocks() {
        for b in [16, 17, 63, 64, 255, 256, 1000] {
            for parts in 1..=4 {
                if b / BLOCK_ROWS < parts {
                    continue;
                }
                let mut next = 0;
                for i in 0..parts {
                    let (lo, hi) = part_range(b, parts, i);
                    assert_eq!(lo, next, "b {b} parts {parts} part {i}");
                    assert_eq!(lo % BLOCK_ROWS, 0);
                    assert!(hi > lo);
                    next = hi;
                }
                assert_eq!(next, b);
            }
        }
    }

    #[test]
    fn small_batches_stay_on_one_thread() {
        let model = Model {
            hidden: Vec::new(),
            objective: Objective::LogLoss,
            n_features: 255,
            n_outputs: 1,
            l2: 0.0,
            fit_intercept: true,
        };
        assert_eq!(planned_parts(&model, 8, 2), 1); // 2048 multiply-adds, but one block
        assert_eq!(planned_parts(&model, 16, 2), 2);
        assert_eq!(planned_parts(&model, 16, 4), 2); // as many parts as blocks at most
        assert_eq!(planned_parts(&model, 64, 1), 1);
        assert_eq!(planned_parts(&model, 4096, 16), 16);
        let narrow = Model {
            n_features: 31,
            ..model
        };
        assert_eq!(planned_parts(&narrow, 32, 2), 1); // 1024 multiply-adds
        assert_eq!(planned_parts(&narrow, 64, 2), 2);
    }
}
