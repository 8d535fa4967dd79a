// The rulebook in `rulebook/` is embedded with include_dir, which does not tell cargo
// about the files it reads: this makes any change there rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=rulebook");
}
