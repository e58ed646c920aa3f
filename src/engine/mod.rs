//! The engine: every flow of the SDK as one sans-IO state machine.
//!
//! In the manner of quinn-proto and str0m, the engine performs no I/O and reads no clock.
//! It takes inputs: a page's call ([`Engine::call`] and the synchronous calls beside it),
//! a wx callback's or a request's result and a timer firing ([`Engine::handle`]), a
//! privacy prompt ([`Engine::handle_prompt`]), each with the time. It hands out effects
//! ([`Engine::poll`]): call this wx API, send this request, wake me at T, settle page
//! call N, the state changed. After every input the edge takes effects until there are
//! none and performs them in order; it decides nothing itself.
//!
//! Inside, each page call is a task waiting for one thing: the answer to an [`Op`], the
//! login in flight, or its turn to write storage. Every flow lives here: login with
//! retries and backoff, renewal on expiry or a 401 with one resend and a budget,
//! logout, reset and unbind racing what is in flight, the write-then-apply commit, the
//! start-up read with the storage-mode policy, the privacy prompt relay, the profile and
//! the phone-number verification, and the profile's save on the backend.

mod account;
mod commit;
mod flight;
pub mod io;
mod phone;
mod privacy;
mod profile;
mod request;
mod start;

pub use io::{
    Answer, Call, CallId, Done, Effect, Host, Input, Op, Platform, Reply, Send, Stored, WxCall,
    WxOk,
};

use crate::budget::Budget;
use crate::config::Config;
use crate::error::{AuthError, ErrorCode};
use crate::machine::{Machine, Transition};
use crate::state::AuthState;
use crate::storage::StoragePlan;
use crate::wx_failure::{FailureKind, WxFailure};
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use commit::{Commits, Job};

/// The SDK's flows, driven by inputs and read out as effects. See the module docs.
pub struct Engine<H: Host> {
    machine: Machine,
    config: Config,
    platform: Platform,
    plan: StoragePlan,
    budget: Budget,
    /// The state of the random draw for backoff jitter (xorshift64*), seeded by the edge.
    rng: u64,
    /// The latest time given with an input (ms).
    now: u64,
    next_op: u32,
    next_call: u32,
    tasks: Vec<Task<H>>,
    commits: Commits,
    prompts: privacy::Prompts<H::Prompt>,
    out: VecDeque<Effect<H>>,
}

/// One flow in progress, parked until what it waits for arrives.
struct Task<H: Host> {
    /// The page call it settles, if a page is waiting for it.
    call: Option<CallId>,
    wait: Wait,
    flow: Flow<H>,
}

/// What a parked task waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// The answer to an effect, or its commit's turn and write ([`Engine::commit`]).
    Op(Op),
    /// The end of the login or renewal with this flight number.
    Flight(u32),
}

/// What arrived for a parked task.
enum Event<H: Host> {
    Wx(Result<WxOk, WxFailure>),
    Reply(Result<Reply<H>, WxFailure>),
    Timer,
    /// The flight it waited for ended.
    Flight(Result<(), AuthError>),
    /// Its commit was written and applied, or failed.
    Committed(Result<(), AuthError>),
}

/// Each flow and what it carries between its steps.
enum Flow<H: Host> {
    Start(start::Start),
    /// Asking wx whether the privacy agreement is still needed; then settle with
    /// `Created` (at start) or the state.
    Refresh(bool),
    Agree,
    Profile,
    /// `login()`, waiting for the flight.
    Login,
    Request(request::Req<H>),
    /// The token to revoke once the logout is stored.
    Logout(Option<alloc::string::String>),
    /// The token to revoke once the reset is stored.
    Reset(Option<alloc::string::String>),
    Unbind(account::Unbind),
    /// `verifyPhoneNumber()`: waiting for a renewal, or for the backend.
    Phone(phone::Phone),
    /// `saveProfile()` or a background save: waiting for a renewal, or for the backend.
    SaveProfile(profile::Save),
    /// `getSetting()` / `openSetting()`.
    Scopes,
    Contract,
    Flight(flight::Run),
}

