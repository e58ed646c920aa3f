//! The exported `Auth`: runs the [`Machine`] against wx and hands JS the results.

use super::doc::HostDoc;
use super::js::{self, error_value, get, out, state_value, Out};
use super::lock::CommitLock;
use super::privacy::{Answer, Prompts};
use super::task::{promise as future_to_promise, spawn as spawn_local};
use super::waiters::Waiters;
use super::wx::{self, Request, Response, Stored};
use crate::error::{AuthError, ErrorCode};
use crate::exchange;
use crate::machine::{Config, Flight, LoginStart, Machine, TokenUse, Transition};
use crate::profile::ProfilePatch;
use crate::record::{self, Decoded};
use crate::request::Method;
use crate::retry::Backoff;
use crate::state::{AuthState, LogoutReason};
use crate::storage::StoragePlan;
use crate::wx_failure::{FailureKind, WxFailure};
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use js_sys::{Function, JsString, Object, Promise};
use wasm_bindgen::prelude::*;

/// The storage key used when the app gives none.
pub const DEFAULT_STORAGE_KEY: &str = "wx-auth:session";
/// How long `wx.request` waits for the backend when the app does not say, in ms.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

type Res<T> = Result<T, AuthError>;

/// What `createAuth(options)` was given, checked.
struct Options {
    /// The URLs are kept as the JS strings the app gave, so no call copies them again.
    login_url: JsValue,
    logout_url: Option<JsValue>,
    /// Where `unbind()` POSTs `{code}` with the bearer token.
    unbind_url: Option<JsValue>,
    storage_key: String,
    /// A clock for tests (`() => ms`); `Date.now` otherwise.
    clock: Option<Function>,
    /// A `setTimeout` for tests (a simulated clock's); the engine's otherwise.
    timer: Option<Function>,
    /// The `timeout` of every `wx.request`, in ms.
    timeout_ms: u64,
    /// Whether to ask `wx.checkSession` once per launch (for backends that use `session_key`).
    check_session: bool,
}

impl Options {
    fn parse(value: &JsValue) -> Res<(Options, Config)> {
        if !value.is_object() {
            return Err(AuthError::argument("createAuth needs an options object"));
        }
        let login_url = opt_url(value, "loginUrl")?
            .ok_or_else(|| AuthError::argument("loginUrl is required"))?;
        let logout_url = opt_url(value, "logoutUrl")?;
        let unbind_url = opt_url(value, "unbindUrl")?;
        let storage_key = match js::opt_string(value, "storageKey")? {
            Some(k) if k.is_empty() => return Err(AuthError::argument("storageKey is empty")),
            Some(k) => k,
            None => DEFAULT_STORAGE_KEY.into(),
        };
        let require_profile = js::opt_bool(value, "requireProfile")?.unwrap_or(false);
        let defaults = Config::default();
        let retry = get(value, "retry");
        if !(retry.is_undefined() || retry.is_null() || retry.is_object()) {
            return Err(AuthError::argument(
                "retry must be {attempts?, baseDelayMs?, maxDelayMs?}",
            ));
        }
        let attempts = js::opt_ms(&retry, "attempts")?
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            .unwrap_or(defaults.backoff.attempts);
        if attempts == 0 {
            return Err(AuthError::argument("retry.attempts must be at least 1"));
        }
        let backoff = Backoff {
            attempts,
            base_ms: js::opt_ms(&retry, "baseDelayMs")?.unwrap_or(defaults.backoff.base_ms),
            max_ms: js::opt_ms(&retry, "maxDelayMs")?.unwrap_or(defaults.backoff.max_ms),
        };
        let config = Config {
            require_profile,
            min_login_interval_ms: js::opt_ms(value, "minLoginIntervalMs")?
                .unwrap_or(defaults.min_login_interval_ms),
            backoff,
        };
        let timeout_ms = js::opt_ms(value, "timeoutMs")?.unwrap_or(DEFAULT_TIMEOUT_MS);
        if timeout_ms == 0 {
            return Err(AuthError::argument("timeoutMs must be at least 1"));
        }
        let options = Options {
            login_url,
            logout_url,
            unbind_url,
            storage_key,
            clock: opt_function(value, "now")?,
            timer: opt_function(value, "setTimeout")?,
            timeout_ms,
            check_session: js::opt_bool(value, "checkSession")?.unwrap_or(false),
        };
        Ok((options, config))
    }
}

