//! Data-parallel batch sums: the threads of a team share the training data and each adds up
//! one part of every batch.
//!
//! A batch of b rows is cut into `parts` slices at block boundaries (`part_range`). The leader
//! (the thread running `Trainer::run_batches`) sums part 0 into the trainer's gradient buffer,
//! helper i sums part i + 1 into a buffer of its own, and the leader then adds the parts' sums
//! in the order 1, 2, … to its own. The cut depends only on b, the model's shape and the
//! number of parts, and the order of the additions is fixed, so the result never depends on
//! timing: the same seed and the same number of threads give the same bits. (It differs from a
//! single thread's in the last bits, since a sum split in parts rounds differently.)
//!
//! The pool is a few atomics in memory that every thread sees (wasm shared memory, or an
//! ordinary static natively). `generation` counts jobs: a helper waits for it to change —
//! spinning a while, then sleeping (`memory.atomic.wait32` in wasm, so an idle worker costs no
//! CPU) — copies the job, sums its part and adds 1 to `acks`. The leader only ever spins while
//! it waits for the acks, because the main thread of a browser may not block.
//!
//! Helpers join while no leader runs (`busy` is the lock), so the number of helpers is fixed
//! for the whole of a job. A helper that is not needed by a job (fewer parts than helpers)
//! still copies the job and acknowledges it.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::dataset::Dataset;
use crate::error::{try_filled, CoreError};
use crate::kernels::BLOCK_ROWS;
use crate::model::{self, Model, Scratch};

/// Batches with fewer multiply-adds per output pass than this are summed by the leader alone:
/// below it a part costs less than handing it over (about a microsecond between two cores).
pub const MIN_PARALLEL_WORK: usize = 16 * 1024;

/// Spins of a waiting helper before it sleeps: roughly 50–200 µs, longer than the gap between
/// two batches of one run and far shorter than the gaps between the runs of an epoch.
const SPINS_BEFORE_SLEEP: u32 = 1 << 16;

/// What a helper needs to sum its part of the current batch: pointers into the leader's
/// trainer, valid until the leader has seen every acknowledgement of the job.
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
    /// The pointers are those the leader set for this job, and the leader does not touch the
    /// job's data, rows, parameters or `outputs[i − 1]` until this part is acknowledged.
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

/// The threads that help the leader; one per wasm module instance (a `static`).
pub struct Pool {
    generation: AtomicU32,
    acks: AtomicU32,
    joined: AtomicU32,
    sleepers: AtomicU32,
    busy: AtomicBool,
    closing: AtomicBool,
    job: UnsafeCell<Job>,
}

// The job is written only by the leader holding `busy`, before `generation` is released, and
// read by helpers after they acquire the new generation (see the module's comment).
unsafe impl Sync for Pool {}

impl Default for Pool {
    fn default() -> Self {
        Self::new()
    }
}

impl Pool {
    pub const fn new() -> Pool {
        Pool {
            generation: AtomicU32::new(0),
            acks: AtomicU32::new(0),
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
        while self
            .busy
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            std::hint::spin_loop();
        }
    }

    fn unlock(&self) {
        self.busy.store(false, Ordering::Release);
    }

    /// The calling thread becomes a helper: it sums its part of every job until `close`.
    /// Blocks; in wasm, call it from a worker, never from a browser's main thread.
    pub fn help(&self) {
        self.lock();
        let index = self.joined.fetch_add(1, Ordering::AcqRel) as usize;
        let mut seen = self.generation.load(Ordering::Acquire);
        self.unlock();
        loop {
            seen = self.wait_for_job(seen);
            if self.closing.load(Ordering::Acquire) {
                self.joined.fetch_sub(1, Ordering::AcqRel);
                return;
            }
            // SAFETY: the leader wrote the job before releasing `seen`, and keeps it until
            // every helper has acknowledged it.
            let job = unsafe { *self.job.get() };
            if index + 1 < job.parts {
                unsafe { job.run_part(index + 1) };
            }
            self.acks.fetch_add(1, Ordering::Release);
        }
    }