impl<H: Host> Engine<H> {
    /// Starts the SDK (`createAuth`): the returned call settles with [`Done::Created`]
    /// once the stored session is read back, or with the error that stopped it (then
    /// drop the engine). `seed` seeds the backoff jitter (any value; 0 is replaced).
    pub fn start(now: u64, config: Config, platform: Platform, seed: u64) -> (Engine<H>, CallId) {
        let mut engine = Engine {
            machine: Machine::new(config),
            config,
            platform,
            plan: StoragePlan::for_base(platform.base),
            budget: Budget::new(config.renewals),
            rng: seed | 1,
            now,
            next_op: 0,
            next_call: 0,
            tasks: Vec::new(),
            commits: Commits::default(),
            prompts: privacy::Prompts::default(),
            out: VecDeque::new(),
        };
        let call = engine.new_call();
        engine.read(Some(call), start::Start::default());
        (engine, call)
    }

    /// The current state.
    pub fn state(&self) -> &AuthState {
        self.machine.state()
    }

    /// A page's asynchronous call; it settles later with [`Effect::Settle`] and this id.
    pub fn call(&mut self, now: u64, call: Call<H>) -> CallId {
        self.now = now;
        let id = self.new_call();
        let c = Some(id);
        match call {
            Call::AgreePrivacy => self.agree(c),
            Call::GetUserProfile(desc) => self.get_user_profile(c, desc),
            Call::Login => self.login(c),
            Call::Request(request) => self.request(c, request),
            Call::Logout => self.logout(c),
            Call::Reset => self.reset(c),
            Call::Unbind => self.unbind(c),
            Call::GetSetting => self.wx(c, Flow::Scopes, WxCall::GetSetting),
            Call::OpenSetting => self.wx(c, Flow::Scopes, WxCall::OpenSetting),
            Call::OpenPrivacyContract => self.wx(c, Flow::Contract, WxCall::OpenPrivacyContract),
            Call::VerifyPhone(event) => self.verify_phone(c, event),
            Call::SaveProfile(patch) => self.save_profile(c, patch),
        }
        id
    }

    /// The outside world's answer to an effect. Answers to ops nobody waits for any more
    /// (a cancelled login's `wx.login`, a logout's revoke request) are ignored.
    pub fn handle(&mut self, now: u64, input: Input<H>) {
        self.now = now;
        let (op, event) = match input {
            Input::Wx(op, result) => (op, Event::Wx(result)),
            Input::Reply(op, result) => (op, Event::Reply(result)),
            Input::Timer(op) => (op, Event::Timer),
        };
        if self.commits.writes(op) {
            if let Event::Wx(result) = event {
                self.written(result);
            }
            return;
        }
        if let Some(task) = self.take(Wait::Op(op)) {
            self.step(task, event);
        }
    }

    /// The next effect to perform, in order; `None` when there is nothing to do until
    /// the next input.
    pub fn poll(&mut self) -> Option<Effect<H>> {
        let effect = self.out.pop_front();
        self.prompts.showing = matches!(effect, Some(Effect::ShowPrompt(_)));
        effect
    }

    /// Routes an arrived event to the flow of its task.
    fn step(&mut self, task: Task<H>, event: Event<H>) {
        let call = task.call;
        match task.flow {
            Flow::Start(start) => self.step_start(call, start, event),
            Flow::Refresh(created) => self.step_refresh(call, created, event),
            Flow::Agree => self.step_agree(call, event),
            Flow::Profile => self.step_profile(call, event),
            Flow::Login => self.step_login(call, event),
            Flow::Request(req) => self.step_request(call, req, event),
            Flow::Logout(revoke) => self.step_logout(call, revoke, event),
            Flow::Reset(revoke) => self.step_reset(call, revoke, event),
            Flow::Unbind(unbind) => self.step_unbind(call, unbind, event),
            Flow::Phone(phone) => self.step_phone(call, phone, event),
            Flow::SaveProfile(save) => self.step_save(call, save, event),
            Flow::Scopes => self.step_scopes(call, event),
            Flow::Contract => self.step_contract(call, event),
            Flow::Flight(run) => self.step_flight(run, event),
        }
    }

    fn new_call(&mut self) -> CallId {
        self.next_call = self.next_call.wrapping_add(1);
        CallId(self.next_call)
    }