/// An optional URL option: a string, kept as given; empty counts as absent.
fn opt_url(value: &JsValue, key: &str) -> Res<Option<JsValue>> {
    url_of(&get(value, key), key)
}

/// [`opt_url`] for a value already read (`key` names it in the error).
fn url_of(url: &JsValue, key: &str) -> Res<Option<JsValue>> {
    let text = js::opt_of(url, key, |v| v.dyn_ref::<JsString>().cloned(), "a string")?;
    Ok(text.filter(|t| t.length() > 0).map(JsValue::from))
}

fn opt_function(value: &JsValue, key: &str) -> Res<Option<Function>> {
    js::opt_of(
        &get(value, key),
        key,
        |v| v.dyn_ref::<Function>().cloned(),
        "a function",
    )
}

/// A login or renewal in progress, shared by every caller waiting for it.
#[derive(Clone)]
struct Running {
    flight: Flight,
    outcome: Rc<Outcome>,
}

/// How a flight ended, once it has; and who waits to know.
#[derive(Default)]
struct Outcome {
    result: RefCell<Option<Res<()>>>,
    waiting: Waiters,
}

impl Outcome {
    /// Waits for the flight to settle; its result.
    async fn wait(&self) -> Res<()> {
        self.waiting.until(|| self.result.borrow().clone()).await
    }

    fn settle(&self, result: Res<()>) {
        *self.result.borrow_mut() = Some(result);
        self.waiting.wake_all();
    }
}

struct Inner {
    machine: RefCell<Machine>,
    options: Options,
    plan: StoragePlan,
    listeners: RefCell<Vec<(u32, Function)>>,
    next_listener: Cell<u32>,
    running: RefCell<Option<Running>>,
    lock: CommitLock,
    prompts: Prompts,
}

/// The SDK object a page holds (`createAuth` resolves to it).
///
/// Every method is safe to call in any state: what is not allowed fails with a typed
/// error and changes nothing.
#[wasm_bindgen]
pub struct Auth {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl Auth {
    /// `Auth.create(options)`: restores the state from storage, checks the privacy setting
    /// and registers the privacy listener. Resolves to the `Auth`.
    #[wasm_bindgen(js_name = create)]
    pub fn create_js(options: JsValue) -> Promise {
        settle(async move { Auth::create(&options).await.map(JsValue::from) })
    }

    /// The current state: `{kind, profile?, expiresAt?, reason?}`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> JsValue {
        self.inner.state_value()
    }

