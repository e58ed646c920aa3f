//! The profile on the backend over real HTTP on loopback: `POST /auth/profile` (the
//! multipart upload `wx.uploadFile` sends, and the JSON form), `GET /avatars/…`, the
//! profile in the login reply and on `/api/me`, and unbind erasing it with its file.

mod support;

use std::path::PathBuf;
use support::{
    files, get, multipart, post_json, post_multipart, request, request_bytes, stack_with, tiny_png,
    upload_profile, Answer, Part, Redis, Stack,
};
use wx_auth::wire::{LoginReply, ProfileBody};

/// A stack whose avatars are served under an https base (the JSON form takes only https).
const PUBLIC: &str = "https://api.example.test";

fn login(st: &Stack, code: &str, user: &str) -> LoginReply {
    st.register(code, user);
    let a = post_json(
        st.s(),
        "/auth/login",
        None,
        &format!(r#"{{"code":"{code}"}}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    a.wire()
}

fn token(st: &Stack, code: &str, user: &str) -> String {
    login(st, code, user).token
}

/// The server's avatar directory: its default, `avatars` beside the SQLite file.
fn avatar_dir(st: &Stack) -> PathBuf {
    st.db.dir().join("avatars")
}

/// The avatar's file name, from a URL under `base`.
fn file_of(url: &str, base: &str) -> String {
    let name = url
        .strip_prefix(&format!("{base}/avatars/"))
        .unwrap_or_else(|| panic!("{url} is not under {base}/avatars/"));
    assert!(
        name.len() == 32 + 4
            && name.ends_with(".png")
            && name[..32]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{name}"
    );
    name.to_string()
}

fn json_profile(st: &Stack, token: Option<&str>, nick: &str, url: &str) -> Answer {
    post_json(
        st.s(),
        "/auth/profile",
        token,
        &serde_json::json!({ "nickName": nick, "avatarUrl": url }).to_string(),
    )
}

fn me(st: &Stack, token: &str) -> serde_json::Value {
    let a = get(st.s(), "/api/me", Some(token));
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

fn refused(a: &Answer, status: u16, code: &str, what: &str) {
    assert_eq!(
        (a.status, a.code().as_str()),
        (status, code),
        "{what}: {}",
        a.body
    );
    assert_eq!(a.header("content-type"), Some("application/json"), "{what}");
    assert!(
        !a.json()["message"].as_str().unwrap_or("").is_empty(),
        "{what}"
    );
}

#[test]
fn an_uploaded_png_is_saved_served_and_given_back_at_the_next_login() {
    let st = stack_with(&[]);
    let t = token(&st, "c1", "xiaoming");
    let png = tiny_png();
    let a = upload_profile(st.s(), Some(&t), "  小明 ", &png);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.json().as_object().unwrap().len(), 2, "{}", a.body);
    let saved: ProfileBody = a.wire();
    assert_eq!(saved.nick_name, "小明", "trimmed");
    // The default base: http:// and the address the server listens on.
    let name = file_of(&saved.avatar_url, &st.server.base);
    assert_eq!(files(&avatar_dir(&st)), vec![name.clone()], "no .part left");

    let served = get(st.s(), &format!("/avatars/{name}"), None);
    assert_eq!(served.status, 200);
    assert_eq!(served.bytes, png, "the same bytes");
    assert_eq!(served.header("content-type"), Some("image/png"));
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        served.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    assert_eq!(me(&st, &t)["profile"], serde_json::json!(saved));
    // A login on a new device gets it back; another user has none.
    let again = login(&st, "c2", "xiaoming");
    assert_eq!(again.profile, Some(saved));
    let other = login(&st, "c3", "xiaohong");
    assert_eq!(other.profile, None);
    assert!(me(&st, &other.token).get("profile").is_none());
}

#[test]
fn the_json_form_keeps_or_replaces_the_uploaded_file() {
    let st = stack_with(&[("PUBLIC_BASE_URL", PUBLIC)]);
    let t = token(&st, "c1", "xiaoming");
    let first = upload_profile(st.s(), Some(&t), "小明", &tiny_png()).wire::<ProfileBody>();
    let f1 = file_of(&first.avatar_url, PUBLIC);
    // A new upload replaces the file; the old one is deleted.
    let second = upload_profile(st.s(), Some(&t), "小明", &tiny_png()).wire::<ProfileBody>();
    let f2 = file_of(&second.avatar_url, PUBLIC);
    assert_ne!(f1, f2);
    assert_eq!(files(&avatar_dir(&st)), vec![f2.clone()]);
    // A new nickname with the avatar saved before: the file stays.
    let a = json_profile(&st, Some(&t), " 小明明 ", &second.avatar_url);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.wire::<ProfileBody>(),
        ProfileBody {
            nick_name: "小明明".into(),
            avatar_url: second.avatar_url.clone()
        }
    );
    assert_eq!(files(&avatar_dir(&st)), vec![f2.clone()]);
    assert_eq!(get(st.s(), &format!("/avatars/{f2}"), None).status, 200);
    // An https avatar from elsewhere (getUserProfile): the upload is deleted.
    let remote = "https://thirdwx.qlogo.cn/mmopen/vi_32/Q0j4TwGTfTK/132";
    let a = json_profile(&st, Some(&t), "小明", remote);
    assert_eq!(
        a.wire::<ProfileBody>(),
        ProfileBody {
            nick_name: "小明".into(),
            avatar_url: remote.into()
        }
    );
    assert_eq!(files(&avatar_dir(&st)), Vec::<String>::new());
    assert_eq!(get(st.s(), &format!("/avatars/{f2}"), None).status, 404);
    let back = login(&st, "c2", "xiaoming").profile.unwrap();
    assert_eq!(back.avatar_url, remote);
    // Another user naming someone's uploaded avatar never owns its file.
    let mine = upload_profile(st.s(), Some(&t), "小明", &tiny_png()).wire::<ProfileBody>();
    let hong = token(&st, "c3", "xiaohong");
    assert_eq!(
        json_profile(&st, Some(&hong), "小红", &mine.avatar_url).status,
        200
    );
    assert_eq!(json_profile(&st, Some(&hong), "小红", remote).status, 200);
    assert_eq!(
        files(&avatar_dir(&st)),
        vec![file_of(&mine.avatar_url, PUBLIC)]
    );
}

/// A text part.
fn part<'a>(name: &'a str, bytes: &'a [u8]) -> Part<'a> {
    (name, None, None, bytes)
}

/// The file part `avatar`, as `wx.uploadFile` names it.
fn avatar(bytes: &[u8]) -> Part<'_> {
    ("avatar", Some("tmp_1.png"), Some("image/png"), bytes)
}