    fn op(&mut self) -> Op {
        self.next_op = self.next_op.wrapping_add(1);
        Op(self.next_op)
    }

    /// Parks a task until `wait` arrives.
    fn park(&mut self, call: Option<CallId>, wait: Wait, flow: Flow<H>) {
        self.tasks.push(Task { call, wait, flow });
    }

    /// Takes out the first task waiting for `wait`.
    fn take(&mut self, wait: Wait) -> Option<Task<H>> {
        let i = self.tasks.iter().position(|t| t.wait == wait)?;
        Some(self.tasks.remove(i))
    }

    /// Calls a wx API and parks the flow until it answers.
    fn wx(&mut self, call: Option<CallId>, flow: Flow<H>, what: WxCall) {
        let op = self.op();
        self.out.push_back(Effect::Wx(op, what));
        self.park(call, Wait::Op(op), flow);
    }

    /// Sends a request and parks the flow until it answers.
    fn send(&mut self, call: Option<CallId>, flow: Flow<H>, what: Send<H>) {
        let op = self.op();
        self.out.push_back(Effect::Send(op, what));
        self.park(call, Wait::Op(op), flow);
    }

    /// Parks the flow until `at`.
    fn wake(&mut self, call: Option<CallId>, flow: Flow<H>, at: u64) {
        let op = self.op();
        self.out.push_back(Effect::Wake(op, at));
        self.park(call, Wait::Op(op), flow);
    }

    /// Parks the flow until its commit is written and applied (or fails).
    fn commit(&mut self, call: Option<CallId>, flow: Flow<H>, job: Job) {
        let op = self.op();
        self.park(call, Wait::Op(op), flow);
        self.enqueue(op, job);
    }

    /// Settles a page call (a no-op for a flow no page waits for).
    fn settle(&mut self, call: Option<CallId>, result: Result<Done<H>, AuthError>) {
        if let Some(call) = call {
            self.out.push_back(Effect::Settle(call, result));
        }
    }

    /// Settles a page call with the state, or with the error.
    fn settle_state(&mut self, call: Option<CallId>, result: Result<(), AuthError>) {
        let done = result.map(|()| Done::State(self.machine.state().clone()));
        self.settle(call, done);
    }

    /// Applies a transition that stores nothing (the privacy agreement), then tells the page.
    fn apply_now(&mut self, transition: &Transition) {
        if let Ok(true) = self.machine.apply(transition) {
            self.changed();
        }
    }

    fn changed(&mut self) {
        self.out
            .push_back(Effect::Changed(self.machine.state().clone()));
    }

    /// A number in [0, 1) for backoff jitter (xorshift64*).
    fn jitter(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn step_scopes(&mut self, call: Option<CallId>, event: Event<H>) {
        let result = match event {
            Event::Wx(Ok(WxOk::Scopes(scopes))) => Ok(Done::Scopes(scopes)),
            Event::Wx(Err(f)) => Err(tap_call_error(f, ErrorCode::WxFailed)),
            _ => Err(unexpected()),
        };
        self.settle(call, result);
    }

    fn step_contract(&mut self, call: Option<CallId>, event: Event<H>) {
        let result = match event {
            Event::Wx(Ok(_)) => Ok(Done::Nothing),
            Event::Wx(Err(f)) => Err(AuthError::from_wx(ErrorCode::PrivacyDenied, f)),
            _ => Err(unexpected()),
        };
        self.settle(call, result);
    }
}

/// The SDK error for a failed `getSetting`, `openSetting` or `getUserProfile`: a missing
/// tap and a missing privacy agreement have their own codes; any other failure is `otherwise`.
fn tap_call_error(failure: WxFailure, otherwise: ErrorCode) -> AuthError {
    let code = match failure.kind() {
        FailureKind::TapRequired => ErrorCode::TapRequired,
        FailureKind::Privacy => ErrorCode::PrivacyDenied,
        _ => otherwise,
    };
    AuthError::from_wx(code, failure)
}

/// An answer of the wrong shape for the step (an edge bug, never a page's doing).
fn unexpected() -> AuthError {
    AuthError::new(ErrorCode::WxFailed, "wx answered with an unexpected result")
}
