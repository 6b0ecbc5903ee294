package web

import (
	"errors"
	"net/http"

	"github.com/ringfence/ringfence/internal/access"
)

type signInPage struct {
	Next  string
	Name  string
	Error string
}

func (u *ui) signInForm(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	// Already signed in: go on rather than ask again.
	if _, err := u.principal(r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	v := view{Title: "Sign in", D: signInPage{Next: next}}
	if err := u.render(w, r, http.StatusOK, "signin", v); err != nil {
		u.fail(w, r, access.Principal{}, err)
	}
}

// signIn needs no CSRF token: there is no session to steal yet, and a
// cross-site post is refused by CrossOriginProtection and SameSite.
func (u *ui) signIn(w http.ResponseWriter, r *http.Request) {
	name, password := r.PostFormValue("name"), r.PostFormValue("password")
	next := localPath(r.PostFormValue("next"))
	token, s, err := u.Auth.SignIn(r.Context(), name, password)
	if errors.Is(err, access.ErrUnauthenticated) {
		// One message for every refusal: the page must not tell which
		// names exist.
		v := view{Title: "Sign in", D: signInPage{Next: next, Name: name, Error: "Wrong name or password."}}
		if err := u.render(w, r, http.StatusUnauthorized, "signin", v); err != nil {
			u.fail(w, r, access.Principal{}, err)
		}
		return
	}
	if err != nil {
		u.fail(w, r, access.Principal{}, err)
		return
	}
	setActor(r, s.User)
	http.SetCookie(w, &http.Cookie{
		Name:     access.SessionCookie,
		Value:    token,
		Path:     "/",
		Expires:  s.ExpiresAt,
		MaxAge:   int(access.SessionTTL.Seconds()),
		HttpOnly: true,
		Secure:   secureCookie(r),
		SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *ui) signOut(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	if c, err := r.Cookie(access.SessionCookie); err == nil {
		if err := u.Auth.SignOut(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: access.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secureCookie(r), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}