    /// Calls `listener(state)` after every change of state; returns the function that stops it.
    #[wasm_bindgen(js_name = onChange)]
    pub fn on_change(&self, listener: JsValue) -> Result<Function, JsValue> {
        let listener = listener
            .dyn_into::<Function>()
            .map_err(|_| error_value(&AuthError::argument("onChange needs a function")))?;
        let id = self.inner.next_listener.get().wrapping_add(1);
        self.inner.next_listener.set(id);
        self.inner.listeners.borrow_mut().push((id, listener));
        let weak = Rc::downgrade(&self.inner);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            if let Some(inner) = weak.upgrade() {
                inner.listeners.borrow_mut().retain(|(k, _)| *k != id);
            }
        });
        Ok(unsubscribe.into_js_value().unchecked_into())
    }

    /// Asks for the privacy agreement (`wx.requirePrivacyAuthorize`); resolves to the state.
    #[wasm_bindgen(js_name = agreePrivacy)]
    pub fn agree_privacy(&self) -> Promise {
        let inner = self.inner.clone();
        settle(async move { inner.agree_privacy().await })
    }

    /// Sets the current page's privacy prompt handler: `handler({referrer})`.
    #[wasm_bindgen(js_name = onPrivacyPrompt)]
    pub fn on_privacy_prompt(&self, handler: JsValue) -> Result<(), JsValue> {
        let handler = if handler.is_undefined() || handler.is_null() {
            None
        } else {
            Some(handler.dyn_into::<Function>().map_err(|_| {
                error_value(&AuthError::argument("onPrivacyPrompt needs a function"))
            })?)
        };
        self.inner.prompts.set_handler(handler);
        Ok(())
    }

    /// Answers the waiting privacy prompt: `{agree: true, buttonId}` or `{agree: false}`.
    #[wasm_bindgen(js_name = resolvePrivacy)]
    pub fn resolve_privacy(&self, answer: JsValue) -> Result<(), JsValue> {
        self.inner
            .resolve_privacy(&answer)
            .map_err(|e| error_value(&e))
    }

    /// `wx.getUserProfile({desc})`, called synchronously: call this inside a tap handler.
    #[wasm_bindgen(js_name = getUserProfile)]
    pub fn get_user_profile(&self, options: JsValue) -> Promise {
        let desc = match js::opt_string(&options, "desc") {
            Ok(Some(desc)) => desc,
            Ok(None) => return reject(&AuthError::argument("getUserProfile needs {desc}")),
            Err(e) => return reject(&e),
        };
        if let Err(e) = self.inner.machine.borrow().check_profile_desc(&desc) {
            return reject(&e);
        }
        let call = wx::get_user_profile(&desc);
        let inner = self.inner.clone();
        settle(async move {
            let profile = call
                .await
                .map_err(|f| tap_call_error(f, ErrorCode::ProfileDenied))?;
            inner
                .commit(Transition::ProfileFromWx(profile), None)
                .await?;
            Ok(inner.state_value())
        })
    }

    /// Sets profile fields from the avatar button and the nickname form; returns the state.
    #[wasm_bindgen(js_name = setProfile)]
    pub fn set_profile(&self, fields: JsValue) -> Result<JsValue, JsValue> {
        self.inner.set_profile(&fields).map_err(|e| error_value(&e))
    }

    /// Logs in (or joins the login in progress); resolves to the state.
    pub fn login(&self) -> Promise {
        let inner = self.inner.clone();
        settle(async move {
            // The clock is app code: read it before borrowing the machine.
            let now = inner.now();
            let start = inner.machine.borrow_mut().begin_login(now)?;
            inner.await_flight(start).await?;
            Ok(inner.state_value())
        })
    }

    /// `wx.request` with the bearer token; renews once on expiry or 401 and resends once.
    pub fn request(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        settle(async move { inner.request(&options).await })
    }

    /// Logs out: drops the session, tells the backend (best effort), and stays logged out.
    pub fn logout(&self) -> Promise {
        let inner = self.inner.clone();
        settle(async move { inner.logout().await })
    }

    /// Removes the SDK's stored record and goes back to anonymous (then privacy-agreed if
    /// WeChat says no agreement is needed); the session is revoked on the backend (best
    /// effort). The app's other storage is left alone.
    pub fn reset(&self) -> Promise {
        let inner = self.inner.clone();
        settle(async move { inner.reset().await })
    }

    /// Deletes the account on the backend (a fresh `wx.login` code proves the user is
    /// present), then forgets the session and the profile: the state becomes
    /// privacy-agreed. On failure nothing changes.
    pub fn unbind(&self) -> Promise {
        let inner = self.inner.clone();
        settle(async move { inner.unbind().await })
    }

    /// The scopes asked for before (`wx.getSetting`): `{"scope.x": true|false}`; a scope
    /// never asked for is absent.
    #[wasm_bindgen(js_name = getSetting)]
    pub fn get_setting(&self) -> Promise {
        settle(async move {
            let scopes = wx::get_setting()
                .await
                .map_err(|f| tap_call_error(f, ErrorCode::WxFailed))?;
            Ok(js::scopes_value(&scopes))
        })
    }

    /// `wx.openSetting()`, called synchronously: call this inside a tap handler. Resolves
    /// with the scopes when the user closes the settings page.
    #[wasm_bindgen(js_name = openSetting)]
    pub fn open_setting(&self) -> Promise {
        let call = wx::open_setting();
        settle(async move {
            let scopes = call
                .await
                .map_err(|f| tap_call_error(f, ErrorCode::WxFailed))?;
            Ok(js::scopes_value(&scopes))
        })
    }

    /// Opens the privacy guide page (`wx.openPrivacyContract`).
    #[wasm_bindgen(js_name = openPrivacyContract)]
    pub fn open_privacy_contract(&self) -> Promise {
        settle(async move {
            wx::open_privacy_contract()
                .await
                .map_err(|f| AuthError::from_wx(ErrorCode::PrivacyDenied, f))?;
            Ok(JsValue::UNDEFINED)
        })
    }
}

