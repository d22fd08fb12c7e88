//! `cutover profiles`: list the built-in profiles, or print one to start a custom one from.

use crate::cli::{ProfilesAction, ProfilesArgs};
use crate::commands::print;
use crate::diagnostic::Error;
use crate::profile::{BUILTIN, Profile};

pub fn profiles(args: &ProfilesArgs) -> Result<u8, Error> {
    match &args.action {
        None => {
            let mut out = String::new();
            for (name, _) in BUILTIN {
                let profile = Profile::resolve(name)?;
                out.push_str(&format!("{name:<10} {}\n", profile.description));
            }
            print(&out)?;
        }
        Some(ProfilesAction::Show { name }) => match BUILTIN.iter().find(|(n, _)| n == name) {
            Some((_, text)) => print(text)?,
            None => {
                return Err(Error::plain(format!(
                    "no built-in profile named '{name}' (see `cutover profiles`)"
                )));
            }
        },
    }
    Ok(0)
}
