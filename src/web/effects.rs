//! The effect interpreter: it feeds the engine the page's calls and wx's answers, and
//! performs what the engine hands out. It decides nothing.
//!
//! After every input it takes effects until there are none ([`Edge::drain`]). A wx API
//! that answers before it returns, or a listener that calls the SDK, feeds the engine
//! while effects are being performed; the loop already running then performs what
//! follows, so no effect is ever performed inside another.
//!
//! wx's callbacks and the timers are one Rust closure for the page's life, bound per
//! call to the op and a tag (`Function.prototype.bind`: plain JS, nothing to register
//! or free). The tag says how to read the answer. The closure holds the edge, so an
//! `Auth` lives as long as the page: create it once (in `app.js`).

use super::doc::HostDoc;
use super::js::{error_value, out, scopes_value, state_value};
use super::options::Options;
use super::request::{body_text, fill_post, response_value, PageRequest};
use super::wx;
use crate::engine::{
    Answer, Call, CallId, Done, Effect, Engine, Host, Input, Op, Reply, Send, WxCall, WxOk,
};
use crate::error::AuthError;
use crate::state::AuthState;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

/// The engine's host types in the wasm build.
pub struct Js;

impl Host for Js {
    type Doc = HostDoc;
    type Request = PageRequest;
    type Response = JsValue;
    type Prompt = Function;
}

/// How to read the answer bound to an op. The order is the wire form (`tag * 2 + ok`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    Login,
    CheckSession,
    GetPrivacySetting,
    RequirePrivacyAuthorize,
    OpenPrivacyContract,
    GetSetting,
    OpenSetting,
    GetUserProfile,
    GetStorage,
    SetStorage,
    RemoveStorage,
    /// `wx.request` of the SDK's own, read as text.
    Text,
    /// The page's `wx.request`.
    Page,
    Timer,
}

const TAGS: [Tag; 14] = [
    Tag::Login,
    Tag::CheckSession,
    Tag::GetPrivacySetting,
    Tag::RequirePrivacyAuthorize,
    Tag::OpenPrivacyContract,
    Tag::GetSetting,
    Tag::OpenSetting,
    Tag::GetUserProfile,
    Tag::GetStorage,
    Tag::SetStorage,
    Tag::RemoveStorage,
    Tag::Text,
    Tag::Page,
    Tag::Timer,
];

impl Tag {
    fn api(self) -> &'static str {
        match self {
            Tag::Login => "login",
            Tag::CheckSession => "checkSession",
            Tag::GetPrivacySetting => "getPrivacySetting",
            Tag::RequirePrivacyAuthorize => "requirePrivacyAuthorize",
            Tag::OpenPrivacyContract => "openPrivacyContract",
            Tag::GetSetting => "getSetting",
            Tag::OpenSetting => "openSetting",
            Tag::GetUserProfile => "getUserProfile",
            Tag::GetStorage => "getStorage",
            Tag::SetStorage => "setStorage",
            Tag::RemoveStorage => "removeStorage",
            Tag::Text | Tag::Page => "request",
            Tag::Timer => "setTimeout",
        }
    }
}

/// Everything one `Auth` holds: the engine, and the JS functions that stand for what the
/// engine names by number (page calls, listeners, the prompt handler).
pub struct Edge {
    engine: RefCell<Engine<Js>>,
    options: Options,
    /// The settle functions of each page call's Promise.
    calls: RefCell<Vec<(CallId, Function, Function)>>,
    start: CallId,
    listeners: RefCell<Vec<(u32, Function)>>,
    next_listener: Cell<u32>,
    handler: RefCell<Option<Function>>,
    draining: Cell<bool>,
    /// `answer(op, tag * 2 + ok, value)`, bound per call; `None` once start-up failed.
    answer: RefCell<Option<Function>>,
}

impl Edge {
    /// Starts the engine (`createAuth`): the Promise resolves to the `Auth` once the
    /// stored session is read back.
    pub fn start(options: Options, config: crate::config::Config) -> Promise {
        let now = now(&options.clock);
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let (engine, start) = Engine::start(now, config, wx::platform(), seed);
        let edge = Rc::new(Edge {
            engine: RefCell::new(engine),
            options,
            calls: RefCell::new(Vec::new()),
            start,
            listeners: RefCell::new(Vec::new()),
            next_listener: Cell::new(0),
            handler: RefCell::new(None),
            draining: Cell::new(false),
            answer: RefCell::new(None),
        });
        let this = edge.clone();
        let answer = Closure::<dyn Fn(u32, u32, JsValue)>::new(move |op, tag, value| {
            this.answered(op, tag, value)
        });
        *edge.answer.borrow_mut() = Some(answer.into_js_value().unchecked_into());
        let weak = Rc::downgrade(&edge);
        let listener = Closure::<dyn Fn(JsValue, JsValue)>::new(move |resolve, info| {
            if let Some(edge) = weak.upgrade() {
                edge.prompt(resolve, &info);
            }
        });
        // wx keeps the listener for the life of the page, so the closure lives as long.
        wx::on_need_privacy_authorization(listener.as_ref().unchecked_ref());
        listener.forget();
        let promise = edge.promise(start);
        edge.drain();
        promise
    }

