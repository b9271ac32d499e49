//! The login page. A failed attempt says why, in the user's language, and
//! keeps what was typed.

use houqin_shared::ErrorCode;
use houqin_shared::accounts::LoginRequest;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::api::{self, ApiError};
use crate::components::button::Button;
use crate::components::form_field::{InputKind, TextField};
use crate::components::lang_toggle::LangToggle;
use crate::components::shell::MAIN_ID;
use crate::i18n::{Key, error_key, tx};
use crate::routes::Route;
use crate::session::{LoginNotice, use_session};

/// What the login page has to say, with the `data-code` e2e tests match on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    Notice(LoginNotice),
    Refused(ApiError),
    UsernameMissing,
    PasswordMissing,
    TooLong,
}

impl Problem {
    fn data_code(&self) -> String {
        match self {
            Problem::Notice(LoginNotice::Expired) => "session_expired".to_owned(),
            Problem::Notice(LoginNotice::Unreachable) => "network".to_owned(),
            Problem::Refused(e) if e.is_unreachable() => "network".to_owned(),
            Problem::Refused(ApiError::Decode(_)) => "unexpected".to_owned(),
            Problem::Refused(e) => e
                .code()
                .map(api::code_name)
                .unwrap_or_else(|| "unknown".to_owned()),
            Problem::UsernameMissing | Problem::PasswordMissing | Problem::TooLong => {
                "validation".to_owned()
            }
        }
    }

    fn key(&self) -> Key {
        match self {
            Problem::Notice(LoginNotice::Expired) => Key::ErrSessionExpired,
            Problem::Notice(LoginNotice::Unreachable) => Key::ErrNetwork,
            Problem::Refused(e) => error_key(e),
            Problem::UsernameMissing => Key::ErrUsernameRequired,
            Problem::PasswordMissing => Key::ErrPasswordRequired,
            Problem::TooLong => Key::ErrTooLong,
        }
    }

    fn request_id(&self) -> Option<String> {
        match self {
            Problem::Refused(e) if e.code() == Some(ErrorCode::Internal) => {
                e.request_id().map(str::to_owned)
            }
            _ => None,
        }
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let username = RwSignal::new(session.last_username.get_untracked());
    let password = RwSignal::new(String::new());
    let submitting = RwSignal::new(false);
    let refused = RwSignal::new(None::<Problem>);

    // Signed in, by this form or by a session that survived: go home.
    Effect::new(move |_| {
        if session.user.with(Option::is_some) {
            let options = NavigateOptions {
                replace: true,
                ..Default::default()
            };
            navigate(&Route::Home.path(), options);
        }
    });
    // A session that ended elsewhere brings its username here.
    Effect::new(move |_| {
        let last = session.last_username.get();
        if username.with_untracked(String::is_empty) && !last.is_empty() {
            username.set(last);
        }
    });

    let problem = Memo::new(move |_| {
        refused
            .get()
            .or_else(|| session.notice.get().map(Problem::Notice))
    });
    let field_error = move |field: &'static str| {
        Signal::derive(move || match (field, refused.get()) {
            ("username", Some(Problem::UsernameMissing)) => Some(Key::ErrUsernameRequired),
            ("password", Some(Problem::PasswordMissing)) => Some(Key::ErrPasswordRequired),
            _ => None,
        })
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if submitting.get_untracked() {
            return;
        }
        let req = LoginRequest {
            username: username.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            device_id: None,
            device_public_key: None,
        };
        let invalid = if req.username.is_empty() {
            Some(Problem::UsernameMissing)
        } else if req.password.is_empty() {
            Some(Problem::PasswordMissing)
        } else {
            // What is left of the shape rules is length.
            req.validate().err().map(|_| Problem::TooLong)
        };
        if let Some(problem) = invalid {
            refused.set(Some(problem));
            return;
        }
        refused.set(None);
        session.notice.set(None);
        submitting.set(true);
        spawn_local(async move {
            let result = api::login(req).await;
            // The page may be gone by now (signed in elsewhere): try_ is quiet then.
            submitting.try_set(false);
            match result {
                Ok(me) => session.begin(me),
                Err(e) => {
                    refused.try_set(Some(Problem::Refused(e)));
                }
            }
        });
    };