impl Auth {
    /// Creates the SDK object; see `Auth.create`.
    pub async fn create(options: &JsValue) -> Res<Auth> {
        let (options, config) = Options::parse(options)?;
        let plan = StoragePlan::for_base(wx::base_version());
        // A record that is foreign or corrupt starts the SDK cleanly; a read that fails
        // (and finds nothing in any mode) is an error, so no stored session is lost.
        let (stored, in_preferred_mode) = read_record(&options.storage_key, plan).await?;
        let (machine, restored) = Machine::restore(config, stored);
        let inner = Rc::new(Inner {
            machine: RefCell::new(machine),
            options,
            plan,
            listeners: RefCell::new(Vec::new()),
            next_listener: Cell::new(0),
            running: RefCell::new(None),
            lock: CommitLock::default(),
            prompts: Prompts::default(),
        });
        let weak = Rc::downgrade(&inner);
        let listener = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |resolve, info| {
            if let Some(inner) = weak.upgrade() {
                inner.prompts.prompt(resolve, &info);
            }
        });
        // wx keeps the listener for the life of the page, so the closure lives as long.
        wx::on_need_privacy_authorization(listener.as_ref().unchecked_ref());
        listener.forget();
        // An older record version, or one in the other storage mode: write it again now.
        if restored.needs_rewrite(in_preferred_mode) {
            let text = record::encode(inner.machine.borrow().state());
            let _ = inner.write(text).await;
        }
        let logged_in = inner.machine.borrow().state().session().is_some();
        if inner.options.check_session && logged_in {
            // Only a failure means something: WeChat dropped the session_key, so the next
            // use renews. Success says nothing about the app's own session.
            if wx::check_session().await.is_err() {
                inner.machine.borrow_mut().session_key_lost();
            }
        }
        inner.refresh_privacy().await;
        Ok(Auth { inner })
    }
}

/// The stored record, trying each storage mode of the plan, preferred first; and whether
/// it came from the preferred mode.
///
/// A key that is not there at all ends the search. Text that is no record in one mode
/// does not stop the other from being tried; with no record anywhere, junk reads as
/// `Corrupt` (reported and left alone), and nothing as `None`. When nothing at all was
/// found and a read failed (other than "not found"), the session may still be there:
/// that is a transient `STORAGE` error, not a clean start.
async fn read_record(key: &str, plan: StoragePlan) -> Res<(Option<Decoded>, bool)> {
    let mut junk = false;
    let mut failed = None;
    for (i, &encrypt) in plan.read_modes().iter().enumerate() {
        match wx::get_storage(key, encrypt).await {
            Ok(Stored::Text(text)) => match record::decode_with::<HostDoc>(&text) {
                Decoded::Corrupt => junk = true,
                decoded => return Ok((Some(decoded), i == 0)),
            },
            Ok(Stored::Foreign) => junk = true,
            // Storage holds one value per key whatever its `encrypt` flag (a write in
            // either mode replaces it), so a key missing in one mode is missing in all:
            // no second read for the many launches that have no record yet.
            Ok(Stored::Missing) => break,
            Err(f) => {
                failed.get_or_insert(f);
            }
        }
    }
    match (junk, failed) {
        (false, Some(f)) => Err(AuthError::from_wx(ErrorCode::Storage, f).with_transient(true)),
        (junk, _) => Ok((junk.then_some(Decoded::Corrupt), true)),
    }
}

impl Inner {
    async fn sleep(&self, ms: u64) {
        let _ = wx::sleep(ms, self.options.timer.as_ref()).await;
    }

    fn now(&self) -> u64 {
        let ms = match &self.options.clock {
            Some(clock) => clock
                .call0(&JsValue::UNDEFINED)
                .ok()
                .and_then(|v| v.as_f64()),
            None => Some(js_sys::Date::now()),
        };
        match ms {
            Some(ms) if ms.is_finite() && ms > 0.0 => ms as u64,
            _ => 0,
        }
    }

    fn state_value(&self) -> JsValue {
        state_value(self.machine.borrow().state())
    }

