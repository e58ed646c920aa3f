//! A native world for the engine: a model of wx (single-use login codes, storage in two
//! encrypt modes with quotas, privacy prompts, taps), of the app's backend (sessions,
//! 401s, busy answers) and a virtual clock, in the manner of quinn's `Pair`.
//!
//! The world performs the engine's effects as the wasm edge does: after every page call
//! and every delivered answer it takes effects until there are none. wx's answers are
//! computed when the effect is performed and delivered later, each after `latency` ms;
//! a test delivers them in time order ([`World::run`]) or in any order it likes
//! ([`World::deliver`]), which is how the property tests interleave flows.
//!
//! The model follows `shared/reference/platform.md`, as `tests/sim/wx-sim.js` does:
//! codes are single-use and live 5 minutes; storage is read back only in the mode it was
//! written in, a missing key is `getStorage:fail data not found`, 1 MB a key; privacy
//! APIs wait for the prompt's answer, and an agreement counts only with the id of a
//! tapped agree button; `getUserProfile` and `openSetting` fail outside a tap.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use wx_auth::engine::{
    Answer, Call, CallId, Done, Effect, Engine, Host, Input, Op, Platform, Reply, Send, Stored,
    WxCall, WxOk,
};
use wx_auth::error::AuthError;
use wx_auth::phone::PhoneEvent;
use wx_auth::record::{self, Decoded};
use wx_auth::scope::Scopes;
use wx_auth::state::{AuthState, StateKind};
use wx_auth::version::{BaseVersion, PRIVACY_APIS};
use wx_auth::wx_failure::WxFailure;
use wx_auth::Config;

/// The engine's host types in the native world.
pub struct Native;

impl Host for Native {
    type Doc = serde_json::Value;
    type Request = PageRequest;
    type Response = PageResponse;
    type Prompt = u32;
}

/// A page's request: a path on the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub path: String,
}

/// What the page's request got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageResponse {
    pub status: u16,
    pub body: String,
}

/// How a page call settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created,
    State(AuthState),
    Response(PageResponse),
    Scopes(Vec<(String, bool)>),
    Nothing,
    /// The backend's JSON text (`verifyPhoneNumber`).
    Body(String),
    Failed(AuthError),
}

impl Outcome {
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Outcome::Failed(e) => Some(e.code.as_str()),
            _ => None,
        }
    }
}

/// A fault the platform can produce, armed for one wx call or request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// `<api>:fail system error`, errno 602001.
    WxFail,
    /// `<api>:fail timeout`, errno 5.
    Timeout,
    /// The app went to the background: `request:fail interrupted`, errno 600003.
    Interrupted,
    /// The backend answers 503 `{code: BUSY}`.
    Http503,
    /// The backend answers 401.
    Http401,
    /// The backend refuses for good: 403 `{code: USER_BLOCKED}`.
    Http403,
    /// The backend answers 200 with a body cut short.
    MalformedJson,
    /// The backend answers 200 with 2 MB of junk.
    OversizedBody,
    /// `setStorage:fail exceed storage max size 10MB`.
    StorageFull,
    /// The stored record is junk when read.
    StorageCorrupt,
    /// The user declines the privacy prompt.
    PrivacyDisagree,
    /// The user declines the profile popup.
    ProfileDeny,
    /// The page lost the tap before calling.
    TapLost,
}

impl Fault {
    pub const ALL: [Fault; 13] = [
        Fault::WxFail,
        Fault::Timeout,
        Fault::Interrupted,
        Fault::Http503,
        Fault::Http401,
        Fault::Http403,
        Fault::MalformedJson,
        Fault::OversizedBody,
        Fault::StorageFull,
        Fault::StorageCorrupt,
        Fault::PrivacyDisagree,
        Fault::ProfileDeny,
        Fault::TapLost,
    ];

    /// Whether the platform can produce this fault at a step with this name.
    pub fn applies(self, step: &str) -> bool {
        let request = step.starts_with("request ");
        match self {
            Fault::WxFail => step != "prompt",
            Fault::Timeout | Fault::Interrupted => request || step == "login",
            Fault::Http503
            | Fault::Http401
            | Fault::Http403
            | Fault::MalformedJson
            | Fault::OversizedBody => request && !step.ends_with("/auth/logout"),
            Fault::StorageFull => step == "setStorage",
            Fault::StorageCorrupt => step == "getStorage",
            Fault::PrivacyDisagree => step == "prompt",
            Fault::ProfileDeny => step == "getUserProfile",
            Fault::TapLost => step == "getUserProfile" || step == "openSetting",
        }
    }
}

/// How the page answers privacy prompts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptPolicy {
    /// Tap the agree button and resolve with it.
    Agree,
    /// Resolve with disagree.
    Disagree,
    /// Leave it waiting (a test answers later).
    Wait,
}

