//! What crosses the engine's boundary: the page's calls, the effects it hands out and the
//! inputs it takes back.

use crate::doc::Doc;
use crate::error::AuthError;
use crate::phone::PhoneEvent;
use crate::profile::ProfilePatch;
use crate::scope::Scopes;
use crate::state::AuthState;
use crate::version::BaseVersion;
use crate::wx_failure::WxFailure;
use alloc::string::String;

/// The values the engine passes through without looking inside, and how it reads JSON.
///
/// The wasm edge uses JS values; the native harness uses plain Rust ones.
pub trait Host {
    /// Reads JSON: the stored record and the backend's login and unbind replies.
    type Doc: Doc;
    /// A page's `auth.request` options; handed back, with the token, in [`Send::Page`].
    type Request: Clone;
    /// What a page's request got back; handed to the page in [`Done::Response`].
    type Response;
    /// wx's function that answers one privacy prompt; handed back in [`Effect::Answer`].
    type Prompt;
}

/// A page call waiting to be settled; every one is settled exactly once ([`Effect::Settle`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallId(pub(crate) u32);

/// One piece of outside work the engine waits for: its answer comes back with the same `Op`.
/// An answer for an op the engine no longer waits for (its flow was cancelled) is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Op(pub(crate) u32);

impl Op {
    /// The op's number, for an edge that passes it through JS.
    pub fn get(self) -> u32 {
        self.0
    }

    /// The op with this number (from [`Op::get`]).
    pub fn from_raw(n: u32) -> Op {
        Op(n)
    }
}

/// What the wx environment offers, read once at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Platform {
    /// The base library version (`wx.getAppBaseInfo().SDKVersion`), if it could be read.
    pub base: Option<BaseVersion>,
    /// Whether `wx.getPrivacySetting` exists (base library 2.32.3+).
    pub privacy_setting: bool,
    /// Whether `wx.requirePrivacyAuthorize` exists.
    pub privacy_authorize: bool,
}

/// A page's asynchronous call: it settles later with an [`Effect::Settle`].
pub enum Call<H: Host> {
    /// `agreePrivacy()`.
    AgreePrivacy,
    /// `getUserProfile({desc})`: its `wx.getUserProfile` is the first effect, so it runs
    /// inside the tap handler that made the call.
    GetUserProfile(String),
    /// `login()`.
    Login,
    /// `request(options)`.
    Request(H::Request),
    /// `logout()`.
    Logout,
    /// `reset()`.
    Reset,
    /// `unbind()`.
    Unbind,
    /// `getSetting()`.
    GetSetting,
    /// `openSetting()`: its `wx.openSetting` is the first effect (it needs the tap).
    OpenSetting,
    /// `openPrivacyContract()`.
    OpenPrivacyContract,
    /// `verifyPhoneNumber(detail)`: the phone button's event, sent once to `phoneUrl`.
    VerifyPhone(PhoneEvent),
    /// `saveProfile(fields?)`: the profile with these fields (none: as it is) saved to
    /// `profileUrl`, then taken by the device.
    SaveProfile(ProfilePatch),
}

/// A page's answer to a privacy prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The user tapped the `open-type="agreePrivacyAuthorization"` button with this id.
    Agree(String),
    /// The user declined.
    Disagree,
}

/// Something the engine asks the edge to do. After every call and input, the edge takes
/// effects with [`super::Engine::poll`] until there are none and performs them in order.
pub enum Effect<H: Host> {
    /// Call this wx API; answer with [`Input::Wx`].
    Wx(Op, WxCall),
    /// Call `wx.request`; answer with [`Input::Reply`] (for [`Send::Logout`] the answer
    /// is not needed).
    Send(Op, Send<H>),
    /// Answer with [`Input::Timer`] at this time (ms, on the clock the engine is given).
    Wake(Op, u64),
    /// Settle the page's call.
    Settle(CallId, Result<Done<H>, AuthError>),
    /// The state changed to this: tell the page's listeners.
    Changed(AuthState),
    /// Show the privacy prompt to the page's handler, with wx's `referrer`.
    ShowPrompt(String),
    /// Answer wx's privacy prompt.
    Answer(H::Prompt, Answer),
}