    fn notify(&self) {
        let listeners: Vec<Function> = self
            .listeners
            .borrow()
            .iter()
            .map(|(_, f)| f.clone())
            .collect();
        let state = self.state_value();
        for listener in listeners {
            // A throwing listener must not stop the others or the SDK.
            let _ = listener.call1(&JsValue::UNDEFINED, &state);
        }
    }

    /// Moves anonymous to privacy-agreed when wx says no agreement is needed (or has no privacy APIs).
    async fn refresh_privacy(&self) {
        if !matches!(self.machine.borrow().state(), AuthState::Anonymous) {
            return;
        }
        if let Ok(false) = wx::needs_privacy_authorization().await {
            self.apply_now(&Transition::PrivacyAgreed);
        }
    }

    /// Applies a transition that stores nothing (privacy-agreed), then notifies.
    fn apply_now(&self, transition: &Transition) {
        let changed = self.machine.borrow_mut().apply(transition).unwrap_or(false);
        if changed {
            self.notify();
        }
    }

    async fn write(&self, text: Option<String>) -> Res<()> {
        let key = &self.options.storage_key;
        let result = match text {
            Some(text) => wx::set_storage(key, &text, self.plan.encrypt).await,
            None => wx::remove_storage(key).await,
        };
        // Never transient: trying the same write again at once will not make room.
        result.map_err(|f| AuthError::from_wx(ErrorCode::Storage, f).with_transient(false))
    }

    /// Writes the record for a transition, then applies it: a failed write changes nothing.
    ///
    /// With a flight, a logout since it began voids the commit, before or after the write.
    async fn commit(&self, transition: Transition, flight: Option<Flight>) -> Res<()> {
        let guard = self.lock.acquire().await;
        let check = |m: &Machine| flight.map_or(Ok(()), |f| m.check_flight(f));
        check(&self.machine.borrow())?;
        let text = self.machine.borrow().record_for(&transition)?;
        self.write(text).await?;
        let still_current = check(&self.machine.borrow());
        if let Err(stale) = still_current {
            // Put back the record of the state we stay in, so a restart cannot resurrect it.
            let text = record::encode(self.machine.borrow().state());
            let _ = self.write(text).await;
            return Err(stale);
        }
        let changed = self.machine.borrow_mut().apply(&transition)?;
        drop(guard);
        if changed {
            self.notify();
        }
        Ok(())
    }

    async fn agree_privacy(&self) -> Res<JsValue> {
        wx::require_privacy_authorize()
            .await
            .map_err(|f| AuthError::from_wx(ErrorCode::PrivacyDenied, f))?;
        self.apply_now(&Transition::PrivacyAgreed);
        Ok(self.state_value())
    }

    fn resolve_privacy(self: &Rc<Self>, answer: &JsValue) -> Res<()> {
        let agree = js::opt_bool(answer, "agree")?
            .ok_or_else(|| AuthError::argument("resolvePrivacy needs {agree: true|false}"))?;
        let answer = if agree {
            let button_id = js::opt_string(answer, "buttonId")?
                .filter(|id| !id.is_empty())
                .ok_or_else(|| {
                    AuthError::argument(
                        "agreeing needs the buttonId of the agreePrivacyAuthorization button",
                    )
                })?;
            Answer::Agree { button_id }
        } else {
            Answer::Disagree
        };
        self.prompts.answer(&answer)?;
        if agree {
            // wx decides whether the agreement counts (it checks the button); ask it.
            let inner = self.clone();
            spawn_local(async move { inner.refresh_privacy().await });
        }
        Ok(())
    }

    fn set_profile(self: &Rc<Self>, fields: &JsValue) -> Res<JsValue> {
        if !fields.is_object() {
            return Err(AuthError::argument(
                "setProfile needs {avatarUrl?, nickName?}",
            ));
        }
        let patch = ProfilePatch {
            nick_name: js::opt_string(fields, "nickName")?,
            avatar_url: js::opt_string(fields, "avatarUrl")?,
        };
        let changed = self
            .machine
            .borrow_mut()
            .apply(&Transition::SetProfile(patch))?;
        if changed {
            self.notify();
            self.persist_later();
        }
        Ok(self.state_value())
    }