/// One performed effect the world still has to answer.
#[derive(Debug)]
pub struct Pending {
    pub op: Op,
    pub due: u64,
    pub answer: Due,
}

/// What a pending effect will be answered with.
#[derive(Debug)]
pub enum Due {
    Wx(Result<WxOk, WxFailure>),
    Text(Result<(u16, String), WxFailure>),
    Page(Result<PageResponse, WxFailure>),
    Timer,
    /// A privacy-gated wx call waiting for the prompt's answer (not deliverable yet).
    Gated(u32),
    /// A revoke request: answered, and the engine ignores it.
    Ignored(Result<(u16, String), WxFailure>),
}

/// A stored item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The JSON text of the stored value (`JSON.stringify(data)`).
    pub json: String,
    pub encrypted: bool,
}

/// One wx call or request the engine made, for counting and for learning a flow's steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub step: String,
    pub at: u64,
}

/// A session on the backend.
#[derive(Debug, Clone)]
pub struct BackendSession {
    pub openid: String,
    pub expires_at: u64,
    pub revoked: bool,
    /// The `seq` at which the wx.login code behind it was minted.
    pub code_seq: u64,
}

/// The app's backend.
#[derive(Debug, Default)]
pub struct Backend {
    pub sessions: HashMap<String, BackendSession>,
    pub ttl_secs: u64,
    pub next_token: u64,
    /// The API refuses every token with 401 (a broken backend).
    pub refuse_all: bool,
    /// Whether the account exists.
    pub bound: bool,
    /// Requests by path.
    pub hits: BTreeMap<String, u32>,
    /// The verified phone number stored with the user.
    pub phone: Option<String>,
    /// The profile saved with the user (`POST /auth/profile`): nickname, https avatar.
    pub profile: Option<(String, String)>,
    /// Avatars uploaded so far (each upload gets a new URL).
    pub uploads: u32,
    /// Every profile the backend has saved, in order.
    pub saved_profiles: Vec<(String, String)>,
    /// WeChat tells the backend who calls (a cloud function's OPENID): login and unbind
    /// take `{}` and no code.
    pub platform_identity: bool,
}

/// The world.
pub struct World {
    pub now: u64,
    /// Bumped by every performed effect and page call: an order of events.
    pub seq: u64,
    pub engine: Engine<Native>,
    pub config: Config,
    pub sdk_version: String,
    pub latency: u64,
    /// Armed faults, by index into `log`.
    pub armed: HashMap<usize, Fault>,
    /// The page calls the current engine was given, and how each settled (in order).
    pub calls: Vec<CallId>,
    pub settled: HashMap<CallId, Outcome>,
    /// A call settled twice.
    pub double_settle: Option<CallId>,
    pub changes: Vec<StateKind>,
    pub log: Vec<Logged>,
    pub pending: Vec<Pending>,
    pub prompt_policy: PromptPolicy,
    /// Prompts the page has seen and not answered (for `PromptPolicy::Wait`).
    pub prompts_shown: u32,
    pub prompt_handler: bool,
    pub in_tap: bool,
    // The platform.
    pub storage: HashMap<String, Item>,
    pub codes: HashMap<String, (u64, u64, bool)>, // code -> (minted at, seq, used)
    pub privacy_agreed: bool,
    pub tapped: HashSet<String>,
    pub profile_deny: bool,
    pub session_key_until: u64,
    /// wx calls waiting on a prompt: prompt id -> (op, api).
    pub gated: HashMap<u32, (Op, &'static str)>,
    pub next_prompt: u32,
    pub backend: Backend,
    /// The latest `seq` at which a logout or reset was called: a token whose code was
    /// minted before it must never be the state's again.
    pub void_seq: u64,
    /// The state's token when that logout or reset was called (it stays if the call fails).
    pub kept_token: Option<String>,
    /// Logout and reset calls not settled yet: (call, seq at the call, the token then).
    pub void_pending: Vec<(CallId, u64, Option<String>)>,
    pub started: bool,
    pub start_call: Option<CallId>,
    /// The ops of storage writes (to tell whether one is pending).
    pub writes: HashSet<Op>,
    /// Whether the last storage write the SDK was answered failed.
    pub last_write_failed: bool,
    /// Phone codes the button gave: code -> (minted at, used).
    pub phone_codes: HashMap<String, (u64, bool)>,
    /// Verifications WeChat billed (each code the page received).
    pub billed: u32,
    /// How many times each phone request body was sent (a code must leave at most once).
    pub phone_sends: HashMap<String, u32>,
}

pub const KEY: &str = "wx-auth:session";
pub const T0: u64 = 1_750_000_000_000;

impl World {
    /// A phone with nothing stored; `needs_privacy` is whether the user still has to agree.
    pub fn new(config: Config, needs_privacy: bool) -> World {
        World::with_version(config, needs_privacy, "3.3.4")
    }