/// A wx API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WxCall {
    /// `wx.login()`: a one-time code ([`WxOk::Code`]).
    Login,
    /// `wx.checkSession()`.
    CheckSession,
    /// `wx.getPrivacySetting()` ([`WxOk::NeedsAgreement`]).
    GetPrivacySetting,
    /// `wx.requirePrivacyAuthorize()`.
    RequirePrivacyAuthorize,
    /// `wx.openPrivacyContract()`.
    OpenPrivacyContract,
    /// `wx.getSetting()` ([`WxOk::Scopes`]).
    GetSetting,
    /// `wx.openSetting()` ([`WxOk::Scopes`]).
    OpenSetting,
    /// `wx.getUserProfile({desc, lang: 'zh_CN'})` ([`WxOk::UserInfo`]).
    GetUserProfile(String),
    /// `wx.getStorage({key, encrypt})` of the SDK's key ([`WxOk::Stored`]).
    GetStorage {
        /// Whether to read in the encrypted mode.
        encrypt: bool,
    },
    /// `wx.setStorage({key, data: text, encrypt})` of the SDK's key.
    SetStorage {
        /// The record.
        text: String,
        /// Whether to write in the encrypted mode.
        encrypt: bool,
    },
    /// `wx.removeStorage({key})` of the SDK's key.
    RemoveStorage,
}

/// A `wx.request` the engine asks for. Every one carries the app's `timeoutMs`.
pub enum Send<H: Host> {
    /// `POST loginUrl` with this JSON body (`{"code"}`); the reply is read as text.
    Login(String),
    /// `POST unbindUrl` with this JSON body (`{"code"}`) and the bearer token; read as text.
    Unbind {
        /// The body.
        body: String,
        /// The bearer token.
        token: String,
    },
    /// `POST logoutUrl` with this bearer token and no body: best effort, its answer unused.
    Logout(String),
    /// The page's request with this bearer token (replacing any `authorization` field of
    /// the page's header); the reply is handed to the page as it is.
    Page(H::Request, String),
    /// `POST phoneUrl` with this JSON body (`{"code"}`) and the bearer token; read as text.
    Phone {
        /// The body.
        body: String,
        /// The bearer token.
        token: String,
    },
    /// `POST profileUrl` with this JSON body (`{nickName, avatarUrl}`) and the bearer
    /// token; read as text.
    Profile {
        /// The body.
        body: String,
        /// The bearer token.
        token: String,
    },
    /// `wx.uploadFile` to `profileUrl`: this file as `avatar`, the form field `nickName`
    /// and the bearer token; its `{statusCode, data}` read as text.
    Upload {
        /// The avatar's temporary file path (`chooseAvatar`'s `avatarUrl`).
        file: String,
        /// The nickname.
        nick_name: String,
        /// The bearer token.
        token: String,
    },
}

/// What a settled page call resolves with.
pub enum Done<H: Host> {
    /// `createAuth` is done: the SDK is ready.
    Created,
    /// The state after the call.
    State(AuthState),
    /// What the page's request got back.
    Response(H::Response),
    /// The scopes (`getSetting`, `openSetting`).
    Scopes(Scopes),
    /// Nothing (`openPrivacyContract`).
    Nothing,
    /// The backend's JSON answer, as text, for the page to have parsed (`verifyPhoneNumber`).
    Body(String),
}

/// The outside world's answer to an effect.
pub enum Input<H: Host> {
    /// A wx call's `success` (read into a [`WxOk`]) or `fail` (or the API is missing).
    Wx(Op, Result<WxOk, WxFailure>),
    /// `wx.request`'s answer (any HTTP status), or its `fail`.
    Reply(Op, Result<Reply<H>, WxFailure>),
    /// A [`Effect::Wake`] came due.
    Timer(Op),
}

/// What a wx call's `success` result held, read as the call needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WxOk {
    /// Success with nothing to read.
    Done,
    /// `wx.login`'s `code`.
    Code(String),
    /// `wx.getPrivacySetting`'s `needAuthorization`.
    NeedsAgreement(bool),
    /// `wx.getUserProfile`'s `userInfo` (empty strings for missing fields).
    UserInfo {
        /// `userInfo.nickName`.
        nick_name: String,
        /// `userInfo.avatarUrl`.
        avatar_url: String,
    },
    /// `authSetting` of `wx.getSetting` or `wx.openSetting`.
    Scopes(Scopes),
    /// What `wx.getStorage` found.
    Stored(Stored),
}

/// What a storage key held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Nothing under the key.
    Missing,
    /// A string.
    Text(String),
    /// Something that is not a string: not this SDK's record.
    Foreign,
}

/// `wx.request`'s answer.
pub enum Reply<H: Host> {
    /// The answer to [`Send::Login`], [`Send::Unbind`], [`Send::Phone`],
    /// [`Send::Profile`] or [`Send::Upload`]: the status and the body as text.
    Text {
        /// The HTTP status.
        status: u16,
        /// The body (JSON text, if the backend is well).
        body: String,
    },
    /// The answer to [`Send::Page`]: the status, and the response for the page.
    Page {
        /// The HTTP status.
        status: u16,
        /// What the page gets.
        response: H::Response,
    },
}