    /// The time now, from the app's clock or `Date.now` (0 if the clock is broken).
    pub fn now(&self) -> u64 {
        now(&self.options.clock)
    }

    /// Runs `f` on the engine; `None` if it is in use (it never is when JS runs).
    pub fn with_engine<R>(&self, f: impl FnOnce(&mut Engine<Js>) -> R) -> Option<R> {
        self.engine.try_borrow_mut().ok().map(|mut e| f(&mut e))
    }

    /// The current state.
    pub fn state(&self) -> AuthState {
        self.engine
            .try_borrow()
            .map(|e| e.state().clone())
            .unwrap_or(AuthState::Anonymous)
    }

    /// A page's asynchronous call: its Promise.
    pub fn call(self: &Rc<Self>, call: Call<Js>) -> Promise {
        let now = self.now();
        let Some(id) = self.with_engine(|e| e.call(now, call)) else {
            return Promise::reject(&error_value(&busy()));
        };
        let promise = self.promise(id);
        self.drain();
        promise
    }

    fn promise(&self, call: CallId) -> Promise {
        let mut settle = None;
        let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
        if let Some((resolve, reject)) = settle {
            self.calls.borrow_mut().push((call, resolve, reject));
        }
        promise
    }

    /// Performs the engine's effects until there are none (a no-op inside a drain).
    pub fn drain(self: &Rc<Self>) {
        if self.draining.replace(true) {
            return;
        }
        while let Some(effect) = self.with_engine(Engine::poll).flatten() {
            self.perform(effect);
        }
        self.draining.set(false);
    }

    fn input(self: &Rc<Self>, input: Input<Js>) {
        let now = self.now();
        self.with_engine(|e| e.handle(now, input));
        self.drain();
    }

    fn perform(self: &Rc<Self>, effect: Effect<Js>) {
        match effect {
            Effect::Wx(op, call) => self.call_wx(op, call),
            Effect::Send(op, send) => self.send(op, send),
            Effect::Wake(op, at) => {
                let ms = at.saturating_sub(self.now());
                let started = self
                    .bound(op, Tag::Timer, true)
                    .is_some_and(|f| wx::set_timeout(&f, ms, self.options.timer.as_ref()));
                if !started {
                    // No timer at all: go on at once rather than never.
                    self.input(Input::Timer(op));
                }
            }
            Effect::Settle(call, result) => self.settle(call, result),
            Effect::Changed(state) => self.notify(&state),
            Effect::ShowPrompt(referrer) => {
                let handler = self.handler.borrow().clone();
                if let Some(handler) = handler {
                    let event = out();
                    event.set_referrer(&referrer);
                    // A throwing page handler must not break the SDK; the prompt stays pending.
                    let _ = handler.call1(&JsValue::UNDEFINED, &event);
                }
            }
            Effect::Answer(resolve, answer) => {
                let agree = match &answer {
                    Answer::Agree(id) => Some(id.as_str()),
                    Answer::Disagree => None,
                };
                let _ = resolve.call1(&JsValue::UNDEFINED, &wx::prompt_answer(agree));
            }
        }
    }

    /// `answer` bound to this op and tag, for `success` (`ok`) or `fail`.
    fn bound(&self, op: Op, tag: Tag, ok: bool) -> Option<Function> {
        let answer = self.answer.borrow();
        let code = (tag as u32) * 2 + u32::from(ok);
        let bound = answer.as_ref()?.bind2(
            &JsValue::UNDEFINED,
            &JsValue::from_f64(f64::from(op.get())),
            &JsValue::from_f64(f64::from(code)),
        );
        Some(bound.unchecked_into())
    }

    /// Sets `success` and `fail` of a wx call's options.
    fn callbacks(&self, options: &wx::Options, op: Op, tag: Tag) {
        if let (Some(ok), Some(fail)) = (self.bound(op, tag, true), self.bound(op, tag, false)) {
            options.set_success(&ok);
            options.set_fail(&fail);
        }
    }