    /// Stores the current state behind any commit in progress (for synchronous `setProfile`).
    ///
    /// The record is taken when the lock is reached, so the newest state is what is written.
    /// A failed write keeps the previous record; the next commit writes the profile again.
    fn persist_later(self: &Rc<Self>) {
        let inner = self.clone();
        spawn_local(async move {
            let _guard = inner.lock.acquire().await;
            let text = record::encode(inner.machine.borrow().state());
            let _ = inner.write(text).await;
        });
    }

    /// Starts a flight, or finds the one to join, and waits for it to settle.
    async fn await_flight(self: &Rc<Self>, start: LoginStart) -> Res<()> {
        let running = match start {
            LoginStart::Current => return Ok(()),
            LoginStart::Begin(flight) => self.start_flight(flight),
            LoginStart::Join(flight) => match self.running.borrow().clone() {
                Some(running) if running.flight == flight => running,
                _ => return Err(AuthError::transition("the login in progress was cancelled")),
            },
        };
        running.outcome.wait().await
    }

    fn start_flight(self: &Rc<Self>, flight: Flight) -> Running {
        let running = Running {
            flight,
            outcome: Rc::default(),
        };
        *self.running.borrow_mut() = Some(running.clone());
        let inner = self.clone();
        let result = running.outcome.clone();
        spawn_local(async move {
            let outcome = inner.run_flight(flight).await;
            if let Err(error) = &outcome {
                // A renewal the backend refused for good ends the session, with its reason.
                let ended = inner.machine.borrow().flight_failed(flight, error);
                if let Some(transition) = ended {
                    let _ = inner.commit(transition, Some(flight)).await;
                }
            }
            inner.machine.borrow_mut().end_flight(flight);
            let mut slot = inner.running.borrow_mut();
            if slot.as_ref().is_some_and(|r| r.flight == flight) {
                *slot = None;
            }
            drop(slot);
            result.settle(outcome);
        });
        running
    }

    /// Login attempts until one succeeds, fails for good or the attempts run out; the
    /// first waits out the floor since the previous `wx.login`, each later one the backoff.
    async fn run_flight(&self, flight: Flight) -> Res<()> {
        let now = self.now();
        let wait = self.machine.borrow().login_wait(now);
        if wait > 0 {
            self.sleep(wait).await;
        }
        let backoff = self.machine.borrow().config().backoff;
        let mut failures = 0;
        loop {
            // Retried: what a fresh login may fix (wx.login, the network, a busy backend).
            let error = match self.attempt(flight).await {
                Ok(()) => return Ok(()),
                Err(e)
                    if e.transient
                        && matches!(
                            e.code,
                            ErrorCode::LoginFailed | ErrorCode::Network | ErrorCode::Server
                        ) =>
                {
                    e
                }
                Err(e) => return Err(e),
            };
            failures += 1;
            match backoff.delay(failures, js_sys::Math::random()) {
                Some(delay) => self.sleep(delay).await,
                None => return Err(error),
            }
        }
    }

    /// `POST url {"code"}` as JSON with the given header; the reply body comes back as text.
    async fn post_code(&self, url: &JsValue, code: &str, header: Out) -> Res<Response> {
        let body = exchange::login_body(code)?;
        js::set(
            &header,
            "content-type",
            &JsValue::from_str("application/json"),
        );
        wx::request(Request {
            url,
            method: Some("POST"),
            data: &JsValue::from_str(&body),
            header: header.into(),
            data_type: Some("text"),
            timeout_ms: self.options.timeout_ms,
        })
        .await
        .map_err(|f| AuthError::from_wx(ErrorCode::Network, f))
    }

    /// One attempt: a fresh `wx.login` code → `POST loginUrl {code}` → store the session.
    async fn attempt(&self, flight: Flight) -> Res<()> {
        self.machine.borrow().check_flight(flight)?;
        let now = self.now();
        self.machine.borrow_mut().login_called(now);
        let code = wx::login()
            .await
            .map_err(|f| AuthError::from_wx(ErrorCode::LoginFailed, f))?;
        // A logout during wx.login: the code is not even sent.
        self.machine.borrow().check_flight(flight)?;
        let sent_at = self.now();
        let reply = self
            .post_code(&self.options.login_url, &code, out())
            .await?;
        let session =
            exchange::parse_reply_with::<HostDoc>(reply.status, &body_text(&reply.data), sent_at)?;
        self.commit(Transition::LoggedIn(session), Some(flight))
            .await
    }

