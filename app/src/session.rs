//! Who is signed in, as which role, and why someone was sent back to the
//! login page. Shared by every page as a context.

use houqin_shared::accounts::{Lang, Me, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::components::toast::{ToastKind, Toaster};
use crate::i18n::{I18n, Key};

/// Why the login page is showing instead of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginNotice {
    /// The session ended on its own: expired, revoked, or refused.
    Expired,
    /// A surviving session could not be checked: the server is unreachable.
    Unreachable,
}

#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub user: RwSignal<Option<Me>>,
    /// The role the app is showing; one of `user.roles`.
    pub role: RwSignal<Option<Role>>,
    /// True until the start-up check for a surviving session has answered.
    pub restoring: RwSignal<bool>,
    pub notice: RwSignal<Option<LoginNotice>>,
    /// Prefills the login form.
    pub last_username: RwSignal<String>,
    /// Unread notifications, once known.
    pub unread: RwSignal<Option<u32>>,
    /// Whether the user picked a language on the login page this visit; that
    /// choice then wins over the account's stored preference.
    lang_chosen_signed_out: RwSignal<bool>,
    pub i18n: I18n,
    pub toaster: Toaster,
}

/// Creates the session context and checks for a session from an earlier visit.
pub fn provide_session(i18n: I18n, toaster: Toaster) -> Session {
    let session = Session {
        user: RwSignal::new(None),
        role: RwSignal::new(None),
        restoring: RwSignal::new(true),
        notice: RwSignal::new(None),
        last_username: RwSignal::new(api::last_username().unwrap_or_default()),
        unread: RwSignal::new(None),
        lang_chosen_signed_out: RwSignal::new(false),
        i18n,
        toaster,
    };
    provide_context(session);
    spawn_local(async move {
        match api::current_user().await {
            Ok(Some(me)) => session.begin(me),
            Ok(None) => {}
            Err(e) if e.is_unreachable() => session.notice.set(Some(LoginNotice::Unreachable)),
            // Any other failure means the stored session is no good.
            Err(_) => session.notice.set(Some(LoginNotice::Expired)),
        }
        session.restoring.set(false);
    });
    session
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// The role whose home opens first: the most capable one.
pub fn primary_role(roles: &[Role]) -> Option<Role> {
    const ORDER: [Role; 8] = [
        Role::Admin,
        Role::Manager,
        Role::Supervisor,
        Role::Technician,
        Role::Cashier,
        Role::Courier,
        Role::Staff,
        Role::Student,
    ];
    ORDER.into_iter().find(|r| roles.contains(r))
}

/// How the signed-in app is laid out for a role's usual device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Phones: a bottom tab bar (student, staff, courier).
    Phone,
    /// Tablets: a list on the left, the work on the right (technician, supervisor).
    Split,
    /// Canteen kiosks: one large screen with big targets (cashier).
    Kiosk,
    /// Desktop browsers: a left navigation (manager, admin).
    Desk,
}

impl Layout {
    pub fn for_role(role: Role) -> Layout {
        match role {
            Role::Student | Role::Staff | Role::Courier => Layout::Phone,
            Role::Technician | Role::Supervisor => Layout::Split,
            Role::Cashier => Layout::Kiosk,
            Role::Manager | Role::Admin => Layout::Desk,
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Layout::Phone => "layout-phone",
            Layout::Split => "layout-split",
            Layout::Kiosk => "layout-kiosk",
            Layout::Desk => "layout-desk",
        }
    }
}

impl Session {
    /// A user is signed in (by the login form or a surviving session).
    pub fn begin(self, me: Me) {
        let account_lang = me.lang;
        let chosen = self.i18n.lang.get_untracked();
        // The language remembered on this device wins (a reload must never flip it
        // back while saving it to the account is still in flight or failed);
        // the account's preference only fills a device that has none yet.
        let device_choice =
            self.lang_chosen_signed_out.get_untracked() || api::saved_lang().is_some();
        if device_choice {
            if chosen != account_lang {
                self.save_lang_to_account(chosen);
            }
        } else {
            self.i18n.set(account_lang);
        }
        self.lang_chosen_signed_out.set(false);
        self.last_username.set(me.username.clone());
        self.role.set(primary_role(&me.roles));
        self.notice.set(None);
        self.unread.set(None);
        self.user.set(Some(me));
    }

    /// Signs out locally; `notice` says why, when it was not the user's choice.
    pub fn end(self, notice: Option<LoginNotice>) {
        if let Some(me) = self.user.get_untracked() {
            self.last_username.set(me.username);
        }
        self.notice.set(notice);
        self.unread.set(None);
        self.role.set(None);
        self.user.set(None);
    }

    /// Whether the signed-in user manages the campus (a manager or an
    /// admin): the office screens show for them (reactive).
    pub fn is_manager(self) -> bool {
        self.user.with(|u| {
            u.as_ref().is_some_and(|me| {
                me.roles
                    .iter()
                    .any(|r| matches!(r, Role::Manager | Role::Admin))
            })
        })
    }

    /// Sends the user to the login page when `error` means the session is over.
    /// Returns whether it did, so callers can skip their own error message.
    pub fn check(self, error: &ApiError) -> bool {
        if error.ends_session() {
            self.end(Some(LoginNotice::Expired));
            true
        } else {
            false
        }
    }

    /// The user's sign-out: the app leaves at once; telling the server is best effort.
    pub fn logout(self) {
        self.end(None);
        spawn_local(async {
            // Best effort: an unreachable server lets the session lapse on its own.
            let _ = api::logout().await;
        });
    }

    /// Switches the UI language, and the account's when signed in.
    pub fn choose_lang(self, lang: Lang) {
        self.i18n.set(lang);
        if self.user.get_untracked().is_some() {
            self.save_lang_to_account(lang);
        } else {
            self.lang_chosen_signed_out.set(true);
        }
    }

    fn save_lang_to_account(self, lang: Lang) {
        spawn_local(async move {
            if let Err(e) = api::set_lang(lang).await
                && !self.check(&e)
            {
                self.toaster.show(Key::LangSaveFailed, ToastKind::Error);
            }
        });
    }

    pub fn switch_role(self, role: Role) {
        let allowed = self
            .user
            .with_untracked(|u| u.as_ref().is_some_and(|me| me.roles.contains(&role)));
        if allowed {
            self.role.set(Some(role));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_role_prefers_the_most_capable() {
        assert_eq!(primary_role(&[Role::Student]), Some(Role::Student));
        assert_eq!(
            primary_role(&[Role::Student, Role::Courier]),
            Some(Role::Courier)
        );
        assert_eq!(
            primary_role(&[Role::Staff, Role::Admin, Role::Manager]),
            Some(Role::Admin)
        );
        assert_eq!(
            primary_role(&[Role::Cashier, Role::Technician]),
            Some(Role::Technician)
        );
        assert_eq!(primary_role(&[]), None);
    }

    #[test]
    fn every_role_has_a_layout() {
        assert_eq!(Layout::for_role(Role::Cashier), Layout::Kiosk);
        assert_eq!(Layout::for_role(Role::Technician), Layout::Split);
        assert_eq!(Layout::for_role(Role::Student), Layout::Phone);
        assert_eq!(Layout::for_role(Role::Admin), Layout::Desk);
    }
}