    pub fn with_version(config: Config, needs_privacy: bool, version: &str) -> World {
        let (engine, _) = Engine::start(T0, config, Platform::default(), 1);
        let mut w = World {
            now: T0,
            seq: 0,
            engine,
            config,
            sdk_version: version.into(),
            latency: 20,
            armed: HashMap::new(),
            calls: Vec::new(),
            settled: HashMap::new(),
            double_settle: None,
            changes: Vec::new(),
            log: Vec::new(),
            pending: Vec::new(),
            prompt_policy: PromptPolicy::Agree,
            prompts_shown: 0,
            prompt_handler: true,
            in_tap: false,
            storage: HashMap::new(),
            codes: HashMap::new(),
            privacy_agreed: !needs_privacy,
            tapped: HashSet::new(),
            profile_deny: false,
            session_key_until: 0,
            gated: HashMap::new(),
            next_prompt: 0,
            backend: Backend {
                ttl_secs: 7200,
                bound: false,
                ..Backend::default()
            },
            void_seq: 0,
            kept_token: None,
            void_pending: Vec::new(),
            started: false,
            start_call: None,
            writes: HashSet::new(),
            last_write_failed: false,
            phone_codes: HashMap::new(),
            billed: 0,
            phone_sends: HashMap::new(),
        };
        w.restart();
        w
    }

    fn version(&self) -> Option<BaseVersion> {
        BaseVersion::parse(&self.sdk_version)
    }

    fn has(&self, min: BaseVersion) -> bool {
        self.version().is_some_and(|v| v.at_least(min))
    }

    /// Starts the SDK again on the same phone (a new launch): what was in flight is gone.
    /// Runs start-up to its end; `started` says whether it succeeded.
    pub fn restart(&mut self) {
        self.void_pending.clear();
        self.pending.clear();
        self.writes.clear();
        self.gated.clear();
        self.calls.clear();
        self.settled.clear();
        let platform = Platform {
            base: self.version(),
            privacy_setting: self.has(PRIVACY_APIS),
            privacy_authorize: self.has(PRIVACY_APIS),
        };
        self.seq += 1;
        let (engine, call) = Engine::start(self.now, self.config, platform, self.seq);
        self.engine = engine;
        // The page's privacy-popup component registers its handler as the page loads.
        self.engine.set_prompt_handler(self.prompt_handler);
        self.calls.push(call);
        self.start_call = Some(call);
        self.drain();
        self.run();
        self.started = matches!(self.settled.get(&call), Some(Outcome::Created));
    }

    /// A page call outside a tap.
    pub fn call(&mut self, call: Call<Native>) -> CallId {
        self.seq += 1;
        let voids = matches!(call, Call::Logout | Call::Reset);
        let kept = self.state().session().map(|s| s.token().to_string());
        let seq = self.seq;
        let id = self.engine.call(self.now, call);
        if voids {
            // It counts once it settles: an app killed before that never logged out.
            self.void_pending.push((id, seq, kept));
        }
        self.calls.push(id);
        self.drain();
        id
    }

    /// A page call inside a tap handler: wx calls made before it returns count as tapped.
    pub fn tap(&mut self, call: Call<Native>) -> CallId {
        self.in_tap = true;
        let id = self.call(call);
        self.in_tap = false;
        id
    }

    /// `setProfile` (synchronous).
    pub fn set_profile(
        &mut self,
        nick: Option<&str>,
        avatar: Option<&str>,
    ) -> Result<AuthState, AuthError> {
        let patch = wx_auth::profile::ProfilePatch {
            nick_name: nick.map(Into::into),
            avatar_url: avatar.map(Into::into),
        };
        let r = self.engine.set_profile(self.now, patch);
        self.drain();
        r
    }

    /// The user taps the getPhoneNumber button and allows: WeChat bills the app and the
    /// page gets the event with a fresh code (single use, 5 minutes).
    pub fn phone_event(&mut self) -> PhoneEvent {
        self.billed += 1;
        let code = format!("ph-{}", self.billed);
        self.phone_codes.insert(code.clone(), (self.now, false));
        PhoneEvent {
            code: Some(code),
            err_msg: "getPhoneNumber:ok".into(),
            errno: None,
        }
    }

    /// Performs every effect the engine has for us.
    pub fn drain(&mut self) {
        while let Some(effect) = self.engine.poll() {
            self.perform(effect);
        }
    }

    /// Delivers pending answers in time order until nothing is left (a timer advances
    /// the clock). Gated calls wait for their prompt's answer and are left.
    pub fn run(&mut self) {
        while let Some(i) = self.next_due() {
            self.deliver(i);
        }
    }