    view! {
        <main id=MAIN_ID class="login-page" tabindex="-1">
            <div class="login-top">
                <LangToggle />
            </div>
            <div class="login-panel card">
                <div class="login-brand">
                    <span class="brand-mark brand-mark-large" aria-hidden="true">
                        "勤"
                    </span>
                    <div>
                        <p class="login-app-name">{tx(Key::AppName)}</p>
                        <p class="muted">{tx(Key::AppTagline)}</p>
                    </div>
                </div>
                <h1 class="login-title">{tx(Key::LoginTitle)}</h1>
                <p class="muted">{tx(Key::LoginIntro)}</p>
                <div class="form-messages" aria-live="polite">
                    {move || {
                        problem
                            .get()
                            .map(|p| {
                                let request_id = p.request_id();
                                view! {
                                    <p class="alert alert-error" data-testid="login-error" data-code=p.data_code()>
                                        {tx(p.key())}
                                        {request_id
                                            .map(|id| {
                                                view! {
                                                    <span class="alert-ref">
                                                        " " {tx(Key::ErrReference)} {id}
                                                    </span>
                                                }
                                            })}
                                    </p>
                                }
                            })
                    }}
                </div>
                <form
                    class="form"
                    data-testid="login-form"
                    novalidate=true
                    aria-busy=move || submitting.get().then_some("true")
                    on:submit=on_submit
                >
                    <TextField
                        id="login-username"
                        label=Key::Username
                        hint=Key::UsernameHint
                        value=username
                        autocomplete="username"
                        testid="login-username"
                        error=field_error("username")
                    />
                    <TextField
                        id="login-password"
                        label=Key::Password
                        kind=InputKind::Password
                        value=password
                        autocomplete="current-password"
                        testid="login-password"
                        error=field_error("password")
                    />
                    <Button submit=true disabled=submitting testid="login-submit">
                        {move || {
                            if submitting.get() {
                                tx(Key::LoginSubmitting)()
                            } else {
                                tx(Key::LoginSubmit)()
                            }
                        }}
                    </Button>
                </form>
            </div>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use houqin_shared::ApiErrorBody;

    use super::*;

    fn refused(code: ErrorCode) -> Problem {
        Problem::Refused(ApiError::Server(ApiErrorBody {
            code,
            message: String::new(),
            field: None,
            request_id: None,
        }))
    }

    #[test]
    fn codes_for_e2e() {
        assert_eq!(
            refused(ErrorCode::InvalidCredentials).data_code(),
            "invalid_credentials"
        );
        assert_eq!(refused(ErrorCode::LockedOut).data_code(), "locked_out");
        assert_eq!(
            refused(ErrorCode::AccountDisabled).data_code(),
            "account_disabled"
        );
        assert_eq!(refused(ErrorCode::Unavailable).data_code(), "network");
        assert_eq!(Problem::Refused(ApiError::Network).data_code(), "network");
        assert_eq!(
            Problem::Notice(LoginNotice::Expired).data_code(),
            "session_expired"
        );
        assert_eq!(Problem::PasswordMissing.data_code(), "validation");
    }

    #[test]
    fn messages_match_the_problem() {
        assert_eq!(
            refused(ErrorCode::InvalidCredentials).key(),
            Key::ErrInvalidCredentials
        );
        assert_eq!(refused(ErrorCode::LockedOut).key(), Key::ErrLockedOut);
        assert_eq!(
            refused(ErrorCode::AccountDisabled).key(),
            Key::ErrAccountDisabled
        );
        assert_eq!(Problem::Refused(ApiError::Network).key(), Key::ErrNetwork);
        assert_eq!(
            Problem::Notice(LoginNotice::Expired).key(),
            Key::ErrSessionExpired
        );
    }
}
