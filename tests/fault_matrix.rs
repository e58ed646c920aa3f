//! The native fault matrix: every flow × every step × every fault the platform can
//! produce at that step, against the real engine in the world of `tests/support/world.rs`.
//!
//! For each flow the world is brought to the flow's starting state and the flow is run
//! once without faults to learn its steps (the wx calls, requests and prompts it makes).
//! Then, for every step and every fault that can happen there, a fresh world is brought
//! to the same state, the fault is armed for exactly that step, and the flow is run to
//! its end. Afterwards:
//!  1. every page call settled exactly once;
//!  2. the stored record says exactly what the state says;
//!  3. a flow that failed left state and record as they were, except for what happened
//!     for good on the way: a privacy agreement WeChat recorded, a renewal that succeeded
//!     before the resend failed, a renewal the backend refused for good (the session ends
//!     as expired or revoked), or junk found under the key at start;
//!  4. a logged-in user is only logged out by a logout, reset or unbind that succeeded,
//!     or by such a refused renewal; no token from before a logout comes back;
//!  5. a restart on the same storage comes back in the same state;
//!  6. the SDK still works: the next step of the way succeeds.
//!
//! Prints `native fault matrix: F flows × S steps × K faults, N injected, N passed`.
//! (`harness = false` in Cargo.toml, so the line shows in `make test`.)

#![cfg_attr(target_arch = "wasm32", allow(unused))]