    /// Like [`World::run`], but stops before the clock passes `until`.
    pub fn run_until(&mut self, until: u64) {
        while let Some(i) = self.next_due() {
            if self.pending.get(i).is_some_and(|p| p.due > until) {
                break;
            }
            self.deliver(i);
        }
        self.now = self.now.max(until);
    }

    fn next_due(&self) -> Option<usize> {
        self.pending
            .iter()
            .enumerate()
            .filter(|(_, p)| !matches!(p.answer, Due::Gated(_)))
            .min_by_key(|(_, p)| p.due)
            .map(|(i, _)| i)
    }

    /// Indices of the answers that can be delivered now (not waiting on a prompt).
    pub fn deliverable(&self) -> Vec<usize> {
        (0..self.pending.len())
            .filter(|&i| !matches!(self.pending[i].answer, Due::Gated(_)))
            .collect()
    }

    /// Delivers pending answer `i` (the clock moves to its due time if that is later).
    pub fn deliver(&mut self, i: usize) {
        match self.pending.get(i) {
            None
            | Some(Pending {
                answer: Due::Gated(_),
                ..
            }) => return,
            Some(_) => {}
        }
        let p = self.pending.remove(i);
        if self.writes.remove(&p.op) {
            self.last_write_failed = matches!(p.answer, Due::Wx(Err(_)));
        }
        self.now = self.now.max(p.due);
        let input = match p.answer {
            Due::Wx(r) => Input::Wx(p.op, r),
            Due::Text(r) => {
                Input::Reply(p.op, r.map(|(status, body)| Reply::Text { status, body }))
            }
            Due::Ignored(r) => {
                Input::Reply(p.op, r.map(|(status, body)| Reply::Text { status, body }))
            }
            Due::Page(r) => Input::Reply(
                p.op,
                r.map(|response| Reply::Page {
                    status: response.status,
                    response,
                }),
            ),
            Due::Timer => Input::Timer(p.op),
            Due::Gated(_) => return,
        };
        self.seq += 1;
        self.engine.handle(self.now, input);
        self.drain();
    }

    /// Moves the clock.
    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
    }

    pub fn state(&self) -> &AuthState {
        self.engine.state()
    }

    pub fn outcome(&self, id: CallId) -> Option<&Outcome> {
        self.settled.get(&id)
    }

    /// How many times the engine called this wx API (or sent to this path: `request /x`).
    pub fn count(&self, step: &str) -> usize {
        self.log.iter().filter(|l| l.step == step).count()
    }

    /// The stored record's text, if the SDK's key holds a string.
    pub fn record_text(&self) -> Option<String> {
        let item = self.storage.get(KEY)?;
        serde_json::from_str::<String>(&item.json).ok()
    }

    /// What the stored record says, as the SDK would read it back.
    pub fn stored_state(&self) -> Option<Decoded> {
        self.record_text().map(|t| record::decode(&t))
    }

    /// Whether storage says what the state says: no record for anonymous and
    /// privacy-agreed, else a record of exactly this state.
    pub fn record_matches_state(&self) -> bool {
        let state = self.state();
        match (state, self.stored_state()) {
            (AuthState::Anonymous | AuthState::PrivacyAgreed, None) => true,
            (_, Some(Decoded::State(s))) => &s == state,
            _ => false,
        }
    }

    /// Whether a storage write is still to be answered.
    pub fn write_pending(&self) -> bool {
        self.pending.iter().any(|p| self.writes.contains(&p.op))
    }

    fn respond(&mut self, op: Op, answer: Due) {
        self.pending.push(Pending {
            op,
            due: self.now + self.latency,
            answer,
        });
    }

    /// Logs a step; the fault armed for it, if the platform can produce it there.
    fn logged(&mut self, step: String) -> Option<Fault> {
        self.seq += 1;
        let fault = self
            .armed
            .remove(&self.log.len())
            .filter(|f| f.applies(&step));
        self.log.push(Logged { step, at: self.now });
        fault
    }