    async fn request(self: &Rc<Self>, options: &JsValue) -> Res<JsValue> {
        let spec = RequestSpec::parse(options)?;
        let mut refused: Option<String> = None;
        let mut renewed = false;
        loop {
            let now = self.now();
            let token_use = self
                .machine
                .borrow_mut()
                .request_token(now, refused.as_deref())?;
            match token_use {
                TokenUse::Send(token) => {
                    let response = spec.send(&token, self.options.timeout_ms).await?;
                    if response.status == 401 && refused.is_none() && !renewed {
                        refused = Some(token);
                        continue;
                    }
                    return Ok(response_value(&response));
                }
                TokenUse::Renew(_) if renewed => {
                    return Err(AuthError::new(
                        ErrorCode::NotLoggedIn,
                        "the session was renewed and is still not usable",
                    ));
                }
                TokenUse::Renew(start) => {
                    renewed = true;
                    if let Err(e) = self.await_flight(start).await {
                        // A logout while renewing, or a renewal refused for good: the
                        // request has no session any more.
                        let ended = self.machine.borrow().state().logout_reason();
                        return Err(match (ended, e.code) {
                            (Some(reason), _) => AuthError::new(
                                ErrorCode::NotLoggedIn,
                                crate::text::concat(&["the session ended (", reason.as_str(), ")"]),
                            ),
                            (None, ErrorCode::InvalidTransition) => {
                                AuthError::new(ErrorCode::NotLoggedIn, e.into_message())
                            }
                            (None, _) => e,
                        });
                    }
                }
            }
        }
    }

    async fn logout(&self) -> Res<JsValue> {
        let revoke = self.machine.borrow_mut().begin_logout()?;
        *self.running.borrow_mut() = None;
        self.commit(Transition::LoggedOut(LogoutReason::User), None)
            .await?;
        self.revoke(revoke);
        Ok(self.state_value())
    }

    async fn reset(&self) -> Res<JsValue> {
        let revoke = self.machine.borrow_mut().begin_reset();
        *self.running.borrow_mut() = None;
        self.commit(Transition::Reset, None).await?;
        self.revoke(revoke);
        self.refresh_privacy().await;
        Ok(self.state_value())
    }

    async fn unbind(self: &Rc<Self>) -> Res<JsValue> {
        let Some(url) = self.options.unbind_url.clone() else {
            return Err(AuthError::argument("unbind needs the unbindUrl option"));
        };
        let token = self.usable_token().await?;
        // The fresh code is the backend's proof that this WeChat user is here now. It is
        // not a login attempt, so the floor between logins does not apply.
        let code = wx::login()
            .await
            .map_err(|f| AuthError::from_wx(ErrorCode::LoginFailed, f))?;
        let header = bearer_header(&JsValue::UNDEFINED, &token);
        let reply = self.post_code(&url, &code, header).await?;
        exchange::check_unbind_reply_with::<HostDoc>(reply.status, &body_text(&reply.data))?;
        self.machine.borrow_mut().begin_unbound();
        *self.running.borrow_mut() = None;
        self.commit(Transition::Unbound, None).await?;
        Ok(self.state_value())
    }

    /// The session's token, renewed first when it has expired (as a request would).
    async fn usable_token(self: &Rc<Self>) -> Res<String> {
        let now = self.now();
        let first = self.machine.borrow_mut().request_token(now, None)?;
        match first {
            TokenUse::Send(token) => Ok(token),
            TokenUse::Renew(start) => {
                self.await_flight(start).await?;
                let now = self.now();
                match self.machine.borrow_mut().request_token(now, None)? {
                    TokenUse::Send(token) => Ok(token),
                    TokenUse::Renew(_) => Err(AuthError::new(
                        ErrorCode::NotLoggedIn,
                        "the session was renewed and is still not usable",
                    )),
                }
            }
        }
    }

    /// Tells the backend the session is over (best effort: the local logout has
    /// happened whatever it answers).
    fn revoke(&self, token: Option<String>) {
        let (Some(url), Some(token)) = (&self.options.logout_url, token) else {
            return;
        };
        let call = wx::request(Request {
            url,
            method: Some("POST"),
            data: &JsValue::UNDEFINED,
            header: bearer_header(&JsValue::UNDEFINED, &token).into(),
            data_type: Some("text"),
            timeout_ms: self.options.timeout_ms,
        });
        spawn_local(async move {
            let _ = call.await;
        });
    }
}