#[test]
fn refused_profiles_change_nothing() {
    let st = stack_with(&[("PUBLIC_BASE_URL", PUBLIC)]);
    let t = token(&st, "c1", "xiaoming");
    let saved = upload_profile(st.s(), Some(&t), "小明", &tiny_png()).wire::<ProfileBody>();
    let before = files(&avatar_dir(&st));
    let s = st.s();
    let png = tiny_png();
    let up = |parts: &[Part]| post_multipart(s, Some(&t), &multipart(parts));
    let over = {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.resize(1024 * 1024 + 1, 0);
        v
    };
    let long_url = format!("https://a.example/{}", "x".repeat(2048 - 17));
    let auth = format!("Bearer {t}");
    let cases: Vec<(Answer, u16, &str, &str)> = vec![
        (
            upload_profile(s, Some(&t), "小明", b"not an image, whatever its name says"),
            415,
            "UNSUPPORTED_IMAGE",
            "text named .png",
        ),
        (
            upload_profile(
                s,
                Some(&t),
                "小明",
                b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            ),
            415,
            "UNSUPPORTED_IMAGE",
            "SVG",
        ),
        (
            upload_profile(s, Some(&t), "小明", b""),
            415,
            "UNSUPPORTED_IMAGE",
            "empty file",
        ),
        (
            upload_profile(s, Some(&t), "小明", &over),
            413,
            "AVATAR_TOO_LARGE",
            "1 MiB + 1 byte",
        ),
        (up(&[avatar(&png)]), 400, "INVALID_PROFILE", "no nickName"),
        (
            up(&[part("nickName", "小明".as_bytes())]),
            400,
            "INVALID_PROFILE",
            "no avatar",
        ),
        (
            up(&[part("nickName", b"a"), avatar(&png), avatar(&png)]),
            400,
            "INVALID_PROFILE",
            "two avatars",
        ),
        (
            up(&[part("nickName", b"\xff\xfe"), avatar(&png)]),
            400,
            "INVALID_PROFILE",
            "nickName not UTF-8",
        ),
        (
            up(&[part("nickName", &[b' '; 1025]), avatar(&png)]),
            400,
            "INVALID_PROFILE",
            "nickName part over 1 KiB",
        ),
        (
            upload_profile(s, Some(&t), " \u{3000} ", &png),
            400,
            "INVALID_PROFILE",
            "blank nickName",
        ),
        (
            upload_profile(s, Some(&t), &"😀".repeat(65), &png),
            400,
            "INVALID_PROFILE",
            "65 characters",
        ),
        (
            upload_profile(s, Some(&t), "小\u{1b}[31m明", &png),
            400,
            "INVALID_PROFILE",
            "a control character",
        ),
        (
            json_profile(&st, Some(&t), "小明", "http://a.example/x.png"),
            400,
            "INVALID_PROFILE",
            "http avatarUrl",
        ),
        (
            json_profile(&st, Some(&t), "小明", "https://a.example/x y.png"),
            400,
            "INVALID_PROFILE",
            "avatarUrl with a space",
        ),
        (
            json_profile(&st, Some(&t), "小明", &long_url),
            400,
            "INVALID_PROFILE",
            "avatarUrl of 2049 bytes",
        ),
        (
            json_profile(&st, Some(&t), "", "https://a.example/x.png"),
            400,
            "INVALID_PROFILE",
            "empty nickName",
        ),
        (
            post_json(s, "/auth/profile", Some(&t), r#"{"nickName":"小明"}"#),
            400,
            "INVALID_PROFILE",
            "no avatarUrl",
        ),
        (
            post_json(
                s,
                "/auth/profile",
                Some(&t),
                r#"{"nickName":7,"avatarUrl":"https://a.example/x.png"}"#,
            ),
            400,
            "INVALID_PROFILE",
            "a number as nickName",
        ),
        (
            post_json(s, "/auth/profile", Some(&t), "{"),
            400,
            "INVALID_PROFILE",
            "not JSON",
        ),
        (
            post_json(s, "/auth/profile", Some(&t), r#"["小明"]"#),
            400,
            "INVALID_PROFILE",
            "not an object",
        ),
        (
            json_profile(&st, Some(&t), &"a".repeat(9000), "https://a.example/x.png"),
            413,
            "PAYLOAD_TOO_LARGE",
            "a JSON body over 8 KiB",
        ),
        (
            request(
                s,
                "POST",
                "/auth/profile",
                &[("Authorization", &auth), ("Content-Type", "text/plain")],
                "nickName=x",
            ),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "text/plain",
        ),
        (
            request_bytes(
                s,
                "POST",
                "/auth/profile",
                &[("Authorization", &auth), ("Content-Type", "image/png")],
                &png,
            ),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "a bare image",
        ),
        (
            request(
                s,
                "POST",
                "/auth/profile",
                &[("Authorization", &auth)],
                "{}",
            ),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "no Content-Type",
        ),
        (
            request_bytes(
                s,
                "POST",
                "/auth/profile",
                &[
                    ("Authorization", &auth),
                    ("Content-Type", "multipart/form-data"),
                ],
                &multipart(&[part("nickName", b"a"), avatar(&png)]),
            ),
            400,
            "INVALID_PROFILE",
            "no boundary",
        ),
        (
            request(s, "GET", "/auth/profile", &[("Authorization", &auth)], ""),
            405,
            "METHOD_NOT_ALLOWED",
            "GET",
        ),
    ];
    for (a, status, code, what) in &cases {
        refused(a, *status, code, what);
    }
    // Each rule is named in its message.
    let message = |i: usize| cases[i].0.json()["message"].as_str().unwrap().to_string();
    assert!(message(9).contains("empty"), "{}", message(9));
    assert!(message(10).contains("64"), "{}", message(10));
    assert!(message(11).contains("control"), "{}", message(11));
    assert!(message(12).contains("https://"), "{}", message(12));
    assert!(message(14).contains("2048"), "{}", message(14));

    assert_eq!(me(&st, &t)["profile"], serde_json::json!(saved));
    assert_eq!(files(&avatar_dir(&st)), before, "no file added or removed");

    // Unknown parts are read and dropped; exactly 1 MiB is taken.
    let mut max = b"GIF89a".to_vec();
    max.resize(1024 * 1024, 7);
    let a = up(&[
        part("extra", b"ignored"),
        ("other", Some("x.bin"), None, &[0u8; 3000][..]),
        avatar(&max),
        part("nickName", " 小明 ".as_bytes()),
    ]);
    assert_eq!(a.status, 200, "{}", a.body);
    let gif = a.wire::<ProfileBody>().avatar_url;
    assert!(gif.ends_with(".gif"), "{gif}");
    let name = gif.rsplit('/').next().unwrap();
    let served = get(s, &format!("/avatars/{name}"), None);
    assert_eq!(
        (served.bytes.len(), served.header("content-type")),
        (max.len(), Some("image/gif"))
    );
}

#[test]
fn without_a_session_nothing_is_read_or_written() {
    let st = stack_with(&[]);
    let png = tiny_png();
    for bearer in [None, Some("f".repeat(64)), Some("nonsense".to_string())] {
        let a = upload_profile(st.s(), bearer.as_deref(), "小明", &png);
        refused(&a, 401, "UNAUTHORIZED", "upload");
        let a = json_profile(&st, bearer.as_deref(), "小明", "https://a.example/x.png");
        refused(&a, 401, "UNAUTHORIZED", "JSON");
    }
    assert!(!avatar_dir(&st).exists(), "the directory was made");
    // An oversized announced body is refused at the door, unread, whoever sends it.
    let big = b"POST /auth/profile HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 2097152\r\n\r\n--x";
    refused(&support::raw(st.s(), big), 413, "AVATAR_TOO_LARGE", "2 MiB");
}

#[test]
fn avatars_are_looked_up_by_their_name_only() {
    let st = stack_with(&[]);
    let t = token(&st, "c1", "xiaoming");
    let url = upload_profile(st.s(), Some(&t), "小明", &tiny_png())
        .wire::<ProfileBody>()
        .avatar_url;
    let name = file_of(&url, &st.server.base);
    let stem = &name[..32];
    // Files beside the avatars that no request may reach.
    std::fs::write(avatar_dir(&st).join("notes.txt"), "private").unwrap();
    std::fs::write(avatar_dir(&st).join(format!("{name}.part")), "partial").unwrap();
    for path in [
        "/avatars/notes.txt".to_string(),
        format!("/avatars/{name}.part"),
        format!("/avatars/{}.png", stem.to_uppercase()),
        format!("/avatars/{stem}.jpg"),
        format!("/avatars/{stem}.svg"),
        format!("/avatars/{}.png", &stem[1..]),
        format!("/avatars/{}.png", "0".repeat(32)),
        "/avatars/../server.db".to_string(),
        "/avatars/..%2fserver.db".to_string(),
        "/avatars/%2e%2e%2fserver.db".to_string(),
        "/avatars/..%2F..%2F..%2Fetc%2Fpasswd".to_string(),
        format!("/avatars/x/..%2f{name}"),
        format!("/avatars/%2e%2e/avatars/{name}"),
        "/avatars/".to_string(),
        "/avatars".to_string(),
    ] {
        let a = get(st.s(), &path, None);
        refused(&a, 404, "NOT_FOUND", &path);
        assert!(!a.body.contains("private") && !a.body.contains("partial"));
    }
    assert_eq!(get(st.s(), &format!("/avatars/{name}"), None).status, 200);
    assert_eq!(
        get(st.s(), &format!("/avatars/{name}?v=1"), None).status,
        200
    );
    refused(
        &request(st.s(), "POST", &format!("/avatars/{name}"), &[], ""),
        405,
        "METHOD_NOT_ALLOWED",
        "POST",
    );
}

#[test]
fn unbind_erases_the_profile_and_its_file() {
    let st = stack_with(&[]);
    let t = token(&st, "c1", "xiaoming");
    let keep = token(&st, "c2", "xiaohong");
    upload_profile(st.s(), Some(&t), "小明", &tiny_png());
    let other = upload_profile(st.s(), Some(&keep), "小红", &tiny_png()).wire::<ProfileBody>();
    assert_eq!(files(&avatar_dir(&st)).len(), 2);
    st.register("u1", "xiaoming");
    let a = post_json(st.s(), "/auth/unbind", Some(&t), r#"{"code":"u1"}"#);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        files(&avatar_dir(&st)),
        vec![file_of(&other.avatar_url, &st.server.base)],
        "only the unbound user's file goes"
    );
    assert_eq!(login(&st, "c3", "xiaoming").profile, None);
    assert_eq!(login(&st, "c4", "xiaohong").profile, Some(other));
}

#[test]
fn a_profile_in_redis_is_seen_by_every_instance() {
    let redis = Redis::start();
    let url = redis.url();
    let shared = support::TempPath::new("avatars");
    let env = [
        ("REDIS_URL", url.as_str()),
        ("AVATAR_DIR", shared.as_str()),
        ("PUBLIC_BASE_URL", PUBLIC),
    ];
    let st = stack_with(&env);
    let (b, _db) = support::server_with(&st.standin.base, &env);
    let t = token(&st, "c1", "xiaoming");
    let first = upload_profile(st.s(), Some(&t), "小明", &tiny_png()).wire::<ProfileBody>();
    // The other instance answers with it, and replaces it, deleting the shared file.
    st.register("c2", "xiaoming");
    let other = post_json(b.addr(), "/auth/login", None, r#"{"code":"c2"}"#);
    assert_eq!(other.wire::<LoginReply>().profile, Some(first.clone()));
    let second = upload_profile(b.addr(), Some(&t), "小明明", &tiny_png()).wire::<ProfileBody>();
    assert_eq!(me(&st, &t)["profile"], serde_json::json!(second));
    assert_eq!(files(&shared.0), vec![file_of(&second.avatar_url, PUBLIC)]);
    let key = format!(
        "GET wx-auth:user-profile:{}",
        wx_auth_server::standin::openid_for(support::APPID, "xiaoming")
    );
    let line = redis.command(&key).unwrap();
    assert!(line.starts_with('$'), "the profile is a string key: {line}");
}

#[test]
fn the_log_holds_no_nickname() {
    let st = stack_with(&[]);
    let t = token(&st, "c1", "xiaoming");
    upload_profile(st.s(), Some(&t), "秘密的昵称", &tiny_png());
    json_profile(
        &st,
        Some(&t),
        "另一个秘密",
        "https://a.example/secret-avatar.png",
    );
    let log = st.server.log();
    assert!(log.contains("POST /auth/profile 200"), "{log}");
    for secret in ["秘密的昵称", "另一个秘密", "secret-avatar", t.as_str()] {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}