    fn call_wx(self: &Rc<Self>, op: Op, call: WxCall) {
        let o = wx::options();
        let tag = match call {
            WxCall::Login => {
                // wx.login takes a timeout too (base library 1.9.90+): it never hangs.
                o.set_timeout(self.options.timeout_ms as f64);
                Tag::Login
            }
            WxCall::CheckSession => Tag::CheckSession,
            WxCall::GetPrivacySetting => Tag::GetPrivacySetting,
            WxCall::RequirePrivacyAuthorize => Tag::RequirePrivacyAuthorize,
            WxCall::OpenPrivacyContract => Tag::OpenPrivacyContract,
            WxCall::GetSetting => Tag::GetSetting,
            WxCall::OpenSetting => Tag::OpenSetting,
            WxCall::GetUserProfile(desc) => {
                o.set_desc(&desc);
                o.set_lang("zh_CN");
                Tag::GetUserProfile
            }
            WxCall::GetStorage { encrypt } => {
                o.set_key(&self.options.storage_key);
                if encrypt {
                    o.set_encrypt(true);
                }
                Tag::GetStorage
            }
            WxCall::SetStorage { text, encrypt } => {
                o.set_key(&self.options.storage_key);
                o.set_data(&JsValue::from_str(&text));
                if encrypt {
                    o.set_encrypt(true);
                }
                Tag::SetStorage
            }
            WxCall::RemoveStorage => {
                o.set_key(&self.options.storage_key);
                Tag::RemoveStorage
            }
        };
        self.callbacks(&o, op, tag);
        if let Err(f) = wx::call(tag.api(), &o) {
            self.input(Input::Wx(op, Err(f)));
        }
    }

    fn send(self: &Rc<Self>, op: Op, send: Send<Js>) {
        let o = wx::options();
        let none = JsValue::UNDEFINED;
        let tag = match &send {
            Send::Login(body) => {
                fill_post(&o, &self.options.login_url, Some(body), None);
                Tag::Text
            }
            Send::Unbind { body, token } => {
                let url = self.options.unbind_url.as_ref().unwrap_or(&none);
                fill_post(&o, url, Some(body), Some(token));
                Tag::Text
            }
            Send::Phone { body, token } => {
                let url = self.options.phone_url.as_ref().unwrap_or(&none);
                fill_post(&o, url, Some(body), Some(token));
                Tag::Text
            }
            Send::Profile { body, token } => {
                let url = self.options.profile_url.as_ref().unwrap_or(&none);
                fill_post(&o, url, Some(body), Some(token));
                Tag::Text
            }
            Send::Upload {
                file,
                nick_name,
                token,
            } => {
                let url = self.options.profile_url.as_ref().unwrap_or(&none);
                fill_post(&o, url, None, Some(token));
                o.set_file_path(file);
                o.set_name("avatar");
                let form = super::js::out();
                super::js::set(&form, "nickName", &JsValue::from_str(nick_name));
                o.set_form_data(&form);
                Tag::Text
            }
            Send::Logout(token) => {
                let url = self.options.logout_url.as_ref().unwrap_or(&none);
                fill_post(&o, url, None, Some(token));
                Tag::Text
            }
            Send::Page(request, token) => {
                request.fill(&o, token);
                Tag::Page
            }
        };
        o.set_timeout(self.options.timeout_ms as f64);
        self.callbacks(&o, op, tag);
        let (api, transport) = match send {
            Send::Upload { .. } => ("uploadFile", &self.options.upload_file),
            _ => ("request", &self.options.request),
        };
        let sent = match transport {
            Some(f) => f
                .call1(&JsValue::UNDEFINED, &o)
                .map(drop)
                .map_err(|thrown| wx::failure(api, &thrown)),
            None if api == "request" => wx::request(&o),
            None => wx::call(api, &o),
        };
        if let Err(f) = sent {
            self.input(Input::Reply(op, Err(f)));
        }
    }

