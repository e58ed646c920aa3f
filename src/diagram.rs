//! The state diagram, generated from the machine itself: for a state of each kind and
//! each page-level event, the machine is asked whether the event is allowed there and
//! where its transition leads. The READMEs and `docs/state-diagram.*` are written from
//! this (`make docs`), and a test fails when they differ, so the docs cannot drift.

use crate::config::Config;
use crate::machine::{LoginStart, Machine, Transition};
use crate::profile::{Profile, ProfilePatch};
use crate::session::Session;
use crate::state::{AuthState, LogoutReason, StateKind};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// One arrow of the diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Where it starts.
    pub from: StateKind,
    /// What takes it: the page call or the event.
    pub via: String,
    /// Where it ends.
    pub to: StateKind,
    /// What the target state says about it (`reason`), if anything.
    pub note: Option<String>,
}

impl Edge {
    /// What takes the arrow, and the target's reason if it has one: `logout() (user)`.
    pub fn label(&self) -> String {
        match &self.note {
            Some(note) => format!("{} ({note})", self.via),
            None => self.via.clone(),
        }
    }
}

/// The events a page sees move the state, in the order the diagram lists them.
const EVENTS: [Event; 8] = [
    Event::AgreePrivacy,
    Event::SetProfile,
    Event::GetUserProfile,
    Event::Login,
    Event::Logout,
    Event::RenewalRefused,
    Event::Unbind,
    Event::Reset,
];

#[derive(Clone, Copy)]
enum Event {
    AgreePrivacy,
    SetProfile,
    GetUserProfile,
    Login,
    Logout,
    RenewalRefused,
    Unbind,
    Reset,
}

impl Event {
    fn label(self) -> &'static str {
        match self {
            Event::AgreePrivacy => "agreePrivacy()",
            Event::SetProfile => "setProfile()",
            Event::GetUserProfile => "getUserProfile()",
            Event::Login => "login()",
            Event::Logout => "logout()",
            Event::RenewalRefused => "a renewal refused for good",
            Event::Unbind => "unbind()",
            Event::Reset => "reset()",
        }
    }

    /// The transitions this event makes from `m`'s state, if the machine allows it.
    fn transitions(self, m: &mut Machine) -> Vec<Transition> {
        let profile = || Profile::new("小明", "wxfile://a.png").ok();
        let mut out = Vec::new();
        match self {
            Event::AgreePrivacy => out.push(Transition::PrivacyAgreed),
            Event::SetProfile => out.push(Transition::SetProfile(ProfilePatch {
                nick_name: Some("小红".into()),
                avatar_url: Some("wxfile://b.png".into()),
            })),
            Event::GetUserProfile => out.extend(profile().map(Transition::ProfileFromWx)),
            Event::Login => {
                if let Ok(LoginStart::Begin(_)) = m.begin_login(u64::MAX / 2) {
                    out.extend(
                        Session::issue("t", 60, 0)
                            .ok()
                            .map(|s| Transition::LoggedIn(s, None)),
                    );
                }
            }
            Event::Logout => {
                if m.state().session().is_some() && m.begin_logout().is_ok() {
                    out.push(Transition::LoggedOut(LogoutReason::User));
                }
            }
            Event::RenewalRefused => {
                if m.state().session().is_some() {
                    out.push(Transition::LoggedOut(LogoutReason::Expired));
                    out.push(Transition::LoggedOut(LogoutReason::Revoked));
                }
            }
            Event::Unbind => {
                if m.request_token(0, None).is_ok() {
                    out.push(Transition::Unbound);
                }
            }
            Event::Reset => out.push(Transition::Reset),
        }
        out
    }
}

/// A state of each kind, as the diagram's starting points.
fn samples() -> Vec<AuthState> {
    let profile = Profile::new("小明", "wxfile://a.png").ok();
    let session = Session::issue("t", 3600, 0).ok();
    let mut states = alloc::vec![AuthState::Anonymous, AuthState::PrivacyAgreed];
    if let Some(p) = &profile {
        states.push(AuthState::ProfileGranted { profile: p.clone() });
    }
    if let Some(s) = session {
        states.push(AuthState::LoggedIn {
            session: s,
            profile: profile.clone(),
        });
    }
    states.push(AuthState::LoggedOut {
        profile,
        reason: LogoutReason::User,
    });
    states
}