    fn perform(&mut self, effect: Effect<Native>) {
        match effect {
            Effect::Wx(op, call) => self.perform_wx(op, call),
            Effect::Send(op, send) => self.perform_send(op, send),
            Effect::Wake(op, at) => self.pending.push(Pending {
                op,
                due: at.max(self.now),
                answer: Due::Timer,
            }),
            Effect::Settle(call, result) => {
                let outcome = match result {
                    Ok(Done::Created) => Outcome::Created,
                    Ok(Done::State(s)) => Outcome::State(s),
                    Ok(Done::Response(r)) => Outcome::Response(r),
                    Ok(Done::Scopes(s)) => Outcome::Scopes(scopes(&s)),
                    Ok(Done::Nothing) => Outcome::Nothing,
                    Ok(Done::Body(b)) => Outcome::Body(b),
                    Err(e) => Outcome::Failed(e),
                };
                // A logout refused at once (nothing to log out of) voided nothing.
                let refused = outcome.code() == Some("INVALID_TRANSITION");
                if self.settled.insert(call, outcome).is_some() {
                    self.double_settle.get_or_insert(call);
                }
                if let Some(i) = self.void_pending.iter().position(|v| v.0 == call) {
                    let (_, seq, kept) = self.void_pending.remove(i);
                    if !refused {
                        self.void_seq = seq;
                        self.kept_token = kept;
                    }
                }
            }
            Effect::Changed(state) => self.changes.push(state.kind()),
            Effect::ShowPrompt(_) => {
                self.prompts_shown += 1;
                let step_fault = self.logged("prompt".into());
                let policy = if step_fault == Some(Fault::PrivacyDisagree) {
                    PromptPolicy::Disagree
                } else {
                    self.prompt_policy
                };
                match policy {
                    PromptPolicy::Agree => {
                        self.tapped.insert("agree-btn".into());
                        let _ = self.engine.resolve_privacy(
                            self.now,
                            Some(true),
                            Some("agree-btn".into()),
                        );
                    }
                    PromptPolicy::Disagree => {
                        let _ = self.engine.resolve_privacy(self.now, Some(false), None);
                    }
                    PromptPolicy::Wait => {}
                }
            }
            Effect::Answer(prompt, answer) => self.answer_prompt(prompt, answer),
        }
    }

    /// The page answers a waiting prompt now (for `PromptPolicy::Wait`).
    pub fn resolve_prompt(&mut self, agree: bool) -> Result<(), AuthError> {
        if agree {
            self.tapped.insert("agree-btn".into());
        }
        let r =
            self.engine
                .resolve_privacy(self.now, Some(agree), agree.then(|| "agree-btn".into()));
        self.drain();
        r
    }

    /// The page registers or clears its prompt handler.
    pub fn set_prompt_handler(&mut self, present: bool) {
        self.prompt_handler = present;
        self.engine.set_prompt_handler(present);
        self.drain();
    }

    fn answer_prompt(&mut self, prompt: u32, answer: Answer) {
        let Some((op, api)) = self.gated.remove(&prompt) else {
            return;
        };
        let Some(i) = self.pending.iter().position(|p| p.op == op) else {
            return;
        };
        let agreed = matches!(&answer, Answer::Agree(id) if self.tapped.contains(id));
        let result = if agreed {
            self.privacy_agreed = true;
            self.gated_success(api)
        } else {
            Err(fail(api, "privacy permission is not authorized", Some(104)))
        };
        self.pending[i].answer = Due::Wx(result);
        self.pending[i].due = self.now + self.latency;
    }

    /// What a privacy-gated call answers once the user agreed.
    fn gated_success(&self, api: &str) -> Result<WxOk, WxFailure> {
        match api {
            "getUserProfile" => self.user_info(),
            _ => Ok(WxOk::Done),
        }
    }

    fn user_info(&self) -> Result<WxOk, WxFailure> {
        if self.profile_deny {
            return Err(fail("getUserProfile", "auth deny", None));
        }
        let anonymised = self.has(BaseVersion(2, 27, 1));
        Ok(WxOk::UserInfo {
            nick_name: if anonymised { "微信用户" } else { "小明" }.into(),
            avatar_url: "https://thirdwx.qlogo.cn/mmopen/vi_32/xiaoming/132".into(),
        })
    }

    fn perform_wx(&mut self, op: Op, call: WxCall) {
        let api = api_name(&call);
        if matches!(call, WxCall::SetStorage { .. } | WxCall::RemoveStorage) {
            self.writes.insert(op);
        }
        let fault = self.logged(api.into());
        let in_tap = self.in_tap && fault != Some(Fault::TapLost);
        let result = match fault {
            Some(Fault::WxFail) => Err(fail(api, "system error", Some(602001))),
            Some(Fault::Timeout) => Err(fail(api, "timeout", Some(5))),
            Some(Fault::StorageFull) => Err(fail(api, "exceed storage max size 10MB", None)),
            Some(Fault::StorageCorrupt) => {
                // The data under the key is junk from now on (read back as it is).
                let junk = "{\"v\":2,\"state\":\"logged-in\",\"tok";
                let encrypted = self.storage.get(KEY).is_some_and(|i| i.encrypted);
                let json = serde_json::to_string(junk).unwrap();
                self.storage.insert(KEY.into(), Item { json, encrypted });
                Ok(WxOk::Stored(Stored::Text(junk.into())))
            }
            _ => {
                if fault == Some(Fault::ProfileDeny) {
                    self.profile_deny = true;
                }
                let r = self.wx_result(op, &call, in_tap);
                if fault == Some(Fault::ProfileDeny) {
                    self.profile_deny = false;
                }
                match r {
                    Some(r) => r,
                    None => return, // gated on a prompt
                }
            }
        };
        self.respond(op, Due::Wx(result));
    }