    /// A wx callback or a timer: read the answer as its tag says, and hand it over.
    fn answered(self: &Rc<Self>, op: u32, code: u32, value: JsValue) {
        let Some(&tag) = TAGS.get((code / 2) as usize) else {
            return;
        };
        let ok = code % 2 == 1;
        let op = Op::from_raw(op);
        let input = match (tag, ok) {
            (Tag::Timer, _) => Input::Timer(op),
            (Tag::Text | Tag::Page, true) => {
                let reply = wx::response_of(&value).map(|(status, data, header)| {
                    if tag == Tag::Text {
                        Reply::Text {
                            status,
                            body: body_text(&data),
                        }
                    } else {
                        Reply::Page {
                            status,
                            response: response_value(status, &data, &header),
                        }
                    }
                });
                Input::Reply(op, reply)
            }
            (Tag::Text | Tag::Page, false) => Input::Reply(op, Err(wx::failure("request", &value))),
            (_, false) => Input::Wx(op, Err(wx::failure(tag.api(), &value))),
            (Tag::Login, true) => Input::Wx(op, wx::code_of(&value)),
            (Tag::GetPrivacySetting, true) => Input::Wx(op, Ok(wx::needs_agreement_of(&value))),
            (Tag::GetSetting | Tag::OpenSetting, true) => Input::Wx(op, Ok(wx::scopes_of(&value))),
            (Tag::GetUserProfile, true) => Input::Wx(op, Ok(wx::user_info_of(&value))),
            (Tag::GetStorage, true) => Input::Wx(op, Ok(wx::stored_of(&value))),
            (_, true) => Input::Wx(op, Ok(WxOk::Done)),
        };
        self.input(input);
    }

    /// wx's privacy listener fired.
    fn prompt(self: &Rc<Self>, resolve: JsValue, info: &JsValue) {
        let Ok(resolve) = resolve.dyn_into::<Function>() else {
            return;
        };
        let referrer = super::js::get_string(info, "referrer").unwrap_or_default();
        let now = self.now();
        self.with_engine(|e| e.handle_prompt(now, resolve, referrer));
        self.drain();
    }

    /// The page set (or cleared) its privacy prompt handler.
    pub fn set_handler(self: &Rc<Self>, handler: Option<Function>) {
        let present = handler.is_some();
        *self.handler.borrow_mut() = handler;
        self.with_engine(|e| e.set_prompt_handler(present));
        self.drain();
    }

    fn settle(self: &Rc<Self>, call: CallId, result: Result<Done<Js>, AuthError>) {
        let entry = {
            let mut calls = self.calls.borrow_mut();
            let i = calls.iter().position(|(id, _, _)| *id == call);
            i.map(|i| calls.swap_remove(i))
        };
        let Some((_, resolve, reject)) = entry else {
            return;
        };
        match result {
            Ok(done) => {
                let value = match done {
                    Done::Created => JsValue::from(super::Auth::new(self.clone())),
                    Done::State(state) => state_value(&state),
                    Done::Response(response) => response,
                    Done::Scopes(scopes) => scopes_value(&scopes),
                    Done::Nothing => JsValue::UNDEFINED,
                    // The engine checked it is JSON with a phoneNumber.
                    Done::Body(text) => {
                        js_sys::JSON::parse(&text).unwrap_or_else(|_| JsValue::from_str(&text))
                    }
                };
                let _ = resolve.call1(&JsValue::UNDEFINED, &value);
            }
            Err(e) => {
                if call == self.start {
                    // No SDK for the page: let the closure go, and the edge with it.
                    self.answer.borrow_mut().take();
                }
                let _ = reject.call1(&JsValue::UNDEFINED, &error_value(&e));
            }
        }
    }

    /// Registers a listener for every change of state; the number to remove it by.
    pub fn listen(&self, listener: Function) -> u32 {
        let id = self.next_listener.get().wrapping_add(1);
        self.next_listener.set(id);
        self.listeners.borrow_mut().push((id, listener));
        id
    }

    /// Removes a listener (a no-op if it is gone already).
    pub fn unlisten(&self, id: u32) {
        self.listeners.borrow_mut().retain(|(k, _)| *k != id);
    }

    fn notify(&self, state: &AuthState) {
        let listeners: Vec<Function> = self
            .listeners
            .borrow()
            .iter()
            .map(|(_, f)| f.clone())
            .collect();
        let state = state_value(state);
        for listener in listeners {
            // A throwing listener must not stop the others or the SDK.
            let _ = listener.call1(&JsValue::UNDEFINED, &state);
        }
    }
}

/// The time from `clock` (the app's, for tests) or `Date.now`; 0 when it gives no
/// usable number.
fn now(clock: &Option<Function>) -> u64 {
    let ms = match clock {
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

/// The engine was in use: a call from inside the engine itself, which never happens.
pub fn busy() -> AuthError {
    AuthError::new(
        crate::error::ErrorCode::InvalidTransition,
        "the SDK is busy (a call from inside the SDK)",
    )
}
