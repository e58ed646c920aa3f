//! The contract cases of `tests/contract/cases.js`, run by wasm-bindgen-test against the
//! Rust `Auth` directly, under node and (with `WASM_BINDGEN_USE_BROWSER=1`) headless Chromium.
//!
//! Each JS case is one test here; `every_js_case_has_a_test` fails when the lists differ
//! (`node tools/gen-contract-rs.js` rewrites the list).
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wx_auth::web::Auth;

// Referenced from Rust so that wasm-bindgen copies it beside cases.js, which imports it.
#[wasm_bindgen(module = "/tests/sim/wx-sim.js")]
extern "C" {
    #[wasm_bindgen(js_name = createWxSim)]
    fn create_wx_sim(config: &JsValue) -> JsValue;
}

#[wasm_bindgen(module = "/tests/contract/cases.js")]
extern "C" {
    #[wasm_bindgen(js_name = runCase)]
    fn run_case(env: &JsValue, name: &str) -> Promise;
    #[wasm_bindgen(js_name = caseNames)]
    fn case_names() -> Array;
}

// The shim's cloud transport (js-glue/cloud.js, CommonJS), evaluated here so that the
// cases with `cloud` run against `Auth.create` as they do through dist/index.js.
#[wasm_bindgen(inline_js = "export function withCloud(create, src) {
  const m = { exports: {} };
  new Function('module', 'exports', src)(m, m.exports);
  return (o) => (o && o.cloud !== undefined && o.cloud !== null
    ? Promise.resolve().then(() => create(Object.assign({}, o, m.exports.options(o.cloud))))
    : create(o));
}")]
extern "C" {
    #[wasm_bindgen(js_name = withCloud)]
    fn with_cloud(create: &JsValue, source: &str) -> JsValue;
}

/// The environment a case runs in: `createAuth` is `Auth.create` itself, with the shim's
/// `cloud` option applied as dist/index.js applies it.
fn env() -> JsValue {
    let env = Object::new();
    let create = Closure::<dyn FnMut(JsValue) -> Promise>::new(Auth::create_js);
    let create_auth = with_cloud(create.as_ref(), include_str!("../js-glue/cloud.js"));
    Reflect::set(&env, &"createAuth".into(), &create_auth).expect("set createAuth");
    create.forget();
    env.into()
}

async fn run(name: &str) {
    if let Err(e) = JsFuture::from(run_case(&env(), name)).await {
        let message = Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| format!("{e:?}"));
        panic!("{name}: {message}");
    }
}

macro_rules! cases {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[wasm_bindgen_test]
            async fn $test() {
                run($name).await
            }
        )*
        const NAMES: &[&str] = &[$($name),*];
    };
}