#[cfg(not(target_arch = "wasm32"))]
#[path = "support/world.rs"]
mod world;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::world::{self, me, Fault, Outcome, World};
    use wx_auth::engine::{Call, CallId};
    use wx_auth::state::{AuthState, LogoutReason, StateKind};
    use wx_auth::Config;

    fn config() -> Config {
        Config {
            logout_url: true,
            unbind_url: true,
            phone_url: true,
            profile_url: true,
            check_session: true,
            backoff: wx_auth::retry::Backoff {
                attempts: 2,
                base_ms: 100,
                max_ms: 1000,
            },
            ..Config::default()
        }
    }

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Before {
        Anonymous,
        Agreed,
        Profile,
        LoggedIn,
        Expired,
        Refused,
        KeyLost,
        /// Agreed, with a backend that learns the caller from WeChat (a cloud function):
        /// `login_without_code`.
        CloudAgreed,
        /// Logged in that way, the session expired.
        CloudExpired,
    }

    fn before(b: Before) -> World {
        if matches!(b, Before::CloudAgreed | Before::CloudExpired) {
            let config = Config {
                login_without_code: true,
                ..config()
            };
            let mut w = World::new(config, false);
            w.backend.platform_identity = true;
            if b == Before::CloudExpired {
                w.call(Call::Login);
                w.run();
                assert_eq!(w.state().kind(), StateKind::LoggedIn);
                w.advance(7200 * 1000);
            }
            return w;
        }
        let mut w = World::new(config(), b == Before::Anonymous);
        if b == Before::Anonymous || b == Before::Agreed {
            return w;
        }
        w.set_profile(Some("小明"), Some("wxfile://tmp/a.png"))
            .unwrap();
        w.run();
        if b == Before::Profile {
            return w;
        }
        if b == Before::KeyLost {
            w.backend.ttl_secs = 7 * 24 * 3600;
        }
        w.call(Call::Login);
        w.run();
        assert_eq!(w.state().kind(), StateKind::LoggedIn);
        match b {
            Before::Expired => w.advance(7200 * 1000),
            Before::Refused => {
                let token = w.state().session().unwrap().token().to_string();
                w.backend.sessions.get_mut(&token).unwrap().revoked = true;
            }
            Before::KeyLost => w.advance(25 * 3600 * 1000),
            _ => {}
        }
        w
    }

    #[derive(Clone, Copy)]
    enum Run {
        Call(fn() -> Call<world::Native>),
        Tap(fn() -> Call<world::Native>),
        SetProfile,
        Restart,
        /// The user taps the phone button (a billed code), then the page verifies it.
        Phone,
        /// `saveProfile` with a new nickname and a new avatar file.
        SaveProfile,
    }

    struct Flow {
        name: &'static str,
        before: Before,
        run: Run,
    }

    const FLOWS: &[Flow] = &[
        Flow {
            name: "privacy",
            before: Before::Anonymous,
            run: Run::Call(|| Call::AgreePrivacy),
        },
        Flow {
            name: "profile",
            before: Before::Anonymous,
            run: Run::Tap(|| Call::GetUserProfile("用于完善会员资料".into())),
        },
        Flow {
            name: "setProfile",
            before: Before::Agreed,
            run: Run::SetProfile,
        },
        Flow {
            name: "login",
            before: Before::Profile,
            run: Run::Call(|| Call::Login),
        },
        Flow {
            name: "request",
            before: Before::LoggedIn,
            run: Run::Call(me),
        },
        Flow {
            name: "request with renewal",
            before: Before::Expired,
            run: Run::Call(me),
        },
        Flow {
            name: "request after a 401",
            before: Before::Refused,
            run: Run::Call(me),
        },
        Flow {
            name: "logout",
            before: Before::LoggedIn,
            run: Run::Call(|| Call::Logout),
        },
        Flow {
            name: "reset",
            before: Before::LoggedIn,
            run: Run::Call(|| Call::Reset),
        },
        Flow {
            name: "unbind",
            before: Before::Expired,
            run: Run::Call(|| Call::Unbind),
        },
        Flow {
            name: "restart",
            before: Before::LoggedIn,
            run: Run::Restart,
        },
        Flow {
            name: "restart, session_key lost",
            before: Before::KeyLost,
            run: Run::Restart,
        },
        Flow {
            name: "getSetting",
            before: Before::LoggedIn,
            run: Run::Call(|| Call::GetSetting),
        },
        Flow {
            name: "openSetting",
            before: Before::LoggedIn,
            run: Run::Tap(|| Call::OpenSetting),
        },
        Flow {
            name: "phone",
            before: Before::Expired,
            run: Run::Phone,
        },
        Flow {
            name: "saveProfile",
            before: Before::Expired,
            run: Run::SaveProfile,
        },
        Flow {
            name: "cloud login",
            before: Before::CloudAgreed,
            run: Run::Call(|| Call::Login),
        },
        Flow {
            name: "cloud request with renewal",
            before: Before::CloudExpired,
            run: Run::Call(me),
        },
        Flow {
            name: "openPrivacyContract",
            before: Before::Agreed,
            run: Run::Call(|| Call::OpenPrivacyContract),
        },
    ];

    /// Runs the flow; its call's outcome (`None` for setProfile and restart that succeed).
    fn run(w: &mut World, flow: &Flow) -> Option<Outcome> {
        let id: Option<CallId> = match flow.run {
            Run::Call(c) => Some(w.call(c())),
            Run::Tap(c) => Some(w.tap(c())),
            Run::Phone => {
                let event = w.phone_event();
                Some(w.tap(Call::VerifyPhone(event)))
            }
            Run::SaveProfile => Some(w.call(Call::SaveProfile(wx_auth::profile::ProfilePatch {
                nick_name: Some("小红".into()),
                avatar_url: Some("wxfile://tmp/b.png".into()),
            }))),
            Run::SetProfile => {
                return match w.set_profile(Some("小红"), Some("wxfile://tmp/b.png")) {
                    Ok(_) => {
                        w.run();
                        None
                    }
                    Err(e) => Some(Outcome::Failed(e)),
                };
            }
            Run::Restart => {
                w.restart();
                let start = w.start_call.unwrap();
                return w.outcome(start).filter(|o| o.code().is_some()).cloned();
            }
        };
        w.run();
        id.and_then(|id| w.outcome(id).cloned())
    }

    fn steps_of(flow: &Flow) -> Vec<String> {
        let mut w = before(flow.before);
        let base = w.log.len();
        let outcome = run(&mut w, flow);
        assert!(
            outcome.as_ref().and_then(Outcome::code).is_none(),
            "{}: fails without a fault: {outcome:?}",
            flow.name
        );
        w.log[base..].iter().map(|l| l.step.clone()).collect()
    }

    fn check(cond: bool, what: impl Into<String>) -> Result<(), String> {
        if cond {
            Ok(())
        } else {
            Err(what.into())
        }
    }

    fn inject(flow: &Flow, step: usize, fault: Fault) -> Result<(), String> {
        let mut w = before(flow.before);
        let state_before = w.state().clone();
        let record_before = w.record_text();
        let base = w.log.len();
        w.armed.insert(base + step, fault);
        let outcome = run(&mut w, flow);
        let failed = outcome.as_ref().and_then(Outcome::code);
        let state = w.state().clone();
        // 1. every call settled exactly once (a restart that failed leaves no engine to call)
        check(w.double_settle.is_none(), "a call settled twice")?;
        if w.started || flow.name.starts_with("restart") {
            for id in &w.calls {
                check(
                    w.settled.contains_key(id),
                    format!("call {id:?} never settled"),
                )?;
            }
        }
        // 2. the record says what the state says; setProfile applies at once and a failed
        //    write leaves the previous record (the next commit writes the profile)
        let corrupt_start = fault == Fault::StorageCorrupt;
        let profile_unwritten =
            flow.name == "setProfile" && matches!(fault, Fault::WxFail | Fault::StorageFull);
        if profile_unwritten {
            check(
                w.record_text() == record_before,
                "a failed setProfile write changed the record",
            )?;
            check(
                state.profile().map(|p| p.nick_name()) == Some("小红"),
                "setProfile did not apply",
            )?;
        } else if !corrupt_start && w.started {
            check(
                w.record_matches_state(),
                format!("record {:?} vs state {state:?}", w.record_text()),
            )?;
        }
        // 3. a failed flow changed nothing, but for what happened for good on the way
        let agreed_on_the_way = state_before == AuthState::Anonymous
            && state == AuthState::PrivacyAgreed
            && w.privacy_agreed;
        let renewed_on_the_way = (flow.name.contains("request")
            || matches!(flow.name, "unbind" | "phone" | "saveProfile"))
            && state.kind() == StateKind::LoggedIn
            && state.session().map(|s| s.expires_at())
                > state_before.session().map(|s| s.expires_at());
        let ended_by_renewal = state.kind() == StateKind::LoggedOut
            && matches!(
                state.logout_reason(),
                Some(LogoutReason::Expired | LogoutReason::Revoked)
            );
        if failed.is_some()
            && !agreed_on_the_way
            && !renewed_on_the_way
            && !ended_by_renewal
            && !corrupt_start
        {
            // A start that failed hands the page no SDK: only the record counts there.
            if w.started {
                check(
                    state == state_before,
                    format!(
                        "a failed {} ({failed:?}) changed the state to {state:?}",
                        flow.name
                    ),
                )?;
            }
            check(
                w.record_text() == record_before,
                "a failed flow changed the record",
            )?;
        }
        // 4. no token lost, none resurrected
        if w.started
            && state_before.kind() == StateKind::LoggedIn
            && state.kind() != StateKind::LoggedIn
        {
            let by_design = (matches!(flow.name, "logout" | "reset" | "unbind")
                && failed.is_none())
                || ended_by_renewal
                || corrupt_start;
            check(
                by_design,
                format!("logged out by {} / {fault:?}: {state:?}", flow.name),
            )?;
        }
        check(w.token_is_live(), "a token from before a logout came back")?;
        check(w.phone_codes_sent_once(), "a phone code was sent twice")?;
        if flow.name == "logout" && failed.is_none() {
            check(
                state.logout_reason() == Some(LogoutReason::User),
                "logout did not stick",
            )?;
        }
        // 5. a restart comes back in the same state
        if w.started {
            w.restart();
            let keeps_record = !matches!(state, AuthState::Anonymous | AuthState::PrivacyAgreed);
            if keeps_record && !corrupt_start && !profile_unwritten {
                check(
                    w.state() == &state,
                    format!("restart gave {:?} after {state:?}", w.state()),
                )?;
            }
        } else {
            w.restart();
            check(w.started, "the SDK cannot start again after the fault")?;
        }
        // 6. the SDK still works
        let next = match w.state().kind() {
            StateKind::Anonymous => w.call(Call::AgreePrivacy),
            StateKind::LoggedIn => w.call(me()),
            _ => w.call(Call::Login),
        };
        w.run();
        match w.outcome(next) {
            Some(Outcome::State(_)) => Ok(()),
            Some(Outcome::Response(r)) if r.status == 200 => Ok(()),
            other => Err(format!("the next step after the fault gave {other:?}")),
        }
    }

    pub fn main() {
        let mut steps_total = 0;
        let mut injected = 0;
        let mut passed = 0;
        let mut failures = Vec::new();
        let mut used = std::collections::BTreeSet::new();
        for flow in FLOWS {
            let steps = steps_of(flow);
            steps_total += steps.len();
            for (i, step) in steps.iter().enumerate() {
                for fault in Fault::ALL {
                    if !fault.applies(step) {
                        continue;
                    }
                    injected += 1;
                    used.insert(fault);
                    match inject(flow, i, fault) {
                        Ok(()) => passed += 1,
                        Err(e) => failures.push(format!(
                            "not ok - {} / step {} {} / {fault:?}: {e}",
                            flow.name,
                            i + 1,
                            step
                        )),
                    }
                }
            }
        }
        for f in &failures {
            println!("{f}");
        }
        println!(
            "native fault matrix: {} flows × {} steps × {} faults, {} injected, {} passed",
            FLOWS.len(),
            steps_total,
            Fault::ALL.len(),
            injected,
            passed
        );
        assert_eq!(
            used.len(),
            Fault::ALL.len(),
            "faults never injected: {used:?}"
        );
        if !failures.is_empty() {
            std::process::exit(1);
        }
    }
}

/// The matrix runs natively only (its world is plain Rust, no wasm to test).
fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    native::main();
}