    /// The platform's answer to a wx call; `None` when it waits for a privacy prompt.
    fn wx_result(
        &mut self,
        op: Op,
        call: &WxCall,
        in_tap: bool,
    ) -> Option<Result<WxOk, WxFailure>> {
        let encrypt_ok = self.has(BaseVersion(2, 21, 3));
        Some(match call {
            WxCall::Login => {
                let code = format!("code-{:06}", self.seq);
                self.codes.insert(code.clone(), (self.now, self.seq, false));
                self.session_key_until = self.now + 24 * 3600 * 1000;
                Ok(WxOk::Code(code))
            }
            WxCall::CheckSession => {
                if self.session_key_until > self.now {
                    Ok(WxOk::Done)
                } else {
                    Err(fail("checkSession", "session time out, need relogin", None))
                }
            }
            WxCall::GetPrivacySetting => Ok(WxOk::NeedsAgreement(!self.privacy_agreed)),
            WxCall::RequirePrivacyAuthorize => {
                return self.gate(op, "requirePrivacyAuthorize", Ok(WxOk::Done))
            }
            WxCall::OpenPrivacyContract => {
                if self.has(PRIVACY_APIS) {
                    Ok(WxOk::Done)
                } else {
                    Err(WxFailure::unsupported("openPrivacyContract"))
                }
            }
            WxCall::GetSetting => Ok(WxOk::Scopes(Scopes::read(|k| {
                (k == "scope.userLocation").then_some(true)
            }))),
            WxCall::OpenSetting => {
                if !in_tap {
                    Err(fail(
                        "openSetting",
                        "can only be invoked by user TAP gesture",
                        None,
                    ))
                } else {
                    Ok(WxOk::Scopes(Scopes::read(|k| {
                        (k == "scope.userLocation").then_some(false)
                    })))
                }
            }
            WxCall::GetUserProfile(desc) => {
                if !in_tap {
                    Err(fail(
                        "getUserProfile",
                        "can only be invoked by user TAP gesture",
                        None,
                    ))
                } else if desc.is_empty() || desc.chars().count() > 30 {
                    Err(fail(
                        "getUserProfile",
                        "desc length does not meet the requirements",
                        None,
                    ))
                } else {
                    let info = self.user_info();
                    return self.gate(op, "getUserProfile", info);
                }
            }
            WxCall::GetStorage { encrypt } => {
                let encrypt = *encrypt && encrypt_ok;
                match self.storage.get(KEY) {
                    None => Err(fail("getStorage", "data not found", None)),
                    Some(item) if item.encrypted != encrypt => Err(fail(
                        "getStorage",
                        if item.encrypted {
                            "data was written with encrypt: true"
                        } else {
                            "data was not written with encrypt"
                        },
                        None,
                    )),
                    Some(item) => Ok(WxOk::Stored(
                        match serde_json::from_str::<serde_json::Value>(&item.json) {
                            Ok(serde_json::Value::String(text)) => Stored::Text(text),
                            Ok(serde_json::Value::Null) => Stored::Missing,
                            _ => Stored::Foreign,
                        },
                    )),
                }
            }
            WxCall::SetStorage { text, encrypt } => {
                let encrypted = *encrypt && encrypt_ok;
                let json = serde_json::to_string(text).unwrap();
                let factor = if encrypted { 1.4 } else { 1.0 };
                if (json.len() + KEY.len()) as f64 * factor > 1024.0 * 1024.0 {
                    Err(fail("setStorage", "exceed storage item max length", None))
                } else {
                    self.storage.insert(KEY.into(), Item { json, encrypted });
                    Ok(WxOk::Done)
                }
            }
            WxCall::RemoveStorage => {
                self.storage.remove(KEY);
                Ok(WxOk::Done)
            }
        })
    }

    /// A privacy-gated call: at once when agreed, else the prompt goes to the SDK's
    /// listener and the call waits for its answer.
    fn gate(
        &mut self,
        op: Op,
        api: &'static str,
        then: Result<WxOk, WxFailure>,
    ) -> Option<Result<WxOk, WxFailure>> {
        if !self.has(PRIVACY_APIS) || self.privacy_agreed {
            return Some(then);
        }
        self.next_prompt += 1;
        let prompt = self.next_prompt;
        self.gated.insert(prompt, (op, api));
        self.pending.push(Pending {
            op,
            due: u64::MAX,
            answer: Due::Gated(prompt),
        });
        self.engine.handle_prompt(self.now, prompt, api.into());
        None
    }

