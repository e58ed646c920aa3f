//! Writes the state diagram generated from the machine (`make docs`): `docs/state-diagram.txt`,
//! `.mmd` (Mermaid) and `.dot` (Graphviz), and the block between the
//! `<!-- state-diagram -->` markers in README.md and README.zh-CN.md.
//! `tests/docs.rs` fails when any of them differs from what this writes.

use std::fs;

fn main() -> std::io::Result<()> {
    let root = env!("CARGO_MANIFEST_DIR");
    fs::write(
        format!("{root}/docs/state-diagram.txt"),
        wx_auth::diagram::text(),
    )?;
    fs::write(
        format!("{root}/docs/state-diagram.mmd"),
        wx_auth::diagram::mermaid(),
    )?;
    fs::write(
        format!("{root}/docs/state-diagram.dot"),
        wx_auth::diagram::dot(),
    )?;
    for readme in ["README.md", "README.zh-CN.md"] {
        let path = format!("{root}/{readme}");
        let text = fs::read_to_string(&path)?;
        match wx_auth::diagram::in_readme(&text) {
            Some(updated) => fs::write(&path, updated)?,
            None => eprintln!("{readme}: no <!-- state-diagram --> markers; left as it is"),
        }
    }
    println!("{}", wx_auth::diagram::text());
    Ok(())
}