cases! {
    start_a_new_user_who_must_agree_to_privacy_is_anonymous => "start: a new user who must agree to privacy is anonymous",
    start_needauthorization_false_moves_anonymous_to_privacy_agreed => "start: needAuthorization false moves anonymous to privacy-agreed",
    start_a_base_library_without_privacy_apis_2_32_3_starts_privacy_agreed => "start: a base library without privacy APIs (< 2.32.3) starts privacy-agreed",
    start_bad_options_reject_with_invalid_argument => "start: bad options reject with INVALID_ARGUMENT",
    privacy_agreeprivacy_shows_the_page_prompt_and_agree_moves_to_privacy_agreed => "privacy: agreePrivacy shows the page prompt and agree moves to privacy-agreed",
    privacy_disagree_rejects_privacy_denied_with_errno_104_and_stays_anonymous => "privacy: disagree rejects PRIVACY_DENIED with errno 104 and stays anonymous",
    privacy_agree_with_a_button_that_was_never_tapped_is_refused_by_wx => "privacy: agree with a button that was never tapped is refused by wx",
    privacy_a_prompt_that_comes_before_any_page_handler_waits_for_one => "privacy: a prompt that comes before any page handler waits for one",
    privacy_only_the_current_page_handler_is_told_the_sdk_keeps_the_one_wx_listener => "privacy: only the current page handler is told; the SDK keeps the one wx listener",
    privacy_resolveprivacy_with_nothing_waiting_or_without_a_buttonid_is_refused => "privacy: resolvePrivacy with nothing waiting or without a buttonId is refused",
    privacy_agreeprivacy_when_already_agreed_resolves_at_once_without_a_prompt => "privacy: agreePrivacy when already agreed resolves at once without a prompt",
    privacy_a_page_handler_that_registers_itself_again_is_not_called_from_inside_itself => "privacy: a page handler that registers itself again is not called from inside itself",
    privacy_openprivacycontract_opens_the_guide_and_says_so_where_the_base_library_has_none => "privacy: openPrivacyContract opens the guide, and says so where the base library has none",
    profile_getuserprofile_in_a_tap_grants_the_profile_and_stores_it => "profile: getUserProfile in a tap grants the profile and stores it",
    profile_base_library_2_27_1_gets_the_anonymised_profile => "profile: base library 2.27.1+ gets the anonymised profile",
    profile_getuserprofile_outside_a_tap_is_tap_required_and_changes_nothing => "profile: getUserProfile outside a tap is TAP_REQUIRED and changes nothing",
    profile_a_refused_popup_is_profile_denied => "profile: a refused popup is PROFILE_DENIED",
    profile_a_desc_over_30_characters_is_invalid_argument_and_wx_is_not_called => "profile: a desc over 30 characters is INVALID_ARGUMENT and wx is not called",
    profile_getuserprofile_while_anonymous_asks_for_privacy_first_and_then_grants => "profile: getUserProfile while anonymous asks for privacy first and then grants",
    profile_declining_the_privacy_prompt_that_getuserprofile_raised_is_privacy_denied => "profile: declining the privacy prompt that getUserProfile raised is PRIVACY_DENIED",
    profile_setprofile_takes_the_avatar_and_nickname_form_and_patches_later => "profile: setProfile takes the avatar and nickname form and patches later",
    profile_setprofile_refuses_anonymous_users_and_bad_fields => "profile: setProfile refuses anonymous users and bad fields",
    login_exchanges_one_wx_login_code_and_stores_the_session => "login: exchanges one wx.login code and stores the session",
    login_concurrent_calls_share_one_wx_login_and_one_exchange => "login: concurrent calls share one wx.login and one exchange",
    login_when_already_logged_in_resolves_without_calling_wx_login => "login: when already logged in resolves without calling wx.login",
    login_anonymous_users_get_invalid_transition_and_wx_login_is_not_called => "login: anonymous users get INVALID_TRANSITION and wx.login is not called",
    login_requireprofile_needs_profile_granted_first => "login: requireProfile needs profile-granted first",
    login_a_wx_login_failure_is_login_failed_with_errmsg_and_errno_nothing_changes => "login: a wx.login failure is LOGIN_FAILED with errMsg and errno; nothing changes",
    login_a_failed_request_is_network => "login: a failed request is NETWORK",
    login_a_4xx_from_the_backend_is_login_failed_with_its_status => "login: a 4xx from the backend is LOGIN_FAILED with its status",
    login_a_5xx_or_an_unusable_200_body_is_server => "login: a 5xx or an unusable 200 body is SERVER",
    login_a_storage_failure_is_storage_and_leaves_state_and_storage_as_they_were => "login: a storage failure is STORAGE and leaves state and storage as they were",
    login_on_an_expired_session_joins_the_renewal_a_request_started => "login: on an expired session joins the renewal a request started",
    request_adds_the_bearer_token_and_returns_statuscode_data_and_header => "request: adds the bearer token and returns statusCode, data and header",
    request_not_logged_in_is_not_logged_in_and_nothing_is_sent => "request: not logged in is NOT_LOGGED_IN and nothing is sent",
    request_bad_options_are_invalid_argument => "request: bad options are INVALID_ARGUMENT",
    request_an_expired_session_renews_once_for_all_waiting_callers_then_sends => "request: an expired session renews once for all waiting callers, then sends",
    request_a_401_renews_once_shared_and_each_request_is_resent_once => "request: a 401 renews once (shared) and each request is resent once",
    request_a_401_after_the_renewal_is_returned_not_retried_again => "request: a 401 after the renewal is returned, not retried again",
    request_a_wx_request_failure_is_network_with_errmsg_and_errno => "request: a wx.request failure is NETWORK with errMsg and errno",
    request_a_renewal_that_fails_for_a_passing_reason_rejects_with_it_and_keeps_the_session => "request: a renewal that fails for a passing reason rejects with it and keeps the session",
    logout_drops_the_session_tells_the_backend_and_a_request_is_then_not_logged_in => "logout: drops the session, tells the backend, and a request is then NOT_LOGGED_IN",
    logout_a_login_in_flight_when_logout_began_does_not_log_the_user_in => "logout: a login in flight when logout began does not log the user in",
    logout_the_backend_failing_does_not_stop_the_local_logout => "logout: the backend failing does not stop the local logout",
    logout_without_a_logouturl_nothing_is_sent_to_the_backend => "logout: without a logoutUrl nothing is sent to the backend",
    logout_sticks_across_a_restart_until_login_is_called_again => "logout: sticks across a restart until login() is called again",
    logout_when_never_logged_in_is_invalid_transition_twice_is_harmless => "logout: when never logged in is INVALID_TRANSITION; twice is harmless",
    logout_a_storage_failure_is_storage_and_the_user_stays_logged_in => "logout: a storage failure is STORAGE and the user stays logged in",
    restart_a_stored_session_comes_back_with_its_expiry_and_profile => "restart: a stored session comes back with its expiry and profile",
    restart_corrupt_or_foreign_data_under_the_key_starts_cleanly_and_is_left_alone => "restart: corrupt or foreign data under the key starts cleanly and is left alone",
    restart_a_storage_read_that_fails_is_a_transient_storage_error_and_loses_nothing => "restart: a storage read that fails is a transient STORAGE error and loses nothing",
    restart_a_record_from_a_newer_sdk_is_treated_as_no_session_and_left_untouched => "restart: a record from a newer SDK is treated as no session and left untouched",
    storage_a_custom_storagekey_is_used_and_other_keys_are_left_alone => "storage: a custom storageKey is used and other keys are left alone",
    onchange_runs_after_every_transition_unsubscribing_stops_it_a_throwing_listener_is_contained => "onChange: runs after every transition; unsubscribing stops it; a throwing listener is contained",
    re_entrancy_a_clock_and_listeners_that_call_back_into_the_sdk_are_safe => "re-entrancy: a clock and listeners that call back into the SDK are safe",
    storage_the_record_is_written_encrypted_from_base_library_2_21_3_plain_before => "storage: the record is written encrypted from base library 2.21.3, plain before",
    storage_a_plain_record_from_before_a_base_library_update_is_read_and_rewritten_encrypted => "storage: a plain record from before a base library update is read and rewritten encrypted",
    storage_a_version_1_record_migrates_forward_to_version_2 => "storage: a version 1 record migrates forward to version 2",
    reset_removes_only_the_sdk_record_revokes_the_session_and_starts_over => "reset: removes only the SDK record, revokes the session and starts over",
    retry_a_busy_backend_503_is_retried_with_a_fresh_wx_login_code_each_time => "retry: a busy backend (503) is retried with a fresh wx.login code each time",
    retry_a_definitive_refusal_4xx_is_not_retried => "retry: a definitive refusal (4xx) is not retried",
    retry_attempts_are_bounded_and_the_last_error_is_reported => "retry: attempts are bounded and the last error is reported",
    timeouts_every_request_carries_the_timeout_and_a_slow_backend_is_a_transient_network_error => "timeouts: every request carries the timeout and a slow backend is a transient NETWORK error",
    renewal_three_concurrent_401s_right_after_a_login_renew_at_once_with_no_wait_between_wx_login_calls => "renewal: three concurrent 401s right after a login renew at once, with no wait between wx.login calls",
    renewal_a_backend_that_refuses_every_token_is_throttled_past_the_budget_at_once_login_never_is => "renewal: a backend that refuses every token is THROTTLED past the budget, at once; login() never is",
    renewal_bad_renewals_options_are_invalid_argument_minloginintervalms_is_still_accepted => "renewal: bad renewals options are INVALID_ARGUMENT; minLoginIntervalMs is still accepted",
    renewal_refused_for_good_after_expiry_ends_the_session_as_expired => "renewal refused for good after expiry ends the session as expired",
    renewal_refused_for_good_after_a_401_ends_the_session_as_revoked => "renewal refused for good after a 401 ends the session as revoked",
    checksession_off_by_default_when_on_a_failed_check_renews_before_the_next_request => "checkSession: off by default; when on, a failed check renews before the next request",
    errors_say_whether_trying_again_may_help_transient => "errors: say whether trying again may help (transient)",
    unbind_a_fresh_code_with_the_bearer_the_session_and_profile_go_privacy_stays => "unbind: a fresh code with the bearer; the session and profile go, privacy stays",
    unbind_a_refusal_or_a_failure_changes_nothing => "unbind: a refusal or a failure changes nothing",
    unbind_needs_a_login_and_the_unbindurl_option => "unbind: needs a login and the unbindUrl option",
    unbind_an_expired_session_is_renewed_first_then_the_account_is_deleted => "unbind: an expired session is renewed first, then the account is deleted",
    scopes_getsetting_reports_asked_scopes_only_unknown_keys_are_dropped => "scopes: getSetting reports asked scopes only; unknown keys are dropped",
    scopes_opensetting_only_from_a_tap_and_returns_what_the_user_changed => "scopes: openSetting only from a tap, and returns what the user changed",
    phone_the_code_from_the_button_goes_once_with_the_bearer_and_the_answer_of_the_backend_comes_back_nothing_is_stored => "phone: the code from the button goes once, with the bearer, and the answer of the backend comes back; nothing is stored",
    phone_a_decline_no_quota_an_old_base_library_and_no_privacy_agreement_each_have_their_code_and_nothing_is_sent => "phone: a decline, no quota, an old base library and no privacy agreement each have their code, and nothing is sent",
    phone_a_refusal_or_a_failure_is_never_retried_with_the_same_code_the_page_asks_for_another_tap => "phone: a refusal or a failure is never retried with the same code; the page asks for another tap",
    phone_needs_the_phoneurl_option_and_a_session_an_expired_session_is_renewed_before_the_code_leaves => "phone: needs the phoneUrl option and a session; an expired session is renewed before the code leaves",
    profile_with_profileurl_the_chosen_avatar_is_uploaded_after_login_and_a_second_phone_gets_the_profile_at_its_login => "profile: with profileUrl the chosen avatar is uploaded after login and a second phone gets the profile at its login",
    profile_saveprofile_takes_the_new_profile_only_once_the_backend_has_it_a_refusal_or_a_failure_changes_nothing => "profile: saveProfile takes the new profile only once the backend has it; a refusal or a failure changes nothing",
    profile_without_profileurl_nothing_leaves_the_phone_with_it_a_401_renews_and_the_profile_goes_again => "profile: without profileUrl nothing leaves the phone; with it, a 401 renews and the profile goes again",
    cloud_with_a_cloud_function_login_is_one_call_with_no_wx_login_requests_phone_and_logout_go_through_it_with_the_session => "cloud: with a cloud function, login is one call with no wx.login; requests, phone and logout go through it with the session",
    cloud_a_missing_function_a_function_that_throws_and_a_broken_answer_are_typed_errors_that_change_nothing => "cloud: a missing function, a function that throws and a broken answer are typed errors that change nothing",
    cloud_a_function_that_never_answers_fails_the_call_after_timeoutms_as_wx_request_would => "cloud: a function that never answers fails the call after timeoutMs, as wx.request would",
    cloud_callcontainer_carries_the_same_http_api_to_a_cloudrun_service_with_the_wx_login_code => "cloud: callContainer carries the same HTTP API to a CloudRun service, with the wx.login code",
    cloud_the_avatar_goes_to_cloud_storage_and_its_fileid_is_the_saved_avatar => "cloud: the avatar goes to cloud storage and its fileID is the saved avatar",
    cloud_a_bad_cloud_option_or_a_missing_wx_cloud_is_invalid_argument => "cloud: a bad cloud option or a missing wx.cloud is INVALID_ARGUMENT",
    state_never_carries_the_token => "state: never carries the token",
}

#[wasm_bindgen_test]
fn the_simulator_starts_at_its_configured_time() {
    let config = Object::new();
    Reflect::set(&config, &"startTime".into(), &JsValue::from_f64(42.0)).expect("set");
    let sim = create_wx_sim(&config.into());
    let now = Reflect::get(&sim, &"now".into()).expect("now");
    let now: js_sys::Function = now.into();
    assert_eq!(now.call0(&sim).expect("call").as_f64(), Some(42.0));
}

#[wasm_bindgen_test]
fn every_js_case_has_a_test() {
    let js: Vec<String> = case_names().iter().filter_map(|v| v.as_string()).collect();
    assert_eq!(
        js, NAMES,
        "tests/contract.rs and tests/contract/cases.js list different cases"
    );
}