    fn perform_send(&mut self, op: Op, send: Send<Native>) {
        let path = match &send {
            Send::Login(_) => "/auth/login",
            Send::Unbind { .. } => "/auth/unbind",
            Send::Logout(_) => "/auth/logout",
            Send::Page(r, _) => r.path.as_str(),
            Send::Phone { .. } => "/auth/phone",
            Send::Profile { .. } | Send::Upload { .. } => "/auth/profile",
        }
        .to_string();
        let api = if matches!(send, Send::Upload { .. }) {
            "uploadFile"
        } else {
            "request"
        };
        if let Send::Phone { body, .. } = &send {
            *self.phone_sends.entry(body.clone()).or_default() += 1;
        }
        let fault = self.logged(format!("request {path}"));
        *self.backend.hits.entry(path.clone()).or_default() += 1;
        let wx_fail = match fault {
            Some(Fault::WxFail) => Some(fail(api, "system error", Some(602001))),
            Some(Fault::Timeout) => Some(fail(api, "timeout", Some(5))),
            Some(Fault::Interrupted) => Some(fail(api, "interrupted", Some(600003))),
            _ => None,
        };
        let http = match fault {
            Some(Fault::Http503) => Some((
                503,
                r#"{"code":"BUSY","message":"system busy"}"#.to_string(),
            )),
            Some(Fault::Http401) => Some((401, r#"{"code":"UNAUTHORIZED"}"#.to_string())),
            Some(Fault::Http403) => Some((403, r#"{"code":"USER_BLOCKED"}"#.to_string())),
            Some(Fault::MalformedJson) => {
                Some((200, r#"{"token": "tok-x", "expiresIn": "#.to_string()))
            }
            Some(Fault::OversizedBody) => Some((200, "x".repeat(2 * 1024 * 1024))),
            _ => None,
        };
        let result = match (wx_fail, http) {
            (Some(f), _) => Err(f),
            (None, Some(answer)) => Ok(answer),
            (None, None) => Ok(self.backend_answer(&send)),
        };
        let answer = match send {
            Send::Page(..) => Due::Page(result.map(|(status, body)| PageResponse { status, body })),
            Send::Logout(_) => Due::Ignored(result),
            _ => Due::Text(result),
        };
        self.respond(op, answer);
    }

    /// Takes a valid login code, or says why not (behind a cloud function, `{}` is the
    /// caller WeChat names, as of now).
    fn take_code(&mut self, body: &str) -> Result<u64, (u16, String)> {
        if self.backend.platform_identity && body == "{}" {
            return Ok(self.seq);
        }
        let code = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(String::from))
            .unwrap_or_default();
        match self.codes.get_mut(&code) {
            Some((minted, seq, used)) if !*used && self.now < *minted + 5 * 60 * 1000 => {
                *used = true;
                Ok(*seq)
            }
            _ => Err((
                400,
                r#"{"code":"INVALID_CODE","message":"invalid code"}"#.into(),
            )),
        }
    }

    fn valid_token(&self, token: &str) -> bool {
        self.backend
            .sessions
            .get(token)
            .is_some_and(|s| !s.revoked && s.expires_at > self.now)
    }

    fn backend_answer(&mut self, send: &Send<Native>) -> (u16, String) {
        match send {
            Send::Login(body) => match self.take_code(body) {
                Ok(code_seq) => {
                    self.backend.next_token += 1;
                    let token = format!("tok-{}", self.backend.next_token);
                    self.backend.bound = true;
                    self.backend.sessions.insert(
                        token.clone(),
                        BackendSession {
                            openid: "o-xiaoming".into(),
                            expires_at: self.now + self.backend.ttl_secs * 1000,
                            revoked: false,
                            code_seq,
                        },
                    );
                    let profile = match &self.backend.profile {
                        Some((nick, avatar)) => {
                            format!(r#","profile":{{"nickName":"{nick}","avatarUrl":"{avatar}"}}"#)
                        }
                        None => String::new(),
                    };
                    (
                        200,
                        format!(
                            r#"{{"token":"{token}","expiresIn":{}{profile}}}"#,
                            self.backend.ttl_secs
                        ),
                    )
                }
                Err(answer) => answer,
            },
            Send::Logout(token) => {
                if let Some(s) = self.backend.sessions.get_mut(token) {
                    s.revoked = true;
                }
                (200, r#"{"ok":true}"#.into())
            }
            Send::Unbind { body, token } => {
                if !self.valid_token(token) {
                    return (401, r#"{"code":"UNAUTHORIZED"}"#.into());
                }
                if let Err(answer) = self.take_code(body) {
                    return answer;
                }
                self.backend.bound = false;
                self.backend.profile = None;
                for s in self.backend.sessions.values_mut() {
                    s.revoked = true;
                }
                (200, r#"{"ok":true}"#.into())
            }
            Send::Phone { body, token } => {
                if !self.valid_token(token) {
                    return (401, r#"{"code":"UNAUTHORIZED"}"#.into());
                }
                let code = serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(String::from))
                    .unwrap_or_default();
                match self.phone_codes.get_mut(&code) {
                    Some((minted, used)) if !*used && self.now < *minted + 5 * 60 * 1000 => {
                        *used = true;
                        self.backend.phone = Some("13800138000".into());
                        (
                            200,
                            r#"{"phoneNumber":"138****8000","countryCode":"86"}"#.into(),
                        )
                    }
                    _ => (
                        400,
                        r#"{"code":"INVALID_CODE","message":"invalid code"}"#.into(),
                    ),
                }
            }
            Send::Profile { body, token } => {
                if self.backend.refuse_all || !self.valid_token(token) {
                    return (401, r#"{"code":"UNAUTHORIZED"}"#.into());
                }
                let v = serde_json::from_str::<serde_json::Value>(body).unwrap_or_default();
                let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(String::from);
                match (field("nickName"), field("avatarUrl")) {
                    (Some(nick), Some(avatar)) if avatar.starts_with("https://") => {
                        self.save_profile(nick, avatar)
                    }
                    _ => (
                        400,
                        r#"{"code":"INVALID_PROFILE","message":"bad profile"}"#.into(),
                    ),
                }
            }
            Send::Upload {
                file,
                nick_name,
                token,
            } => {
                if self.backend.refuse_all || !self.valid_token(token) {
                    return (401, r#"{"code":"UNAUTHORIZED"}"#.into());
                }
                if !file.starts_with("wxfile://") && !file.starts_with("http://tmp/") {
                    return (
                        415,
                        r#"{"code":"UNSUPPORTED_IMAGE","message":"not an image"}"#.into(),
                    );
                }
                self.backend.uploads += 1;
                let avatar = format!(
                    "https://api.example.com/avatars/{}.png",
                    self.backend.uploads
                );
                self.save_profile(nick_name.clone(), avatar)
            }
            Send::Page(_, token) => {
                if self.backend.refuse_all || !self.valid_token(token) {
                    (401, r#"{"code":"UNAUTHORIZED"}"#.into())
                } else {
                    (200, r#"{"openid":"o-xiaoming"}"#.into())
                }
            }
        }
    }

    fn save_profile(&mut self, nick: String, avatar: String) -> (u16, String) {
        let body = format!(r#"{{"nickName":"{nick}","avatarUrl":"{avatar}"}}"#);
        self.backend.profile = Some((nick.clone(), avatar.clone()));
        self.backend.saved_profiles.push((nick, avatar));
        (200, body)
    }

    /// Whether every phone code was sent at most once (each is billed and single use).
    pub fn phone_codes_sent_once(&self) -> bool {
        self.phone_sends.values().all(|&n| n <= 1)
    }

    /// Whether the state's token (if any) is one a logout or reset did not void: the
    /// session kept by a logout that failed, or one whose wx.login code came after it.
    pub fn token_is_live(&self) -> bool {
        let Some(token) = self.state().session().map(|s| s.token()) else {
            return true;
        };
        let minted = self.backend.sessions.get(token).map_or(0, |s| s.code_seq);
        minted > self.void_seq || self.kept_token.as_deref() == Some(token)
    }
}

fn scopes(s: &Scopes) -> Vec<(String, bool)> {
    s.iter().map(|(k, v)| (k.as_str().to_string(), v)).collect()
}

pub fn fail(api: &str, text: &str, errno: Option<i64>) -> WxFailure {
    WxFailure::new(format!("{api}:fail {text}"), errno)
}

pub fn api_name(call: &WxCall) -> &'static str {
    match call {
        WxCall::Login => "login",
        WxCall::CheckSession => "checkSession",
        WxCall::GetPrivacySetting => "getPrivacySetting",
        WxCall::RequirePrivacyAuthorize => "requirePrivacyAuthorize",
        WxCall::OpenPrivacyContract => "openPrivacyContract",
        WxCall::GetSetting => "getSetting",
        WxCall::OpenSetting => "openSetting",
        WxCall::GetUserProfile(_) => "getUserProfile",
        WxCall::GetStorage { .. } => "getStorage",
        WxCall::SetStorage { .. } => "setStorage",
        WxCall::RemoveStorage => "removeStorage",
    }
}

/// A page request to `/api/me`.
pub fn me() -> Call<Native> {
    Call::Request(PageRequest {
        path: "/api/me".into(),
    })
}