/// A checked `auth.request` options object.
struct RequestSpec {
    /// A non-empty string, as the page gave it.
    url: JsValue,
    /// `None`: wx's default, `GET`.
    method: Option<Method>,
    data: JsValue,
    header: JsValue,
}

impl RequestSpec {
    fn parse(options: &JsValue) -> Res<RequestSpec> {
        if !options.is_object() {
            return Err(AuthError::argument(
                "request needs {url, method?, data?, header?}",
            ));
        }
        // Getters whose names live in the glue (this runs on every request); one that
        // throws reads as absent, as `get` does.
        let fields: &js::RequestIn = options.unchecked_ref();
        let read = |field: Result<JsValue, JsValue>| field.unwrap_or(JsValue::UNDEFINED);
        let url = url_of(&read(fields.url()), "url")?
            .ok_or_else(|| AuthError::argument("request needs a url"))?;
        let method = match js::string_of(&read(fields.method()), "method")? {
            Some(m) => Some(Method::parse(&m)?),
            None => None,
        };
        let header = read(fields.header());
        if !(header.is_undefined() || header.is_null() || header.is_object()) {
            return Err(AuthError::argument("header must be an object"));
        }
        Ok(RequestSpec {
            url,
            method,
            data: read(fields.data()),
            header,
        })
    }

    async fn send(&self, token: &str, timeout_ms: u64) -> Res<Response> {
        wx::request(Request {
            url: &self.url,
            method: self.method.map(Method::as_str),
            data: &self.data,
            header: bearer_header(&self.header, token).into(),
            data_type: None,
            timeout_ms,
        })
        .await
        .map_err(|f| AuthError::from_wx(ErrorCode::Network, f))
    }
}

/// A copy of the caller's header with `Authorization: Bearer <token>` (any casing of
/// the caller's own `authorization` field is replaced).
fn bearer_header(header: &JsValue, token: &str) -> Out {
    let out = out();
    if let Some(source) = header.dyn_ref::<Object>() {
        let copy = Object::assign(&out, source);
        for key in Object::keys(&copy).iter() {
            if key
                .as_string()
                .is_some_and(|k| k.eq_ignore_ascii_case("authorization"))
            {
                let _ = js_sys::Reflect::delete_property(&copy, &key);
            }
        }
    }
    out.set_authorization(&crate::text::concat(&["Bearer ", token]));
    out
}

/// The response body as text: as delivered for strings, JSON for anything else.
fn body_text(data: &JsValue) -> String {
    if let Some(text) = data.as_string() {
        return text;
    }
    js_sys::JSON::stringify(data)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

fn response_value(response: &Response) -> JsValue {
    let out = out();
    out.set_status(response.status);
    out.set_data(&response.data);
    out.set_header(&response.header);
    out.into()
}

/// The SDK error for a failed `getSetting`, `openSetting` or `getUserProfile`: a
/// missing tap and a missing privacy agreement have their own codes; any other failure
/// is `otherwise`.
fn tap_call_error(failure: WxFailure, otherwise: ErrorCode) -> AuthError {
    let code = match failure.kind() {
        FailureKind::TapRequired => ErrorCode::TapRequired,
        FailureKind::Privacy => ErrorCode::PrivacyDenied,
        _ => otherwise,
    };
    AuthError::from_wx(code, failure)
}

/// A promise for a Rust future whose error is an [`AuthError`].
fn settle(future: impl core::future::Future<Output = Res<JsValue>> + 'static) -> Promise {
    settle_boxed(alloc::boxed::Box::pin(future))
}

/// The part of [`settle`] that is not generic. A separate function, because an async
/// block inside a generic one is a new type (and a new copy in the wasm) per caller,
/// even when it does not use the generic parameter.
#[inline(never)]
fn settle_boxed(future: BoxFuture<Res<JsValue>>) -> Promise {
    future_to_promise(async move { future.await.map_err(|e| error_value(&e)) })
}

/// A boxed future: one poll function for all its callers.
type BoxFuture<T> = core::pin::Pin<alloc::boxed::Box<dyn core::future::Future<Output = T>>>;

fn reject(err: &AuthError) -> Promise {
    Promise::reject(&error_value(err))
}