/// Every arrow, self-loops left out. An event with several outcomes the same way is one
/// arrow (`expired | revoked`); events that lead the same way are one arrow (`a / b`).
pub fn edges() -> Vec<Edge> {
    // (from, event, to, notes)
    let mut raw: Vec<(StateKind, &'static str, StateKind, String)> = Vec::new();
    for state in samples() {
        for event in EVENTS {
            let stored = Some(crate::record::Decoded::State(state.clone()));
            let mut m = Machine::restore(Config::default(), stored).0;
            for t in event.transitions(&mut m) {
                let Ok(next) = m.next_state(&t) else { continue };
                let (from, to) = (state.kind(), next.kind());
                if from == to {
                    continue;
                }
                let note = next.logout_reason().map_or("", LogoutReason::as_str);
                match raw
                    .iter_mut()
                    .find(|r| r.0 == from && r.1 == event.label() && r.2 == to)
                {
                    Some(r) => r.3 = format!("{} | {note}", r.3),
                    None => raw.push((from, event.label(), to, note.into())),
                }
            }
        }
    }
    let mut edges: Vec<Edge> = Vec::new();
    for (from, via, to, notes) in raw {
        let note = (!notes.is_empty()).then_some(notes);
        match edges
            .iter_mut()
            .find(|e| e.from == from && e.to == to && e.note == note)
        {
            Some(e) => e.via = format!("{} / {via}", e.via),
            None => edges.push(Edge {
                from,
                via: via.into(),
                to,
                note,
            }),
        }
    }
    edges
}

/// The diagram as text, for the READMEs: each state and the arrows leaving it.
pub fn text() -> String {
    let edges = edges();
    let (reset, rest): (Vec<&Edge>, Vec<&Edge>) = edges
        .iter()
        .partition(|e| e.via == "reset()" && e.to == StateKind::Anonymous);
    let width = rest
        .iter()
        .map(|e| e.via.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let kinds = [
        StateKind::Anonymous,
        StateKind::PrivacyAgreed,
        StateKind::ProfileGranted,
        StateKind::LoggedIn,
        StateKind::LoggedOut,
    ];
    for kind in kinds {
        out.push_str(kind.as_str());
        out.push('\n');
        for e in rest.iter().filter(|e| e.from == kind) {
            let pad = width - e.via.chars().count();
            out.push_str(&format!(
                "  {}{} ──▶ {}",
                e.via,
                " ".repeat(pad),
                e.to.as_str()
            ));
            if let Some(note) = &e.note {
                out.push_str(&format!(" ({note})"));
            }
            out.push('\n');
        }
    }
    let everywhere = kinds
        .iter()
        .filter(|k| **k != StateKind::Anonymous)
        .all(|k| reset.iter().any(|e| e.from == *k));
    if everywhere {
        out.push_str("any state\n");
        let pad = width.saturating_sub("reset()".len());
        out.push_str(&format!("  reset(){} ──▶ anonymous\n", " ".repeat(pad)));
    }
    out
}

fn id(kind: StateKind) -> String {
    kind.as_str().replace('-', "_")
}

/// The diagram in Mermaid (`stateDiagram-v2`).
pub fn mermaid() -> String {
    let mut out = String::from("stateDiagram-v2\n");
    for kind in [
        StateKind::Anonymous,
        StateKind::PrivacyAgreed,
        StateKind::ProfileGranted,
        StateKind::LoggedIn,
        StateKind::LoggedOut,
    ] {
        out.push_str(&format!(
            "    state \"{}\" as {}\n",
            kind.as_str(),
            id(kind)
        ));
    }
    out.push_str("    [*] --> anonymous\n");
    for e in edges() {
        let label = e.label();
        out.push_str(&format!("    {} --> {}: {label}\n", id(e.from), id(e.to)));
    }
    out
}

/// The diagram in Graphviz DOT.
pub fn dot() -> String {
    let mut out =
        String::from("digraph wx_auth {\n    rankdir=LR;\n    node [shape=box, style=rounded];\n");
    for e in edges() {
        let (from, to, label) = (e.from.as_str(), e.to.as_str(), e.label());
        out.push_str(&format!(
            "    \"{from}\" -> \"{to}\" [label=\"{label}\"];\n"
        ));
    }
    out.push_str("}\n");
    out
}

/// The marker before the diagram block in a README.
pub const BEGIN: &str = "<!-- state-diagram: generated by `make docs` from src/diagram.rs -->";
/// The marker after it.
pub const END: &str = "<!-- /state-diagram -->";

/// The README's diagram block as it should be: a fenced [`text`] between the markers.
pub fn block() -> String {
    format!("{BEGIN}\n```\n{}```\n{END}", text())
}

/// `readme` with its diagram block replaced by [`block`]; `None` without the markers.
pub fn in_readme(readme: &str) -> Option<String> {
    let (head, rest) = readme.split_at(readme.find(BEGIN)?);
    let (_, tail) = rest.split_at(rest.find(END)? + END.len());
    Some(format!("{head}{}{tail}", block()))
}