    /// Sends every helper back from `help` (they return once they see it) and waits for them.
    pub fn close(&self) {
        self.lock();
        self.closing.store(true, Ordering::Release);
        self.publish();
        let mut spins = 0u32;
        while self.joined.load(Ordering::Acquire) != 0 {
            spins = spins.wrapping_add(1);
            relax(spins);
        }
        self.closing.store(false, Ordering::Release);
        self.unlock();
    }

    /// A new generation, and a wake-up for the helpers that sleep.
    fn publish(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            wake_all(&self.generation);
        }
    }

    fn wait_for_job(&self, seen: u32) -> u32 {
        for _ in 0..SPINS_BEFORE_SLEEP {
            let g = self.generation.load(Ordering::Acquire);
            if g != seen {
                return g;
            }
            std::hint::spin_loop();
        }
        // Dekker with `publish`: either this load sees the new generation, or the leader sees
        // this sleeper and wakes it (both sides SeqCst).
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        let g = loop {
            let g = self.generation.load(Ordering::SeqCst);
            if g != seen {
                break g;
            }
            sleep_while(&self.generation, seen);
        };
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        g
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
fn sleep_while(a: &AtomicU32, value: u32) {
    // returns at once when the value already changed, or when woken
    unsafe { core::arch::wasm32::memory_atomic_wait32(a.as_ptr() as *mut i32, value as i32, -1) };
}

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
fn wake_all(a: &AtomicU32) {
    unsafe { core::arch::wasm32::memory_atomic_notify(a.as_ptr() as *mut i32, u32::MAX) };
}

/// One turn of a leader's spin: natively it also gives the core away now and then, for when
/// there are more threads than cores (the tests); in wasm the helpers have cores of their own.
#[inline]
fn relax(spins: u32) {
    std::hint::spin_loop();
    #[cfg(not(target_arch = "wasm32"))]
    if spins % 1024 == 0 {
        std::thread::yield_now();
    }
    #[cfg(target_arch = "wasm32")]
    let _ = spins;
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
fn sleep_while(_: &AtomicU32, _: u32) {
    std::thread::yield_now();
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
fn wake_all(_: &AtomicU32) {}

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
/// batch is too small to share (fewer blocks than threads, or less than MIN_PARALLEL_WORK).
pub fn planned_parts(model: &Model, b: usize, threads: usize) -> usize {
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

/// A trainer's share of a pool: buffers for the helpers' parts.
pub struct Team {
    pool: &'static Pool,
    parts: Vec<Part>,
}

impl Team {
    /// Up to `threads` threads (the leader and threads − 1 helpers of `pool`).
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

    /// The threads this team would use for a large batch now: 1 + min(helpers asked for,
    /// helpers in the pool).
    pub fn threads(&self) -> usize {
        1 + self.parts.len().min(self.pool.helpers())
    }

    /// `model::batch_sums` over `rows`, shared with the helpers when the batch is large enough.
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
        // helpers join under the lock, and only the leader's thread makes them leave
        let parts = planned_parts(model, rows.len(), self.threads());
        if parts == 1 {
            return model::batch_sums(model, data, rows, params, grad, scratch);
        }
        pool.lock();
        let joined = pool.joined.load(Ordering::Acquire);
        let target = pool.acks.load(Ordering::Acquire).wrapping_add(joined);
        // SAFETY: helpers read the job only after `publish`, and all acknowledged the last one.
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
        pool.publish();
        let (lo, hi) = part_range(rows.len(), parts, 0);
        let mut loss = model::batch_sums(model, data, &rows[lo..hi], params, grad, scratch);
        let mut spins = 0u32;
        while pool.acks.load(Ordering::Acquire) != target {
            spins = spins.wrapping_add(1);
            relax(spins);
        }
        pool.unlock();
        for part in &self.parts[..parts - 1] {
            for (g, p) in grad.iter_mut().zip(&part.grad) {
                *g += *p;
            }
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
            objective: Objective::LogLoss,
            n_features: 255,
            n_outputs: 1,
            l2: 0.0,
            fit_intercept: true,
        };
        assert_eq!(planned_parts(&model, 32, 2), 1); // 8192 multiply-adds
        assert_eq!(planned_parts(&model, 64, 2), 2);
        assert_eq!(planned_parts(&model, 64, 1), 1);
        assert_eq!(planned_parts(&model, 4096, 16), 16);
    }
}
